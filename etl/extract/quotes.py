"""Quotations: the stretches of a paragraph between quotation marks, and a quotation split around
its attribution ('“…,” the minister said, “…”', '« …, a précisé la ministre, … »') kept as one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from etl.extract.text import Span

MIN_QUOTE_WORDS = 4
MAX_QUOTE = 5000
# The words between the two halves of a split quotation: an attribution, never a sentence.
MAX_INCISE_WORDS = 16
TERMINAL = ".!?…"


@dataclass(frozen=True)
class Quoted:
    """A stretch between quotation marks: the words inside (without the marks) and the stretch
    with its marks."""

    inner: Span
    outer: Span


@dataclass(frozen=True)
class Quote:
    """A quotation: its words (for a split quotation, from the first half's first word to the
    second half's last, the attribution between them included), its halves, and who said it."""

    text: Span
    parts: tuple[Quoted, ...]
    speaker: Any = None  # a Mention
    how: str | None = None
    confidence: float | None = None

    @property
    def incise(self) -> Span | None:
        """The words between the halves of a split quotation."""
        if len(self.parts) < 2:
            return None
        first, second = self.parts[0].outer, self.parts[1].outer
        return Span(first.end, second.start, "")


def quoted(paragraph: Span, marks: list[list[str]]) -> list[Quoted]:
    """Every stretch of a paragraph between a pair of quotation marks, in order, without overlaps
    (a quotation inside another is part of it)."""
    found: list[Quoted] = []
    for opening, closing in marks:
        inner = rf"[^{re.escape(closing)}{re.escape(opening)}\n]{{1,{MAX_QUOTE}}}"
        for match in re.finditer(rf"{re.escape(opening)}(?P<q>{inner}){re.escape(closing)}", paragraph.text):
            raw = match.group("q")
            words = raw.strip()
            start = paragraph.start + match.start("q") + (len(raw) - len(raw.lstrip()))
            outer = Span(paragraph.start + match.start(), paragraph.start + match.end(), match.group(0))
            candidate = Quoted(Span(start, start + len(words), words), outer)
            if all(outer.end <= q.outer.start or outer.start >= q.outer.end for q in found):
                found.append(candidate)
    return sorted(found, key=lambda q: q.outer.start)


def left_open(paragraph: Span, marks: list[list[str]]) -> Quoted | None:
    """The quotation a paragraph opens and does not close: it goes on in the next paragraph, which
    opens with a quotation mark again (the way a quotation of several paragraphs is written)."""
    text = paragraph.text
    lead = len(text) - len(text.lstrip())
    for opening, closing in marks:
        if not text.startswith(opening, lead):
            continue
        rest = text[lead + len(opening) :]
        if (rest.count(closing) % 2 == 0) if opening == closing else closing not in rest:
            words = rest.strip()
            start = paragraph.start + lead + len(opening) + (len(rest) - len(rest.lstrip()))
            inner = Span(start, start + len(words), words)
            return Quoted(inner, Span(paragraph.start + lead, paragraph.end, text[lead:]))
    return None


def opens(paragraph: Span, quote: Quote) -> bool:
    """Whether a quotation is the first words of its paragraph (its opening mark starts it)."""
    return not paragraph.text[: quote.parts[0].outer.start - paragraph.start].strip()


def continues(first: Quoted, second: Quoted, between: str) -> bool:
    """Whether two quoted stretches are the halves of one quotation split by its attribution: few
    words between them, no sentence ending there, and the first half not ending a sentence or the
    second going on in lower case."""
    if len(between.split()) > MAX_INCISE_WORDS or not between.strip().strip(",").strip():
        return False
    tail = first.inner.text.rstrip()
    head = second.inner.text.lstrip()
    if re.search(r"[.!?]\s", between.strip() + " "):
        # '“…,” said X. “…”', '“…”, stelt X. “…”': the first half leaves its sentence open
        return tail.endswith(",") or between.lstrip().startswith(",")
    return tail[-1:] not in TERMINAL or (head[:1].islower())


def find_quotes(text: str, stretches: list[Quoted], speaking: Any) -> list[Quote]:
    """The quotations of a paragraph from its quoted stretches, a split quotation as one;
    `speaking(span)` says whether the words between two halves attribute them (a verb of
    saying, or a person)."""
    quotes: list[Quote] = []
    index = 0
    while index < len(stretches):
        parts = [stretches[index]]
        while index + 1 < len(stretches):
            between = Span(parts[-1].outer.end, stretches[index + 1].outer.start, "")
            between = Span(between.start, between.end, text[between.start : between.end])
            if continues(parts[-1], stretches[index + 1], between.text) and speaking(between):
                parts.append(stretches[index + 1])
                index += 1
            else:
                break
        index += 1
        start, end = parts[0].inner.start, parts[-1].inner.end
        words = text[start:end].rstrip(",").rstrip()
        if sum(len(p.inner.text.split()) for p in parts) < MIN_QUOTE_WORDS:
            continue
        quotes.append(Quote(Span(start, start + len(words), words), tuple(parts)))
    return quotes
