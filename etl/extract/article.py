"""One archived article to its published rows: the article, paragraphs, quotes, persons, roles,
events and post counts, each fact with its character span, plus warnings for what is unknown."""

from __future__ import annotations

import bisect
import datetime as dt
import re
from typing import Any

from etl.extract.dates import parse_date
from etl.extract.document import Document, read_document
from etl.extract.events import Event, find_event, find_themes, locate_venue
from etl.extract.facts import (
    Row,
    event_rows,
    post_rows,
    quote_rows,
    resolve_reference,
    role_rows,
    speaker_rows,
    warning,
)
from etl.extract.people import find_mentions, known_names
from etl.extract.posts import find_post_counts
from etl.extract.quotes import Quote, find_quotes
from etl.extract.text import Block, Span, count_words, fold, sentences
from etl.raw import Source
from etl.reference import Reference

URL_LANGUAGE = re.compile(r"^https?://[^/]+/(?P<lang>[a-z]{2})/")
URL_YEAR = re.compile(r"/((?:19|20)\d{2})/")  # the old site's addresses hold the year of the article
LANGUAGE_MIN_WORDS = 8
FURNITURE_NAMES = {
    "updated": "last update date",
    "published": "publication date",
    "news_type": "news type",
    "subjects": "subjects",
}


def stopword_language(text: str, reference: Reference) -> str | None:
    """The language whose stopwords are commonest in a text, or None when none occurs."""
    words = re.findall(r"\w+", text.lower())
    scores = {code: sum(words.count(w) for w in t["stopwords"]) for code, t in reference.languages.items()}
    best = max(sorted(scores), key=lambda code: scores[code])
    return best if scores[best] else None


def detect_language(source: Source, document: Document, reference: Reference) -> str:
    """Language of a source: its record, the page's lang attribute, its address, or its stopwords."""
    url = URL_LANGUAGE.match(str(source.record.get("url") or ""))
    for candidate in (source.record.get("language"), document.language, url and url.group("lang")):
        if candidate in reference.languages:
            return str(candidate)
    return stopword_language(document.body, reference) or "en"


def block_language(block: Block, default: str, reference: Reference) -> str:
    """Language of one paragraph: its lang attribute, or its stopwords when clearly another."""
    if block.language in reference.languages:
        return str(block.language)
    if len(block.span.text.split()) >= LANGUAGE_MIN_WORDS:
        return stopword_language(block.span.text, reference) or default
    return default


def all_furniture(reference: Reference) -> tuple[dict[str, list[str]], list[str]]:
    """Furniture labels of every language (a page may carry another language's labels)."""
    labels: dict[str, list[str]] = {}
    dashes: list[str] = []
    for table in reference.languages.values():
        for name, words in table["furniture"].items():
            labels.setdefault(name, []).extend(words)
        dashes.extend(d for d in table["furniture_dashes"] if d not in dashes)
    return labels, dashes


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
        else:
            setattr(document, block.field, block.value)


def article_row(source: Source, document: Document, language: str, warnings: list[Row]) -> Row:
    """The articles row of a source."""
    record = source.record
    published = document.published or record.get("published")
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
    if not record.get("retrieved"):
        warnings.append(warning(source.id, "retrieved", "capture date not recorded; left empty"))
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
        "updated": document.updated or record.get("updated"),
        "news_type": document.news_type,
        "subjects": document.subjects,
        "format": document.format,
        "body": document.body,
        "word_count": count_words(b.span.text for b in document.blocks if b.kind != "furniture"),
        "file": source.file,
        "sha256": source.sha256,
        "retrieved": record.get("retrieved"),
        "archived": record.get("archived"),
    }


def source_row(article: Row) -> Row:
    """The sources row citing an archived article."""
    keys = ("id", "title", "url", "publisher", "language", "published", "sha256")
    note = f"title: {article['title_origin']}" if article["title_origin"] not in (None, "text") else None
    return {"kind": "archived_text", **{k: article[k] for k in keys}, "confidence": None, "note": note}


def speaking(sentence: Span, table: dict[str, Any]) -> bool:
    """Whether a sentence says that someone spoke (explained, addressed, took the floor…)."""
    text = fold(sentence.text)
    return any(re.search(rf"\b{re.escape(fold(cue))}\b", text) for cue in table["speaking_cues"])


