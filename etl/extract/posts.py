"""Counts of Belgium's posts abroad by type ("Belgium has 87 embassies, 15 consulates general…")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from etl.extract.quantities import number_pattern, read_number
from etl.extract.text import Span, alternation, fold


@dataclass(frozen=True)
class PostCount:
    """A number of posts of one type, with the span that states it."""

    post_type: str
    typology: str
    count: int
    span: Span


@dataclass(frozen=True)
class PostTotal:
    """A total number of posts that the source states, with its span."""

    total: int
    span: Span


def type_terms(language: str, post_types: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Map from a term as written ('consulats généraux') to its post type, for one language."""
    return {t: pt for pt in post_types for t in pt["terms"].get(language, [])}


def find_post_counts(
    sentence: Span, table: dict[str, Any], post_types: list[dict[str, Any]]
) -> tuple[list[PostCount], PostTotal | None]:
    """Counts by type and a stated total in a sentence whose subject is Belgium's network."""
    subjects = alternation(table["network_subjects"])
    subject = re.search(rf"\b(?:{subjects})\b", sentence.text, re.IGNORECASE)
    if not subject:
        return [], None
    terms = type_terms(table["language"], post_types)
    number = number_pattern(table)
    rest = sentence.text[subject.end() :]
    offset = sentence.start + subject.end()
    exclusions = alternation(table["network_exclusions"])
    counts: list[PostCount] = []
    pattern = (
        rf"{number}\s+(?:(?P<x>{exclusions})\s+)?(?P<t>{alternation(terms)})\b(?:\s+(?P<y>{exclusions})\b)?"
    )
    for match in re.finditer(pattern, rest, re.IGNORECASE):
        if match.group("x") or match.group("y"):
            continue  # honorary, new, foreign…: not a count of Belgium's own network
        post_type = next(pt for t, pt in terms.items() if fold(t) == fold(match.group("t")))
        start = offset + match.start()
        counts.append(
            PostCount(
                post_type["code"],
                post_type["typology"],
                read_number(match.group("n"), table),
                Span(start, offset + match.end(), match.group(0)),
            )
        )
    if len(counts) == 1 and not counts[0].span.text[:1].isdigit():
        counts = []  # 'een ambassade', 'une ambassade': an article, not a count of the network
    total = None
    total_terms = alternation(table["network_total_terms"])
    stated = re.search(rf"\b{number}\s+(?:{total_terms})\b", rest, re.IGNORECASE)
    if stated:
        start = offset + stated.start()
        total = PostTotal(
            read_number(stated.group("n"), table), Span(start, offset + stated.end(), stated.group(0))
        )
    return counts, total
