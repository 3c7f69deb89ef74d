"""Rows of the facts found in one article: quotes, roles, events and post counts, keyed by the
columns of the resources they are published in."""

from __future__ import annotations

from typing import Any

from etl.extract.changes import Change
from etl.extract.events import Event
from etl.extract.network import Network
from etl.extract.people import Mention, split_roles
from etl.extract.places import country_name
from etl.extract.quotes import Quote
from etl.extract.text import Span, fold
from etl.raw import MAX_WARNINGS

Row = dict[str, Any]
ARCHIVED = "archived_text"
# A role written beside the name, and one stated apart ('who is also …').
ROLE_CONFIDENCE = 1.0
ALSO_CONFIDENCE = 0.9


def warning(source_id: str, field: str, message: str, span: Span | None = None) -> Row:
    """A warning row: what is unknown or doubtful, and where."""
    return {
        "source": source_id,
        "field": field,
        "message": message,
        "char_start": span.start if span else None,
        "char_end": span.end if span else None,
    }


def capped(source_id: str, warnings: list[Row], most: int = MAX_WARNINGS) -> list[Row]:
    """The first warnings of a source, up to the budget, and one that counts the rest."""
    if len(warnings) <= most:
        return warnings
    rest = len(warnings) - most
    return [*warnings[:most], warning(source_id, "warnings", f"and {rest:,} more warnings")]


def role_rows(article: str, mentions: list[tuple[Mention, dict[str, Any]]], stated: str | None) -> list[Row]:
    """One person_roles row per (person, role), at the role's first statement in the article."""
    rows: dict[tuple[str, str], Row] = {}
    stated_roles = [(mention, role, table) for mention, table in mentions for role in mention.roles]
    for mention, written, table in sorted(stated_roles, key=lambda m: m[1].start):
        for role in split_roles(written, table):
            rows.setdefault(
                (mention.person.id, fold(role.text)),
                {
                    "person": mention.person.id,
                    "article": article,
                    "source": article,
                    "role": role.text,
                    "stated": stated,
                    "confidence": ROLE_CONFIDENCE if written is mention.role else ALSO_CONFIDENCE,
                    "provenance": ARCHIVED,
                    "review": None,
                    "char_start": role.start,
                    "char_end": role.end,
                },
            )
    return list(rows.values())


def quote_rows(article: str, quotes: list[Quote]) -> list[Row]:
    """The quotes rows of an article, numbered in reading order."""
    rows = []
    for number, quote in enumerate(sorted(quotes, key=lambda q: q.text.start), start=1):
        speaker = quote.speaker
        rows.append(
            {
                "id": f"{article}-q{number}",
                "article": article,
                "person": speaker.person.id if speaker else None,
                "text": quote.text.text,
                "role": speaker.role.text if speaker and speaker.role else None,
                "attribution": quote.how if speaker else None,
                "confidence": quote.confidence,
                "char_start": quote.text.start,
                "char_end": quote.text.end,
            }
        )
    return rows


def event_rows(source: str, event: Event, warnings: list[Row]) -> dict[str, list[Row]]:
    """The events row of an event and the rows of its groups and themes."""
    for column, value, what in (
        ("city", event.city, "no known city named"),
        ("venue", event.venue, "no venue named"),
        ("participants", event.participants, "no number of participants stated"),
    ):
        if value is None:
            warnings.append(warning(source, f"events.{column}", f"{what}; left empty", event.sentence))
    if event.dates.first is None:
        warnings.append(
            warning(
                source,
                "events.start_date",
                "the article gives no dates for the event; left empty",
                event.sentence,
            )
        )
    for message in event.dates.warnings:
        warnings.append(warning(source, "events.start_date", message, event.dates.span))
    first, last = event.dates.first, event.dates.last
    row = {
        "id": event.identifier(source),
        "name": event.name.text if event.name else None,
        "series": event.series["code"] if event.series else None,
        "edition": first.year if first else None,
        "start_date": first.isoformat() if first else None,
        "end_date": last.isoformat() if last else None,
        "city": event.city["name"] if event.city else None,
        "venue": event.venue["name"] if event.venue else None,
        "country": (event.city or {}).get("country"),
        "format": None,
        "participants": event.participants,
        "participants_qualifier": event.qualifier,
        "confidence": event.confidence,
        "source": source,
        "provenance": ARCHIVED,
        "review": None,
        "evidence": event.evidence.text,
        "char_start": event.evidence.start,
        "char_end": event.evidence.end,
    }
    groups = [
        {
            "event": event.identifier(source),
            "group": group,
            "source": source,
            "provenance": ARCHIVED,
            "evidence": span.text,
            "char_start": span.start,
            "char_end": span.end,
        }
        for group, span in event.groups
    ]
    themes = [
        {
            "event": event.identifier(source),
            "theme": span.text,
            "source": source,
            "provenance": ARCHIVED,
            "char_start": span.start,
            "char_end": span.end,
        }
        for span in event.themes
    ]
    return {"events": [row], "event_participant_groups": groups, "event_themes": themes}


