"""One archived article to its published rows: the article, paragraphs, quotes, persons, roles,
events and post counts, each fact with its character span, plus warnings for what is unknown."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from etl.extract.changes import find_changes
from etl.extract.dates import parse_date
from etl.extract.document import Document, read_document
from etl.extract.facts import (
    Row,
    capped,
    change_rows,
    post_rows,
    quote_rows,
    role_rows,
    warning,
)
from etl.extract.language import paragraph_language
from etl.extract.meetings import find_meetings, meeting_rows
from etl.extract.network import Passage, find_network
from etl.extract.text import Block, Span, count_words, sentences
from etl.extract.voices import find_voices
from etl.raw import Source
from etl.reference import Reference

URL_LANGUAGE = re.compile(r"^https?://[^/]+/(?P<lang>[a-z]{2})/")
URL_YEAR = re.compile(r"/((?:19|20)\d{2})/")  # the old site's addresses hold the year of the article
FURNITURE_NAMES = {
    "updated": "last update date",
    "published": "publication date",
    "news_type": "news type",
    "subjects": "subjects",
}


def detect_language(source: Source, document: Document, reference: Reference) -> str:
    """Language of a source: its record, the page's lang attribute, its address, or the language
    identifier on its body."""
    url = URL_LANGUAGE.match(str(source.record.get("url") or ""))
    for candidate in (source.record.get("language"), document.language, url and url.group("lang")):
        if candidate in reference.languages:
            return str(candidate)
    body = " ".join(b.span.text for b in document.blocks if b.kind in ("paragraph", "title"))
    return paragraph_language(body, None, "en", tuple(sorted(reference.languages)))


def block_language(block: Block, default: str, reference: Reference) -> str:
    """Language of one paragraph: its lang attribute, or the language identifier when it is sure."""
    return paragraph_language(block.span.text, block.language, default, tuple(sorted(reference.languages)))


def all_furniture(reference: Reference) -> tuple[dict[str, list[str]], list[str]]:
    """Furniture labels of every language (a page may carry another language's labels)."""
    labels: dict[str, list[str]] = {}
    dashes: list[str] = []
    for table in reference.languages.values():
        for name, words in table["furniture"].items():
            labels.setdefault(name, []).extend(words)
        dashes.extend(d for d in table["furniture_dashes"] if d not in dashes)
    return labels, dashes


def any_date(words: str, reference: Reference) -> str | None:
    """A date written in ISO or in the words of any of the project's languages, as ISO."""
    for table in reference.languages.values():
        found = parse_date(words, table)
        if found is not None:
            return found.isoformat()
    return None


def read_furniture(source: Source, document: Document, table: dict[str, Any], warnings: list[Row]) -> None:
    """Fill the document's dates and labels from furniture lines; warn about lost values."""
    for block in document.blocks:
        if block.kind != "furniture" or block.field not in FURNITURE_NAMES:
            continue
        name = FURNITURE_NAMES[block.field]
        if not block.value:
            warnings.append(
                warning(
                    source.id,
                    block.field,
                    f"'{block.span.text}' label has no value (lost in the capture); {name} left empty",
                    block.span,
                )
            )
        elif block.field in ("published", "updated"):
            parsed = parse_date(block.value, table)
            if parsed is None:
                warnings.append(
                    warning(
                        source.id,
                        block.field,
                        f"'{block.value}' is not a date; {name} left empty",
                        block.span,
                    )
                )
            setattr(document, block.field, parsed.isoformat() if parsed else None)
            basis = f"{block.field}_basis"
            if parsed is not None and getattr(document, basis) is None:
                setattr(document, basis, "label")
        else:
            setattr(document, block.field, block.value)


def capture_time(value: Any) -> str | None:
    """A record's capture time as UTC ISO 8601 with seconds ('2026-12-01T07:20:31Z'), or None when
    it is missing or only a date (a time is never made up)."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    elif isinstance(value, str) and "T" in value:
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    else:
        return None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def article_row(source: Source, document: Document, language: str, warnings: list[Row]) -> Row:
    """The articles row of a source."""
    record = source.record
    published = document.published or record.get("published")
    published_basis = (
        document.published_basis if document.published else "provenance_record" if published else None
    )
    updated = document.updated or record.get("updated")
    updated_basis = document.updated_basis if document.updated else "provenance_record" if updated else None
    if not published:
        warnings.append(
            warning(
                source.id,
                "published",
                "publication date unknown: neither the text nor its provenance record gives it; left empty",
            )
        )
    title, origin = (
        (document.title, "text")
        if document.title
        else (record.get("title"), record.get("title_origin", "provenance record"))
    )
    if not title:
        warnings.append(warning(source.id, "title", "no title in the text or its provenance record"))
    retrieved = capture_time(record.get("retrieved"))
    if not record.get("retrieved"):
        warnings.append(warning(source.id, "retrieved", "capture date not recorded; left empty"))
    elif retrieved is None:
        warnings.append(
            warning(
                source.id,
                "retrieved",
                f"capture time '{record['retrieved']}' is not an ISO 8601 time with seconds (such as "
                "2026-12-01T07:20:31Z); left empty",
            )
        )
    for name, message, span in document.notes:
        warnings.append(warning(source.id, name, message, span))
    return {
        "id": source.id,
        "url": record.get("url"),
        "title": title,
        "title_origin": origin if title else None,
        "language": language,
        "publisher": record.get("publisher"),
        "published": published,
        "published_basis": published_basis,
        "updated": updated,
        "updated_basis": updated_basis,
        "news_type": document.news_type,
        "subjects": document.subjects,
        "format": document.format,
        "body": document.body,
        "word_count": count_words(b.span.text for b in document.blocks if b.kind != "furniture"),
        "file": source.file,
        "sha256": source.sha256,
        "retrieved": retrieved,
        "archived": record.get("archived"),
    }


def source_row(article: Row) -> Row:
    """The sources row citing an archived article."""
    keys = ("id", "title", "url", "publisher", "language", "published", "sha256")
    note = f"title: {article['title_origin']}" if article["title_origin"] not in (None, "text") else None
    return {"kind": "archived_text", **{k: article[k] for k in keys}, "confidence": None, "note": note}


def extract_source(source: Source, reference: Reference) -> dict[str, Any]:
    """Every fact of one archived source, as rows keyed by the columns they are published in."""
    warnings: list[Row] = []
    labels, dashes = all_furniture(reference)
    document = read_document(
        source.text,
        str(source.record.get("format") or ""),
        labels,
        dashes,
        lambda words: any_date(words, reference),
    )
    language = detect_language(source, document, reference)
    read_furniture(source, document, reference.languages[language], warnings)
    article = article_row(source, document, language, warnings)
    body = document.body
    paragraphs = [b for b in document.blocks if b.kind == "paragraph"]
    tables = [reference.languages[block_language(b, language, reference)] for b in paragraphs]
    grouped = [sentences(body, b.span) for b in paragraphs]
    published = dt.date.fromisoformat(article["published"]) if article["published"] else None
    url_year = URL_YEAR.search(str(source.record.get("url") or ""))
    year: int | dt.date | None = published or (int(url_year.group(1)) if url_year else None)

    voices = find_voices(
        body, [(b.span, g, t) for b, g, t in zip(paragraphs, grouped, tables, strict=True)], reference
    )
    mentions = voices.mentions
    for field, message, span in voices.warnings:
        warnings.append(warning(source.id, field, message, span))

    times = {start: dt.date.fromisoformat(day) for b in paragraphs for start, _, day in b.times}
    meetings = find_meetings(body, list(zip(grouped, tables, strict=True)), reference, year, times)
    facts = meeting_rows(source.id, body, meetings, [m for m, _ in mentions], warnings)
    events = meetings.events
    warnings += [warning(source.id, "events.start_date", m, s) for m, s in meetings.weekday_warnings]

    only_event = events[0] if len(events) == 1 else None
    event_day = only_event.dates.first if only_event else None
    passages = network_passages(
        body, document.blocks, paragraphs, grouped, tables, reference.languages[language]
    )
    network = find_network(body, passages, reference.post_types, published, event_day, article["title"])
    changes, notes = find_changes(
        body, list(zip(grouped, tables, strict=True)), reference.post_types, reference.cities, published
    )
    warnings += [warning(source.id, field, message, span) for field, message, span in notes]

    return {
        "source": source_row(article),
        "article": article,
        "paragraphs": [
            {
                "article": source.id,
                "position": n,
                "section": b.section,
                "language": t["language"],
                "text": b.span.text,
                "char_start": b.span.start,
                "char_end": b.span.end,
            }
            for n, (b, t) in enumerate(zip(paragraphs, tables, strict=True), start=1)
        ],
        "quotes": quote_rows(source.id, voices.quotes),
        "persons": [
            {"id": p.id, "name": p.name, "wikidata": wikidata(p.id, reference)}
            for p in sorted(voices.persons.values(), key=lambda p: p.id)
        ],
        "person_roles": role_rows(source.id, mentions, article["published"]),
        **facts,
        **post_rows(source.id, network, warnings),
        "network_changes": change_rows(source.id, changes, article["published"], warnings),
        "warnings": capped(source.id, warnings),
    }


def network_passages(
    body: str,
    blocks: list[Block],
    paragraphs: list[Block],
    grouped: list[list[Span]],
    tables: list[dict[str, Any]],
    default: dict[str, Any],
) -> list[Passage]:
    """The paragraphs as the network is read in them (a list item or table row with the block
    that introduces its list or table and the caption or heading of its group), and the headings
    inside the article, whose totals count."""
    passages = []
    groups: dict[str, list[int]] = {}
    heading: dict[int, Block] = {}
    current: Block | None = None
    for index, candidate in enumerate(blocks):
        if candidate.group is not None:
            groups.setdefault(candidate.group, []).append(index)
        if candidate.kind == "heading" and candidate.group is None:
            current = candidate
        elif current is not None:
            heading[candidate.span.start] = current
    for block, group, table in zip(paragraphs, grouped, tables, strict=True):
        context: list[Span] = []
        if block.group is not None:
            members = groups[block.group]
            first = members[0]
            heads = [blocks[i].span for i in members if blocks[i].kind == "heading"]
            intro = next((b for b in reversed(blocks[:first]) if b.kind in ("paragraph", "heading")), None)
            context = [*([intro.span] if intro is not None and intro.group is None else []), *heads]
        section = heading.get(block.span.start)
        if section is not None and section.span not in context:
            context.append(section.span)
        passages.append(Passage(block, group, table, context))
    # A heading inside the article ('117 posts on 1 January') may state the network's total.
    for block in blocks:
        if block.kind == "heading" and block.group is None:
            following = next((p for p in passages if p.block.span.start > block.span.start), None)
            table = following.table if following is not None else default
            scope = [following.block.span] if following is not None else []
            passages.append(Passage(block, sentences(body, block.span), table, [], scope))
    return sorted(passages, key=lambda p: p.block.span.start)


def wikidata(person_id: str, reference: Reference) -> str | None:
    """The verified Wikidata id of a curated person, or None."""
    return next((p.get("wikidata") for p in reference.persons if p["id"] == person_id), None)
