"""Quotations and their attributions ("“…” - Name, Role")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from etl.extract.people import NAME, Mention, resolve_person
from etl.extract.text import Span


@dataclass(frozen=True)
class Quote:
    """Quoted words (without their marks) and the person they are attributed to."""

    text: Span
    speaker: Mention | None


def attribution_regex(table: dict[str, Any]) -> re.Pattern[str]:
    """Regex for an attribution after a closing mark: ' - Name, Role' up to the paragraph's end."""
    dashes = "|".join(re.escape(d) for d in table["attribution_dashes"])
    return re.compile(rf"^\s*(?:{dashes})\s*(?P<name>{NAME})\s*,\s*(?P<role>.+?)\s*\.?\s*$")


def find_quotes(paragraph: Span, table: dict[str, Any], persons: list[dict[str, Any]]) -> list[Quote]:
    """Quotations of a paragraph, each with its attributed speaker when one is written."""
    attribution = attribution_regex(table)
    found = []
    for opening, closing in table["quote_marks"]:
        pattern = re.compile(rf"{re.escape(opening)}(?P<q>[^{re.escape(closing)}]+){re.escape(closing)}")
        for match in pattern.finditer(paragraph.text):
            words = match.group("q").strip()
            if len(words.split()) < 4:
                continue
            start = (
                paragraph.start + match.start("q") + (len(match.group("q")) - len(match.group("q").lstrip()))
            )
            text = Span(start, start + len(words), words)
            speaker = None
            rest_start = match.end()
            found_attribution = attribution.match(paragraph.text[rest_start:])
            if found_attribution:
                offset = paragraph.start + rest_start
                name, role = found_attribution.group("name"), found_attribution.group("role")
                speaker = Mention(
                    resolve_person(name, persons),
                    Span(
                        offset + found_attribution.start("name"), offset + found_attribution.end("name"), name
                    ),
                    Span(
                        offset + found_attribution.start("role"), offset + found_attribution.end("role"), role
                    ),
                )
            found.append(Quote(text, speaker))
        if found:
            break
    return found
