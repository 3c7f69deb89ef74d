"""Quotations and their attributions: '“…” - Name, Role', '“…,” said Name', '“…”, aldus Name',
'« … », a déclaré Name', 'Name: “…”', and references such as 'aldus de minister'."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from etl.extract.people import NAME, NAME_WORD, Mention, resolve_person, role_after
from etl.extract.text import Span, alternation, memo

MIN_QUOTE_WORDS = 4
MAX_QUOTE = 5000


@dataclass(frozen=True)
class Quote:
    """Quoted words (without their marks), the speaker when written, or the reference
    ('the minister') that points back to a person named earlier."""

    text: Span
    speaker: Mention | None
    reference: str | None = None


def after_regex(table: dict[str, Any]) -> re.Pattern[str]:
    """Attribution after the closing mark: ' - Name, Role', ', said Name, Role.', ', aldus de minister.'"""
    return memo(table, "after_regex", lambda: build_after_regex(table))


def build_after_regex(table: dict[str, Any]) -> re.Pattern[str]:
    """Build after_regex (memoised by after_regex)."""
    dashes = alternation(table["attribution_dashes"])
    verbs = alternation(table["attribution_verbs"])
    anaphora = alternation(table["anaphora"])
    pronouns = alternation(table["pronoun_attributions"])
    who = rf"(?P<ref>(?i:{anaphora}))\b|(?P<name>{NAME}|{NAME_WORD}(?=\s*[.,;:!?]|$))"
    return re.compile(
        rf"^\s*(?:(?:{dashes})\s*(?P<dname>{NAME})"
        rf"|,?\s*(?:(?i:{verbs})\s+(?:{who})|(?P<bname>{NAME})\s+(?i:{verbs})\b|(?P<pronoun>(?i:{pronouns}))\b))"
    )


def before_regex(table: dict[str, Any]) -> re.Pattern[str]:
    """Attribution before the opening mark: 'Name said:' or 'Name, Role:'."""
    return memo(table, "before_regex", lambda: build_before_regex(table))


def build_before_regex(table: dict[str, Any]) -> re.Pattern[str]:
    """Build before_regex (memoised by before_regex)."""
    verbs = alternation(table["attribution_verbs"])
    return re.compile(rf"(?P<name>{NAME})(?:,[^,:]{{2,120}},)?(?:\s+(?i:{verbs}))?\s*:\s*$")


def mention_at(
    paragraph: Span, start: int, written: str, table: dict[str, Any], persons: list[dict[str, Any]]
) -> Mention:
    """A mention of the name written at an offset, with the role that follows it."""
    name = Span(start, start + len(written), written)
    return Mention(resolve_person(written, persons), name, role_after(paragraph, name.end, table))


def find_quotes(paragraph: Span, table: dict[str, Any], persons: list[dict[str, Any]]) -> list[Quote]:
    """Quotations of a paragraph, each with its attributed speaker or reference when written."""
    after, before = after_regex(table), before_regex(table)
    found: list[Quote] = []
    for opening, closing in table["quote_marks"]:
        inner = rf"[^{re.escape(closing)}{re.escape(opening)}]{{1,{MAX_QUOTE}}}"
        pattern = re.compile(rf"{re.escape(opening)}(?P<q>{inner}){re.escape(closing)}")
        for match in pattern.finditer(paragraph.text):
            raw = match.group("q")
            words = raw.strip().rstrip(",").rstrip()
            if len(words.split()) < MIN_QUOTE_WORDS:
                continue
            start = paragraph.start + match.start("q") + (len(raw) - len(raw.lstrip()))
            text = Span(start, start + len(words), words)
            speaker, reference = None, None
            rest = paragraph.text[match.end() :]
            attributed = after.match(rest)
            offset = paragraph.start + match.end()
            if attributed:
                groups = [g for g in ("dname", "name", "bname") if attributed.group(g)]
                if groups:
                    group = groups[0]
                    speaker = mention_at(
                        paragraph, offset + attributed.start(group), attributed.group(group), table, persons
                    )
                else:
                    reference = (attributed.group("ref") or attributed.group("pronoun")).lower()
            else:
                introduced = before.search(paragraph.text[: match.start()])
                if introduced:
                    speaker = mention_at(
                        paragraph,
                        paragraph.start + introduced.start("name"),
                        introduced.group("name"),
                        table,
                        persons,
                    )
            found.append(Quote(text, speaker, reference))
        if found:
            break
    return found
