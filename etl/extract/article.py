"""One archived article to its published rows: the article, paragraphs, quotes, persons, roles,
events and post counts, each fact with its character span, plus warnings for what is unknown."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from etl.extract.dates import parse_date
from etl.extract.events import Event, find_event, find_themes
from etl.extract.people import Mention, find_appositions, split_roles
from etl.extract.posts import find_post_counts
from etl.extract.quotes import Quote, find_quotes
from etl.extract.text import Block, Span, count_words, fold, segment, sentences
from etl.reference import Reference
from etl.sources import Source

Row = dict[str, Any]
URL_LANGUAGE = re.compile(r"^https?://[^/]+/(?P<lang>[a-z]{2})/")
FURNITURE_NAMES = {
    "updated": "last update date",
    "published": "publication date",
    "news_type": "news type",
    "subjects": "subjects",
}


def warning(source: Source, field: str, message: str, span: Span | None = None) -> Row:
    """A warning row: what is unknown or doubtful, and where."""
    return {
        "source": source.id,
        "field": field,
        "message": message,
        "char_start": span.start if span else None,
        "char_end": span.end if span else None,
    }


def detect_language(source: Source, reference: Reference) -> str:
    """Language of a source: its provenance record, its address, or its commonest stopwords."""
    if source.record.get("language") in reference.languages:
        return str(source.record["language"])
    found = URL_LANGUAGE.match(str(source.record.get("url") or ""))
    if found and found.group("lang") in reference.languages:
        return found.group("lang")
    words = re.findall(r"\w+", source.text.lower())
    scores = {
        code: sum(words.count(w) for w in table["stopwords"]) for code, table in reference.languages.items()
    }
    return max(sorted(scores), key=lambda code: scores[code])


def all_furniture(reference: Reference) -> tuple[dict[str, list[str]], list[str]]:
    """Furniture labels of every language (a page may carry another language's labels)."""
    labels: dict[str, list[str]] = {}
    dashes: list[str] = []
    for table in reference.languages.values():
        for name, words in table["furniture"].items():
            labels.setdefault(name, []).extend(words)
        dashes.extend(d for d in table["furniture_dashes"] if d not in dashes)
    return labels, dashes


def read_furniture(
    source: Source, blocks: list[Block], table: dict[str, Any], warnings: list[Row]
) -> dict[str, Any]:
    """Values of the page furniture (dates, news type, subjects); lost values are warned about."""
    values: dict[str, Any] = {}
    for block in blocks:
        if block.kind != "furniture" or block.field is None:
            continue
        name = FURNITURE_NAMES[block.field]
        if not block.value:
            warnings.append(
                warning(
                    source,
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
                        source, block.field, f"'{block.value}' is not a date; {name} left empty", block.span
                    )
                )
            values[block.field] = parsed.isoformat() if parsed else None
        else:
            values[block.field] = block.value
    return values


def article_row(
    source: Source, language: str, furniture: dict[str, Any], blocks: list[Block], warnings: list[Row]
) -> Row:
    """The articles row of a source."""
    record = source.record
    published = furniture.get("published") or record.get("published")
    if not published:
        warnings.append(
            warning(
                source,
                "published",
                "publication date unknown: neither the text nor its provenance record gives it; left empty",
            )
        )
    title = record.get("title")
    if not title:
        warnings.append(warning(source, "title", "no title in the text or its provenance record"))
    if not record.get("retrieved"):
        warnings.append(
            warning(source, "retrieved", "capture date not recorded in the provenance record; left empty")
        )
    return {
        "id": source.id,
        "url": record.get("url"),
        "title": title,
        "title_origin": record.get("title_origin", "provenance record") if title else None,
        "language": language,
        "publisher": record.get("publisher"),
        "published": published,
        "updated": furniture.get("updated") or record.get("updated"),
        "news_type": furniture.get("news_type"),
        "subjects": furniture.get("subjects"),
        "body": source.text,
        "word_count": count_words(b.span.text for b in blocks if b.kind != "furniture"),
        "file": source.file,
        "sha256": source.sha256,
        "retrieved": record.get("retrieved"),
        "archived": record.get("archived"),
    }


def source_row(article: Row) -> Row:
    """The sources row citing an archived article."""
    keys = ("id", "title", "url", "publisher", "language", "published", "sha256")
    return {"kind": "archived_text", **{k: article[k] for k in keys}}


def role_rows(
    source: Source, mentions: list[Mention], table: dict[str, Any], stated: str | None
) -> list[Row]:
    """One person_roles row per (person, role), at the role's first statement in the article."""
    rows: dict[tuple[str, str], Row] = {}
    for mention in sorted(mentions, key=lambda m: m.role.start):
        for role in split_roles(mention.role, table):
            rows.setdefault(
                (mention.person.id, fold(role.text)),
                {
                    "person": mention.person.id,
                    "article": source.id,
                    "role": role.text,
                    "stated": stated,
                    "char_start": role.start,
                    "char_end": role.end,
                },
            )
    return list(rows.values())


def quote_rows(source: Source, quotes: list[Quote], warnings: list[Row]) -> list[Row]:
    """The quotes rows of an article, numbered in reading order."""
    rows = []
    for number, quote in enumerate(sorted(quotes, key=lambda q: q.text.start), start=1):
        if quote.speaker is None:
            warnings.append(
                warning(
                    source,
                    "quotes.person",
                    "quote without a written attribution; person left empty",
                    quote.text,
                )
            )
        rows.append(
            {
                "id": f"{source.id}-q{number}",
                "article": source.id,
                "person": quote.speaker.person.id if quote.speaker else None,
                "text": quote.text.text,
                "role": quote.speaker.role.text if quote.speaker else None,
                "char_start": quote.text.start,
                "char_end": quote.text.end,
            }
        )
    return rows


def event_rows(source: Source, event: Event, warnings: list[Row]) -> dict[str, list[Row]]:
    """The events row of an event and the rows of its groups and themes."""
    if event.city is None:
        warnings.append(warning(source, "events.city", "no known city named; left empty", event.sentence))
    if event.venue is None:
        warnings.append(warning(source, "events.venue", "no venue named; left empty", event.sentence))
    if event.participants is None:
        warnings.append(
            warning(
                source, "events.participants", "no number of participants stated; left empty", event.sentence
            )
        )
    for message in event.dates.warnings:
        warnings.append(warning(source, "events.start_date", message, event.dates.span))
    first, last = event.dates.first, event.dates.last
    row = {
        "id": event.id,
        "name": event.name.text,
        "series": event.series["code"],
        "edition": first.year if first else None,
        "start_date": first.isoformat() if first else None,
        "end_date": last.isoformat() if last else None,
        "city": event.city["name"] if event.city else None,
        "venue": event.venue["name"] if event.venue else None,
        "country": (event.city or {}).get("country"),
        "participants": event.participants,
        "participants_qualifier": event.qualifier,
        "source": source.id,
        "evidence": event.evidence.text,
        "char_start": event.evidence.start,
        "char_end": event.evidence.end,
    }
    groups = [
        {
            "event": event.id,
            "group": group,
            "source": source.id,
            "evidence": span.text,
            "char_start": span.start,
            "char_end": span.end,
        }
        for group, span in event.groups
    ]
    themes = [
        {
            "event": event.id,
            "theme": span.text,
            "source": source.id,
            "char_start": span.start,
            "char_end": span.end,
        }
        for span in event.themes
    ]
    return {"events": [row], "event_participant_groups": groups, "event_themes": themes}


def post_rows(
    source: Source,
    sentences_: list[Span],
    table: dict[str, Any],
    reference: Reference,
    as_of: tuple[str, str] | None,
    warnings: list[Row],
) -> dict[str, list[Row]]:
    """The post_counts and post_totals rows of an article."""
    counts: list[Row] = []
    totals: list[Row] = []
    for sentence in sentences_:
        found, stated = find_post_counts(sentence, table, reference.post_types)
        if not found and not stated:
            continue
        if as_of is None:
            warnings.append(
                warning(
                    source,
                    "post_counts.as_of",
                    "post counts whose date is unknown (no publication or event date); not published",
                    sentence,
                )
            )
            continue
        date, basis = as_of
        if basis == "event":
            warnings.append(
                warning(
                    source,
                    "post_counts.as_of",
                    f"publication date unknown; as_of is the month of the event the article reports ({date})",
                    sentence,
                )
            )
        for count in found:
            counts.append(
                {
                    "source": source.id,
                    "as_of": date,
                    "as_of_basis": basis,
                    "typology": count.typology,
                    "post_type": count.post_type,
                    "count": count.count,
                    "evidence": count.span.text,
                    "char_start": count.span.start,
                    "char_end": count.span.end,
                }
            )
        parts = sum(c.count for c in found)
        typology = found[0].typology if found else "fps"
        base = {"source": source.id, "as_of": date, "typology": typology}
        if found:
            totals.append(
                {
                    **base,
                    "total_kind": "derived",
                    "total": parts,
                    "parts_sum": parts,
                    "consistent": True,
                    "evidence": None,
                    "char_start": None,
                    "char_end": None,
                }
            )
        if stated:
            consistent = not found or stated.total == parts
            if not consistent:
                warnings.append(
                    warning(
                        source,
                        "post_totals.total",
                        f"stated total {stated.total} differs from the sum of its parts "
                        f"({parts}); published as stated and flagged",
                        stated.span,
                    )
                )
            totals.append(
                {
                    **base,
                    "total_kind": "stated",
                    "total": stated.total,
                    "parts_sum": parts if found else None,
                    "consistent": consistent,
                    "evidence": stated.span.text,
                    "char_start": stated.span.start,
                    "char_end": stated.span.end,
                }
            )
    return {"post_counts": counts, "post_totals": totals}


def extract_source(source: Source, reference: Reference) -> dict[str, Any]:
    """Every fact of one archived source, as rows keyed by the columns they are published in."""
    warnings: list[Row] = []
    language = detect_language(source, reference)
    table = reference.languages[language]
    labels, dashes = all_furniture(reference)
    blocks = segment(source.text, labels, dashes)
    article = article_row(source, language, read_furniture(source, blocks, table, warnings), blocks, warnings)
    paragraphs = [b for b in blocks if b.kind == "paragraph"]
    paragraph_sentences = [sentences(source.text, b.span) for b in paragraphs]
    flat = [s for group in paragraph_sentences for s in group]
    published = dt.date.fromisoformat(article["published"]) if article["published"] else None
    context_year = published.year if published else None

    quotes = [q for b in paragraphs for q in find_quotes(b.span, table, reference.persons)]
    appositions = [m for s in flat for m in find_appositions(s, table, reference.persons)]
    mentions = [q.speaker for q in quotes if q.speaker] + appositions
    persons = {m.person.id: m.person for m in mentions}
    for person in persons.values():
        if not person.known:
            warnings.append(
                warning(
                    source,
                    "persons.id",
                    f"'{person.name}' is not in reference/persons.yml; "
                    f"id '{person.id}' derived from the name",
                )
            )

    events: dict[str, Event] = {}
    for group in paragraph_sentences:
        event = find_event(source.text, group, table, reference, context_year)
        if event and event.id not in events:
            events[event.id] = event
    facts: dict[str, list[Row]] = {
        "events": [],
        "event_participant_groups": [],
        "event_themes": [],
        "event_speakers": [],
    }
    if len(events) == 1:
        only = next(iter(events.values()))
        only.themes = [t for s in flat for t in find_themes(s, table)]
        cues = [fold(c) for c in table["speaking_cues"]]
        for sentence in flat:
            if any(re.search(rf"\b{re.escape(c)}\b", fold(sentence.text)) for c in cues):
                for m in find_appositions(sentence, table, reference.persons):
                    evidence = source.text[m.role.start : m.name.end]
                    facts["event_speakers"].append(
                        {
                            "event": only.id,
                            "person": m.person.id,
                            "role": m.role.text,
                            "source": source.id,
                            "evidence": evidence,
                            "char_start": m.role.start,
                            "char_end": m.name.end,
                        }
                    )
    for event in events.values():
        for key, rows in event_rows(source, event, warnings).items():
            facts[key].extend(rows)

    if published:
        as_of: tuple[str, str] | None = (published.isoformat(), "published")
    elif len(events) == 1 and next(iter(events.values())).dates.first:
        first = next(iter(events.values())).dates.first
        as_of = (first.isoformat()[:7], "event") if first else None
    else:
        as_of = None

    return {
        "source": source_row(article),
        "article": article,
        "paragraphs": [
            {
                "article": source.id,
                "position": n,
                "section": b.section,
                "text": b.span.text,
                "char_start": b.span.start,
                "char_end": b.span.end,
            }
            for n, b in enumerate(paragraphs, start=1)
        ],
        "quotes": quote_rows(source, quotes, warnings),
        "persons": [
            {"id": p.id, "name": p.name, "wikidata": wikidata(p.id, reference)}
            for p in sorted(persons.values(), key=lambda p: p.id)
        ],
        "person_roles": role_rows(source, mentions, table, article["published"]),
        **facts,
        **post_rows(source, flat, table, reference, as_of, warnings),
        "warnings": warnings,
    }


def wikidata(person_id: str, reference: Reference) -> str | None:
    """The verified Wikidata id of a curated person, or None."""
    for person in reference.persons:
        if person["id"] == person_id:
            return person.get("wikidata")
    return None
