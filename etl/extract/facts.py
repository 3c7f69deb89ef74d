"""Rows of the facts found in one article: quotes, roles, events and post counts, keyed by the
columns of the resources they are published in."""

from __future__ import annotations

from typing import Any

from etl.extract.events import Event
from etl.extract.people import Mention, split_roles
from etl.extract.posts import PostCount, PostTotal
from etl.extract.quotes import Quote
from etl.extract.text import Span, fold

Row = dict[str, Any]
ARCHIVED = "archived_text"


def warning(source_id: str, field: str, message: str, span: Span | None = None) -> Row:
    """A warning row: what is unknown or doubtful, and where."""
    return {
        "source": source_id,
        "field": field,
        "message": message,
        "char_start": span.start if span else None,
        "char_end": span.end if span else None,
    }


def role_rows(article: str, mentions: list[tuple[Mention, dict[str, Any]]], stated: str | None) -> list[Row]:
    """One person_roles row per (person, role), at the role's first statement in the article."""
    rows: dict[tuple[str, str], Row] = {}
    for mention, table in sorted(mentions, key=lambda m: m[0].role.start if m[0].role else 0):
        if mention.role is None:
            continue
        for role in split_roles(mention.role, table):
            rows.setdefault(
                (mention.person.id, fold(role.text)),
                {
                    "person": mention.person.id,
                    "article": article,
                    "source": article,
                    "role": role.text,
                    "stated": stated,
                    "provenance": ARCHIVED,
                    "char_start": role.start,
                    "char_end": role.end,
                },
            )
    return list(rows.values())


def resolve_reference(quote: Quote, mentions: list[Mention], table: dict[str, Any]) -> Mention | None:
    """The person a reference such as 'aldus de minister' points to: the last person named
    before the quote whose role has the reference's keyword, else the last person named."""
    keyword = fold(str(table["anaphora"].get(quote.reference or "", "")))
    earlier = [m for m in mentions if m.name.start < quote.text.start]
    for mention in reversed(earlier):
        if mention.role and keyword and keyword in fold(mention.role.text):
            return mention
    return earlier[-1] if earlier else None


def quote_rows(article: str, quotes: list[Quote], warnings: list[Row]) -> list[Row]:
    """The quotes rows of an article, numbered in reading order."""
    rows = []
    for number, quote in enumerate(sorted(quotes, key=lambda q: q.text.start), start=1):
        if quote.speaker is None:
            warnings.append(
                warning(
                    article,
                    "quotes.person",
                    "quote without a written attribution; person left empty",
                    quote.text,
                )
            )
        rows.append(
            {
                "id": f"{article}-q{number}",
                "article": article,
                "person": quote.speaker.person.id if quote.speaker else None,
                "text": quote.text.text,
                "role": quote.speaker.role.text if quote.speaker and quote.speaker.role else None,
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
        "source": source,
        "provenance": ARCHIVED,
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


def post_rows(
    source: str,
    found: list[tuple[Span, list[PostCount], PostTotal | None]],
    as_of: tuple[str, str] | None,
    warnings: list[Row],
) -> dict[str, list[Row]]:
    """The post_counts and post_totals rows of an article."""
    counts: list[Row] = []
    totals: list[Row] = []
    for sentence, parts, stated in found:
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
        for count in parts:
            counts.append(
                {
                    "source": source,
                    "as_of": date,
                    "as_of_basis": basis,
                    "typology": count.typology,
                    "post_type": count.post_type,
                    "count": count.count,
                    "provenance": ARCHIVED,
                    "evidence": count.span.text,
                    "char_start": count.span.start,
                    "char_end": count.span.end,
                }
            )
        total = sum(c.count for c in parts)
        base = {"source": source, "as_of": date, "typology": parts[0].typology if parts else "fps"}
        if parts:
            totals.append(
                {
                    **base,
                    "total_kind": "derived",
                    "total": total,
                    "parts_sum": total,
                    "consistent": True,
                    "provenance": "derived",
                    "evidence": None,
                    "char_start": None,
                    "char_end": None,
                }
            )
        if stated:
            consistent = not parts or stated.total == total
            if not consistent:
                warnings.append(
                    warning(
                        source,
                        "post_totals.total",
                        f"stated total {stated.total} differs "
                        f"from the sum of its parts ({total}); published as stated and flagged",
                        stated.span,
                    )
                )
            totals.append(
                {
                    **base,
                    "total_kind": "stated",
                    "total": stated.total,
                    "parts_sum": total if parts else None,
                    "consistent": consistent if parts else None,
                    "provenance": ARCHIVED,
                    "evidence": stated.span.text,
                    "char_start": stated.span.start,
                    "char_end": stated.span.end,
                }
            )
    return {"post_counts": counts, "post_totals": totals}
