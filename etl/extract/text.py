"""Text segmentation: blocks (paragraphs, headings, furniture) and sentences, with offsets."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
HEADING_MAX_WORDS = 8
FURNITURE_MAX = 80
TERMINAL_PUNCTUATION = '.!?:;”"»’)'
SENTENCE_END = re.compile(r"[.!?][”\"»’]?(?=\s+[\"“«‘(]?[A-ZÀ-Ý0-9])")
# Abbreviated titles after which a full stop ends no sentence.
TITLES = {"mr", "mrs", "ms", "dr", "st", "prof", "mme", "mgr", "dhr", "mevr", "nr", "no", "ca", "vs", "cf"}
# A line of a written list: a bullet, then the item ("- 85 embassies", "• 19 consulates general").
BULLET = re.compile(r"^[-•*–·▪]\s+\S")
WORD = re.compile(r"\w+(?:[’'\-]\w+)*")


@dataclass(frozen=True)
class Span:
    """A stretch of the source text: [start, end) offsets and the text between them."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Block:
    """A line of the source: a paragraph, a heading or page furniture (with its label field)."""

    kind: str
    span: Span
    section: str | None = None
    field: str | None = None
    value: str | None = None
    language: str | None = None
    group: str | None = None
    # Dates the page gives to words of the block (<time datetime>): (start, end, YYYY-MM-DD).
    times: tuple[tuple[int, int, str], ...] = ()


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of words, longest first so that prefixes do not win."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


class _CharFolds(dict[int, str]):
    """The folded form of each character, computed the first time it is met: lower case without
    accents, one character for one (or none, for a combining mark, unless marks are kept)."""

    def __init__(self, keep_marks: bool) -> None:
        super().__init__()
        self.keep_marks = keep_marks

    def __missing__(self, code: int) -> str:
        char = chr(code)
        decomposed = unicodedata.normalize("NFKD", char)
        base = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
        folded = base[:1] if base else (char if self.keep_marks else "")
        self[code] = folded
        return folded


FOLDS = _CharFolds(keep_marks=False)
FOLDS_KEEPING_MARKS = _CharFolds(keep_marks=True)


def fold(text: str) -> str:
    """Lower-case text without accents, for matching names and labels."""
    return unicodedata.normalize("NFC", text).translate(FOLDS)


def fold_chars(text: str) -> str:
    """The text folded character by character (lower case, accents dropped), so that it keeps the
    length and offsets of the text: a pattern of folded words matched on it gives spans of the text."""
    return text.translate(FOLDS_KEEPING_MARKS)


def slugify(text: str) -> str:
    """An identifier from a name: folded, words joined by hyphens."""
    return "-".join(re.findall(r"[a-z0-9]+", fold(text)))


def count_words(texts: Iterable[str]) -> int:
    """Number of words in some texts."""
    return sum(len(WORD.findall(t)) for t in texts)


