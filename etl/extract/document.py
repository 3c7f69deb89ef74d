"""An archived page as a document: the normalised body text every offset points into, its blocks
(paragraphs, headings, furniture) and the page's own metadata (title, dates, labels, language)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from etl.extract.html import read_html
from etl.extract.text import Block, Span, match_furniture, segment
from etl.raw import Removed

DateParser = Callable[[str], str | None]

DATE_LINE = re.compile(r"^(?:date|datum)\s*:\s*(?P<date>\S.{3,40}?)\s*$", re.IGNORECASE)
TIMESTAMP_LINE = re.compile(
    r"^(?P<d>\d{1,2})[/.](?P<m>\d{1,2})[/.](?P<y>\d{4})(?:,?\s+\d{1,2}[:h.]\d{2}(?:[:.]\d{2})?)?$"
)
# A dateline opens the first paragraph: 'Brussel, 26.08.04 – …', 'Bruxelles, le 3 mars 2020 — …'.
DATELINE = re.compile(
    r"^(?P<place>[A-ZÀ-Ý][\w'’\- ]{1,30}),\s*(?:(?:le|den|on)\s+)?"
    r"(?:(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{2,4})|(?P<words>[\w ]{6,30}?\d{4}))\s*[–—-]\s*"
)
# How a page's publication or update date was found.
BASES = (
    "time_element",
    "meta_tag",
    "date_line",
    "portal_timestamp",
    "dateline",
    "label",
    "provenance_record",
)


@dataclass
class Document:
    """The text of a page that facts point into, with what the page says about itself."""

    body: str
    blocks: list[Block]
    format: str
    title: str | None = None
    published: str | None = None
    updated: str | None = None
    news_type: str | None = None
    subjects: str | None = None
    language: str | None = None
    notes: list[tuple[str, str, Span | None]] = field(default_factory=list)
    published_basis: str | None = None
    updated_basis: str | None = None


def numeric_date(day: str, month: str, year: str) -> str | None:
    """An ISO date from numeric parts (a two-digit year is 19xx or 20xx), or None if impossible."""
    full = int(year) if len(year) == 4 else (2000 + int(year) if int(year) < 50 else 1900 + int(year))
    try:
        return dt.date(full, int(month), int(day)).isoformat()
    except ValueError:
        return None


def looks_like_title(block: Block, previous: list[Block]) -> bool:
    """Whether a line before the first paragraph is the page title: a heading-like line, or a
    short unpunctuated line right after a date line."""
    line = block.span.text
    after_date = bool(previous) and previous[-1].field == "published"
    return block.kind == "heading" or (after_date and len(line.split()) <= 25 and line[-1:] not in ".!?")


def read_style_lines(blocks: list[Block], document: Document, parse: DateParser) -> list[Block]:
    """Recognise the old site's `date:` line, the news portal's timestamp and repeated title, and
    the title line that opens a text, turning them into furniture and document metadata."""
    result: list[Block] = []
    seen_paragraph = False
    for block in blocks:
        line = block.span.text
        if not seen_paragraph and block.kind != "furniture":
            date_line, timestamp = DATE_LINE.match(line), TIMESTAMP_LINE.match(line)
            value = (
                parse(date_line["date"])
                if date_line
                else numeric_date(*timestamp.group("d", "m", "y"))
                if timestamp
                else None
            )
            if value is not None:
                document.published = value
                document.published_basis = "date_line" if date_line else "portal_timestamp"
                result.append(Block("furniture", block.span, field="published", value=value))
                continue
            if document.title is None and looks_like_title(block, result):
                document.title = line
                result.append(Block("title", block.span))
                continue
            if line == document.title:
                result.append(Block("furniture", block.span, field="title_repeat", value=line))
                continue
        seen_paragraph = seen_paragraph or block.kind == "paragraph"
        result.append(block)
    return result


def read_dateline(document: Document, parse: DateParser) -> None:
    """Take the publication date from a dateline ('Brussel, 26.08.04 – …', 'Bruxelles, le 3 mars
    2020 — …') when none is known."""
    first = next((b for b in document.blocks if b.kind == "paragraph"), None)
    if first is None:
        return
    found = DATELINE.match(first.span.text)
    day = None
    if found:
        day = parse(found["words"]) if found["words"] else numeric_date(found["d"], found["m"], found["y"])
    if found and day and document.published is None:
        document.published, document.published_basis = day, "dateline"
        document.notes.append(
            (
                "published",
                "publication date taken from the dateline",
                Span(first.span.start, first.span.start + found.end(), first.span.text[: found.end()]),
            )
        )


def text_document(
    text: str, furniture: dict[str, list[str]], dashes: list[str], parse: DateParser
) -> Document:
    """A plain-text capture as a document: the text itself is the body, unchanged."""
    document = Document(body=text, blocks=[], format="text/plain")
    blocks = read_style_lines(segment(text, furniture, dashes), document, parse)
    section: str | None = None
    for block in blocks:
        if block.kind == "heading":
            section = block.span.text
        document.blocks.append(
            replace(block, section=section if block.kind in ("paragraph", "heading") else None)
        )
    read_dateline(document, parse)
    for block in document.blocks:
        if block.kind == "furniture" and block.field in ("updated", "news_type", "subjects") and block.value:
            setattr(document, block.field, block.value)
    return document


def word_at(body: str, offset: int) -> Span:
    """The word of the body around an offset (where an invisible character was taken out)."""
    start = offset
    while start > 0 and not body[start - 1].isspace():
        start -= 1
    end = offset
    while end < len(body) and not body[end].isspace():
        end += 1
    return Span(start, end, body[start:end])


def html_document(
    html: str, furniture: dict[str, list[str]], dashes: list[str], parse: DateParser
) -> Document:
    """An HTML page as a document: the article's blocks joined by newlines form the body."""
    page = read_html(html, furniture)
    parts: list[str] = []
    blocks: list[Block] = []
    removed: list[tuple[int, Removed]] = []
    position = 0
    for item in page.blocks:
        words = item.text  # normalised by read_html: NFC, no invisible character
        span = Span(position, position + len(words), words)
        removed += [(position + r.offset, r) for r in item.removed]
        found = match_furniture(words, furniture, dashes) if item.kind == "paragraph" else None
        blocks.append(
            Block(
                "furniture" if found else item.kind,
                span,
                section=item.section if item.kind != "title" else None,
                field=found[0] if found else None,
                value=found[1] if found else None,
                language=item.language,
                group=item.group,
                times=tuple((position + a, position + b, day) for a, b, day in item.times),
            )
        )
        parts.append(words)
        position += len(words) + 1
    document = Document(
        body="\n".join(parts),
        blocks=blocks,
        format="text/html",
        title=page.title,
        published=page.published,
        updated=page.updated,
        news_type=page.news_type,
        subjects=page.subjects,
        language=page.language,
    )
    document.published_basis = page.published_basis
    document.updated_basis = page.updated_basis
    document.notes.extend((name, message, None) for name, message in page.notes)
    document.notes.extend(
        ("body", replace(r, offset=at).message(), word_at(document.body, at)) for at, r in removed
    )
    read_dateline(document, parse)
    return document


def read_document(
    text: str, media_type: str, furniture: dict[str, list[str]], dashes: list[str], parse: DateParser
) -> Document:
    """The document of an archived text, by its media type; `parse` reads a date written in words
    in any of the project's languages (for `date:` lines and datelines)."""
    if media_type == "text/html" or text.lstrip()[:15].lower().startswith(("<!doctype html", "<html")):
        return html_document(text, furniture, dashes, parse)
    return text_document(text, furniture, dashes, parse)