def extract_source(source: Source, reference: Reference) -> dict[str, Any]:
    """Every fact of one archived source, as rows keyed by the columns they are published in."""
    warnings: list[Row] = []
    labels, dashes = all_furniture(reference)
    document = read_document(source.text, str(source.record.get("format") or ""), labels, dashes)
    language = detect_language(source, document, reference)
    read_furniture(source, document, reference.languages[language], warnings)
    article = article_row(source, document, language, warnings)
    body = document.body
    paragraphs = [b for b in document.blocks if b.kind == "paragraph"]
    tables = [reference.languages[block_language(b, language, reference)] for b in paragraphs]
    grouped = [sentences(body, b.span) for b in paragraphs]
    published = dt.date.fromisoformat(article["published"]) if article["published"] else None
    url_year = URL_YEAR.search(str(source.record.get("url") or ""))
    year = published.year if published else int(url_year.group(1)) if url_year else None

    quotes: list[tuple[Quote, dict[str, Any]]] = [
        (q, t)
        for b, t in zip(paragraphs, tables, strict=True)
        for q in find_quotes(b.span, t, reference.persons)
    ]
    written = [q.speaker.name.text for q, _ in quotes if q.speaker and not q.speaker.person.linked_from]
    names = known_names(reference.persons, written)
    mentions = [
        (m, t)
        for group, t in zip(grouped, tables, strict=True)
        for s in group
        for m in find_mentions(s, t, reference.persons, names)
    ]
    mentions += [(q.speaker, t) for q, t in quotes if q.speaker]
    ordered = sorted((m for m, _ in mentions), key=lambda m: m.name.start)
    resolved = []
    for quote, table in quotes:
        if quote.speaker is None and quote.reference:
            quote = Quote(quote.text, resolve_reference(quote, ordered, table), quote.reference)
        resolved.append(quote)
    persons = {m.person.id: m.person for m, _ in mentions} | {
        q.speaker.person.id: q.speaker.person for q in resolved if q.speaker
    }
    for mention, _ in mentions:
        if mention.person.linked_from:
            warnings.append(
                warning(
                    source.id,
                    "persons.name",
                    f"'{mention.person.linked_from}' read as "
                    f"{mention.person.name} (close spelling of a known person)",
                    mention.name,
                )
            )
    for person in persons.values():
        if not person.known:
            warnings.append(
                warning(
                    source.id,
                    "persons.id",
                    f"'{person.name}' is not in reference/persons.yml; "
                    f"id '{person.id}' derived from the name",
                )
            )

    events: dict[str, tuple[Event, dict[str, Any]]] = {}
    for group, table in zip(grouped, tables, strict=True):
        event = find_event(body, group, table, reference, year)
        if event and event.identifier(source.id) not in events:
            events[event.identifier(source.id)] = (event, table)
    facts: dict[str, list[Row]] = {
        "events": [],
        "event_participant_groups": [],
        "event_themes": [],
        "event_speakers": [],
    }
    if len(events) == 1:
        only = next(iter(events.values()))[0]
        only.themes = [
            t for g, tb in zip(grouped, tables, strict=True) for s in g for t in find_themes(s, tb)
        ]
        cues = [s for g, t in zip(grouped, tables, strict=True) for s in g if speaking(s, t)]
        starts = [s.start for s in cues]
        spoke = [m for m, _ in mentions if m.role and within(m.name.start, cues, starts)]
        facts["event_speakers"] = speaker_rows(source.id, body, only, spoke)
    every = [s for group in grouped for s in group]
    for event, _ in events.values():
        if event.venue is None and len(events) == 1:  # the venue may be named later in the article
            locate_venue(event, every, reference)
        for key, rows in event_rows(source.id, event, warnings).items():
            facts[key].extend(rows)

    only_event = next(iter(events.values()))[0] if len(events) == 1 else None
    as_of: tuple[str, str] | None = None
    if published:
        as_of = (published.isoformat(), "published")
    elif only_event and only_event.dates.first:
        as_of = (only_event.dates.first.isoformat()[:7], "event")
    found_posts = []
    for group, table in zip(grouped, tables, strict=True):
        for sentence in group:
            counts, total = find_post_counts(sentence, table, reference.post_types)
            if counts or total:
                found_posts.append((sentence, counts, total))

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
        "quotes": quote_rows(source.id, resolved, warnings),
        "persons": [
            {"id": p.id, "name": p.name, "wikidata": wikidata(p.id, reference)}
            for p in sorted(persons.values(), key=lambda p: p.id)
        ],
        "person_roles": role_rows(source.id, mentions, article["published"]),
        **facts,
        **post_rows(source.id, found_posts, as_of, warnings),
        "warnings": warnings,
    }


def within(offset: int, spans: list[Span], starts: list[int]) -> bool:
    """Whether an offset falls inside one of some sorted spans (starts: their start offsets)."""
    index = bisect.bisect_right(starts, offset) - 1
    return index >= 0 and spans[index].start <= offset < spans[index].end


def wikidata(person_id: str, reference: Reference) -> str | None:
    """The verified Wikidata id of a curated person, or None."""
    return next((p.get("wikidata") for p in reference.persons if p["id"] == person_id), None)
