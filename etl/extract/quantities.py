"""Amounts written as digits or words, with a qualifier ("more than 110", "une centaine",
"septante-cinq", "honderdtwintig")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from etl.extract.text import Span, alternation, memo

DIGITS = r"\d{1,3}(?:[ .,\u202f]\d{3})+(?!\d)|\d+"
WORD_JOINERS = ("and", "et", "en")
MAX_WORDS = 6


@dataclass(frozen=True)
class Amount:
    """A number found in text, with how it is qualified (exact, more_than, about…)."""

    span: Span
    value: int
    qualifier: str


def number_pattern(table: dict[str, Any]) -> str:
    """Regex (one named group 'n') for a number in digits, in words, or an approximate number."""
    return memo(table, "number_pattern", lambda: build_number_pattern(table))


def build_number_pattern(table: dict[str, Any]) -> str:
    """Build number_pattern (memoised by number_pattern)."""
    words = alternation(table["number_words"])
    approximate = alternation(table["approximate_numbers"])
    joiners = "|".join(WORD_JOINERS)
    spelled = rf"(?:{words})(?:(?:[\s-]+(?:(?:{joiners})[\s-]+)?|(?:{joiners})?)(?:{words})){{0,{MAX_WORDS}}}"
    return rf"(?P<n>{DIGITS}|(?:{approximate})|\b{spelled})(?![\w-])"


def amount_pattern(table: dict[str, Any]) -> str:
    """Regex (groups 'q' and 'n') for an optionally qualified number."""
    return memo(table, "amount_pattern", lambda: build_amount_pattern(table))


def build_amount_pattern(table: dict[str, Any]) -> str:
    """Build amount_pattern (memoised by amount_pattern)."""
    qualifiers = alternation(w for ws in table["qualifiers"].values() for w in ws)
    return rf"(?:(?P<q>{qualifiers})\s*)?{number_pattern(table)}"


def read_words(written: str, table: dict[str, Any]) -> int | None:
    """The value of a number in words, glued or not ('vijfentwintig', 'cent vingt', 'twenty-five')."""
    words = sorted(table["number_words"], key=len, reverse=True)
    text = written.lower()
    total = current = 0
    position = 0
    while position < len(text):
        if text[position] in " -\u00a0":
            position += 1
            continue
        word = next((w for w in words if text.startswith(w, position)), None)
        if word is None:
            joiner = next((j for j in WORD_JOINERS if text.startswith(j, position)), None)
            if joiner is None:
                return None
            position += len(joiner)
            continue
        value = int(table["number_words"][word])
        if value == 100:
            current = max(current, 1) * 100
        elif value == 1000:
            total += max(current, 1) * 1000
            current = 0
        else:
            current += value
        position += len(word)
    return total + current


def read_number(written: str, table: dict[str, Any]) -> int:
    """The value of a number written in digits (with thousands separators) or in words."""
    lowered = written.lower()
    if lowered in table["approximate_numbers"]:
        return int(table["approximate_numbers"][lowered])
    digits = re.sub(r"[ .,\u202f]", "", written)
    if digits.isdigit():
        return int(digits)
    value = read_words(written, table)
    if value is None:
        raise ValueError(f"not a number: {written!r}")
    return value


def read_qualifier(written: str | None, number: str, table: dict[str, Any]) -> str:
    """The qualifier code of a written qualifier; about for an approximate number; else exact."""
    if written:
        for code, words in table["qualifiers"].items():
            if written.lower() in (w.lower() for w in words):
                return str(code)
    if number.lower() in table["approximate_numbers"]:
        return "about"
    return "exact"


def to_amount(match: re.Match[str], offset: int, table: dict[str, Any]) -> Amount:
    """An Amount from a match of amount_pattern, with offsets into the whole text."""
    start = offset + match.start()
    end = offset + match.end("n")
    written = match.string[match.start() : match.end("n")]
    return Amount(
        Span(start, end, written),
        read_number(match.group("n"), table),
        read_qualifier(match.group("q"), match.group("n"), table),
    )
