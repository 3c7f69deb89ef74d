"""Extraction: pure functions from one archived text to the facts it states, with spans."""

from etl.extract.article import extract_source

__all__ = ["extract_source"]