def strip_span(text: str, start: int, end: int) -> Span:
    """The span [start, end) of text without surrounding white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end, text[start:end])


def lines(text: str) -> list[Span]:
    """Non-blank lines of a text, stripped, with their offsets."""
    found = []
    position = 0
    for raw in text.split("\n"):
        span = strip_span(text, position, position + len(raw))
        if span.text:
            found.append(span)
        position += len(raw) + 1
    return found


def match_caption(line: str, captions: list[str]) -> tuple[str, str] | None:
    """A caption line of a text capture ('Image: …', 'Foto – …', or the label alone) as the
    furniture field caption and its text."""
    for label in captions:
        found = re.match(rf"{re.escape(label)}(?:\s*[:\-–—©|]\s*(?P<value>.*))?$", line, re.IGNORECASE)
        if found:
            return "caption", (found.group("value") or "").strip()
    return None


def match_furniture(line: str, furniture: dict[str, list[str]], dashes: list[str]) -> tuple[str, str] | None:
    """The furniture field and value of a line such as '- News Type', 'Last updated on 3 May' or
    'Photo: …' (a caption, of any length)."""
    caption = match_caption(line, furniture.get("caption", []))
    if caption:
        return caption
    if len(line) > FURNITURE_MAX:
        return None
    body = line
    for dash in dashes:
        if body.startswith(dash + " "):
            body = body[len(dash) + 1 :].lstrip()
            break
    folded = fold(body)
    for field, labels in furniture.items():
        if field == "caption":
            continue
        for label in labels:
            key = fold(label)
            if folded == key or folded.startswith(key + " "):
                return field, body[len(label) :].strip()
    return None


def is_heading(line: str) -> bool:
    """Whether a line reads as a section heading: short, capitalised, no closing punctuation."""
    words = line.split()
    return 0 < len(words) <= HEADING_MAX_WORDS and line[0].isupper() and line[-1] not in TERMINAL_PUNCTUATION


def segment(text: str, furniture: dict[str, list[str]], dashes: list[str]) -> list[Block]:
    """Split a text into blocks: furniture, headings (followed by a paragraph) and paragraphs."""
    candidates: list[tuple[str, Span, tuple[str, str] | None]] = []
    for span in lines(text):
        found = match_furniture(span.text, furniture, dashes)
        if found or span.text in dashes:
            candidates.append(("furniture", span, found))
        else:
            candidates.append(("paragraph", span, None))
    next_paragraph: list[Span | None] = [None] * len(candidates)
    upcoming: Span | None = None
    for index in range(len(candidates) - 1, -1, -1):
        next_paragraph[index] = upcoming
        if candidates[index][0] == "paragraph":
            upcoming = candidates[index][1]
    blocks: list[Block] = []
    section: str | None = None
    group: str | None = None
    for index, (kind, span, found) in enumerate(candidates):
        if kind == "furniture":
            field, value = found if found else (None, None)
            blocks.append(Block("furniture", span, field=field, value=value))
            group = None
            continue
        if BULLET.match(span.text):
            group = group or f"list-{len(blocks)}"
            blocks.append(Block("paragraph", span, section=section, group=group))
            continue
        group = None
        following = next_paragraph[index]
        if is_heading(span.text) and following is not None and not is_heading(following.text):
            section = span.text
            blocks.append(Block("heading", span, section=section))
        else:
            blocks.append(Block("paragraph", span, section=section))
    return blocks


def word_before(text: str, end: int) -> str:
    """The last word of text[:end] (white space after it skipped), read backwards from end so that
    finding it costs its length, not the text's."""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end]


def abbreviated(word: str) -> bool:
    """Whether the word before a full stop is an abbreviation or an initial ('t.e.m.', 'e.g.',
    'J.', 'Dr.'), after which a sentence does not end."""
    return "." in word or len(word) == 1 or word.lower() in TITLES


def sentences(text: str, span: Span) -> list[Span]:
    """Sentences of a paragraph, with offsets into the whole text."""
    found = []
    start = span.start
    for match in SENTENCE_END.finditer(span.text):
        if match.group(0).startswith(".") and abbreviated(word_before(span.text, match.start())):
            continue
        end = span.start + match.end()
        found.append(strip_span(text, start, end))
        start = end
    found.append(strip_span(text, start, span.end))
    return [s for s in found if s.text]


def split_list(span: Span, joiners: list[str]) -> list[Span]:
    """Items of a written list ('a, b and c'), with offsets; the joiners are table words."""
    words = "|".join(re.escape(j) for j in joiners if j != ",")
    separator = re.compile(rf"\s*,\s*(?:(?:{words})\s+)?|\s+(?:{words})\s+")
    items = []
    start = 0
    for match in separator.finditer(span.text):
        items.append(strip_span_local(span, start, match.start()))
        start = match.end()
    items.append(strip_span_local(span, start, len(span.text)))
    return [item for item in items if item.text]


def strip_span_local(span: Span, start: int, end: int) -> Span:
    """A stripped sub-span of a span, from offsets relative to it."""
    inner = strip_span(span.text, start, end)
    return Span(span.start + inner.start, span.start + inner.end, inner.text)


MEMO: dict[tuple[int, str], tuple[object, object]] = {}


def memo(table: object, name: str, build: Callable[[], T]) -> T:
    """A value built once per language table and name (such as a compiled pattern); the table is
    kept with the value so that its id cannot be reused by another table."""
    key = (id(table), name)
    hit = MEMO.get(key)
    if hit is None or hit[0] is not table:
        hit = (table, build())
        MEMO[key] = hit
    return hit[1]  # type: ignore[return-value]