def speaker_rows(source: str, body: str, event: Event, mentions: list[Mention]) -> list[Row]:
    """The event_speakers rows: persons named, with a role, in a sentence that says they spoke."""
    rows: dict[str, Row] = {}
    for mention in mentions:
        span = (
            Span(min(mention.name.start, mention.role.start), max(mention.name.end, mention.role.end), "")
            if mention.role
            else mention.name
        )
        rows.setdefault(
            mention.person.id,
            {
                "event": event.identifier(source),
                "person": mention.person.id,
                "role": mention.role.text if mention.role else None,
                "day": None,
                "source": source,
                "provenance": ARCHIVED,
                "evidence": body[span.start : span.end],
                "char_start": span.start,
                "char_end": span.end,
            },
        )
    return list(rows.values())


def post_rows(source: str, network: Network, warnings: list[Row]) -> dict[str, list[Row]]:
    """The post_counts and post_totals rows of an article: each count and stated total, and the
    derived total (the sum of the counts) of each snapshot with counts."""
    for field, message, span in network.warnings:
        warnings.append(warning(source, field, message, span))
    counts = [
        {
            "source": source,
            "as_of": count.as_of,
            "as_of_basis": count.basis,
            "typology": count.typology,
            "post_type": count.post_type,
            "count": count.count,
            "confidence": count.confidence,
            "provenance": ARCHIVED,
            "review": None,
            "evidence": count.span.text,
            "char_start": count.span.start,
            "char_end": count.span.end,
        }
        for count in network.counts
    ]
    totals: list[Row] = []
    for as_of in dict.fromkeys(c.as_of for c in network.counts):
        parts = [c for c in network.counts if c.as_of == as_of]
        total = sum(c.count for c in parts)
        totals.append(
            {
                "source": source,
                "as_of": as_of,
                "typology": parts[0].typology,
                "total_kind": "derived",
                "total": total,
                "parts_sum": total,
                "consistent": True,
                "confidence": None,
                "provenance": "derived",
                "review": None,
                "evidence": None,
                "char_start": None,
                "char_end": None,
            }
        )
    for stated in network.totals:
        totals.append(
            {
                "source": source,
                "as_of": stated.as_of,
                "typology": stated.typology,
                "total_kind": "stated",
                "total": stated.total,
                "parts_sum": stated.parts_sum,
                "consistent": stated.consistent,
                "confidence": stated.confidence,
                "provenance": ARCHIVED,
                "review": None,
                "evidence": stated.span.text,
                "char_start": stated.span.start,
                "char_end": stated.span.end,
            }
        )
    unlisted = {c.post_type: c for c in network.counts if c.written is not None}
    types = [
        {
            "code": code,
            "typology": count.typology,
            "label_en": count.written,
            "label_nl": count.written,
            "label_fr": count.written,
            "definition": f"Not in the project's typology: the words as written in {source} "
            f"('{count.written}'), kept under a code of their own until a curator maps them.",
        }
        for code, count in unlisted.items()
    ]
    return {"post_counts": counts, "post_totals": totals, "post_types": types}


def change_rows(source: str, changes: list[Change], published: str | None, warnings: list[Row]) -> list[Row]:
    """The network_changes rows of an article, announced at its publication date (none, with a
    warning, when that date is unknown); the post they are about is linked when curated."""
    if published is None:
        for change in changes:
            message = (
                f"{change.change} of {change.city.name}: announced date unknown (no publication date); "
                "not published"
            )
            warnings.append(warning(source, "network_changes.announced", message, change.span))
        return []
    rows = []
    for change in changes:
        if change.effective is None:
            message = f"{change.change} of {change.city.name}: the text gives no effective date; left empty"
            warnings.append(warning(source, "network_changes.effective", message, change.span))
        rows.append(
            {
                "source": source,
                "post": None,
                "change": change.change,
                "city": change.city.name,
                "country": change.city.country,
                "country_name": country_name(change.city.country),
                "post_type": change.post_type,
                "announced": published,
                "announced_basis": "published",
                "effective": change.effective,
                "note": change.note,
                "provenance": ARCHIVED,
                "evidence": change.span.text,
                "char_start": change.span.start,
                "char_end": change.span.end,
            }
        )
    return rows
