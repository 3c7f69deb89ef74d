"""Amounts written as digits or words, with a qualifier ("more than 110", "une centaine")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from etl.extract.text import Span


@dataclass(frozen=True)
class Amount:
    """A number found in text, with how it is qualified (exact, more_than, about…)."""

    span: Span
    value: int
    qualifier: str


def alternation(words: Any) -> str:
    """Regex alternation of words, longest first."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def number_pattern(table: dict[str, Any]) -> str:
    """Regex (one named group 'n') for a number in digits or in words of the language."""
    words = alternation(table["number_words"])
    return rf"(?P<n>\d{{1,3}}(?:[ .,\u202f]\d{{3}})*|\d+|(?:{words}))"


def amount_pattern(table: dict[str, Any]) -> str:
    """Regex (groups 'q' and 'n') for an optionally qualified number."""
    qualifiers = alternation(w for ws in table["qualifiers"].values() for w in ws)
    return rf"(?:(?P<q>{qualifiers})\s*)?{number_pattern(table)}"


def read_number(written: str, table: dict[str, Any]) -> int:
    """The value of a number written in digits (with thousands separators) or in words."""
    digits = re.sub(r"[ .,\u202f]", "", written)
    if digits.isdigit():
        return int(digits)
    return int(table["number_words"][written.lower()])


def read_qualifier(written: str | None, table: dict[str, Any]) -> str:
    """The qualifier code of a written qualifier; exact when there is none."""
    if not written:
        return "exact"
    for code, words in table["qualifiers"].items():
        if written.lower() in (w.lower() for w in words):
            return str(code)
    return "exact"


def to_amount(match: re.Match[str], offset: int, table: dict[str, Any]) -> Amount:
    """An Amount from a match of amount_pattern, with offsets into the whole text."""
    start = offset + match.start()
    end = offset + match.end("n")
    written = match.string[match.start() : match.end("n")]
    return Amount(
        Span(start, end, written),
        read_number(match.group("n"), table),
        read_qualifier(match.group("q"), table),
    )
