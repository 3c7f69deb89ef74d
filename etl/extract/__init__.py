"""Stage 2, extract: pure functions from one archived text to the facts it states, with spans.

Reads a `Source` (stage raw) and the reference tables; produces, for each source, a dict of rows
keyed by the resources they are published in (the article, its paragraphs, quotes, persons and
roles, events and their participants, themes and speakers, post counts and totals) and the
warnings of what it could not read. Nothing here does I/O: the same text always gives the same
facts. Also scores the extractor against a gold set of hand-labelled articles."""

from etl.extract.article import extract_source
from etl.extract.evaluation import Evaluation, Score, evaluate, render_evaluation, reviewed_languages

__all__ = ["Evaluation", "Score", "evaluate", "extract_source", "render_evaluation", "reviewed_languages"]
