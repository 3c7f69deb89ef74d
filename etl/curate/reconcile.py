"""Reconciliation of consecutive FPS snapshots of the network with the openings and closures
recorded between them, in the changes (curated and extracted) and in the named posts' opening and
closing dates, each counted once: what neither explains (a report to read, not an error)."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Iterator
from itertools import pairwise
from typing import Any

from etl.curate.periods import bounds

Row = dict[str, Any]
TYPOLOGY = "fps"
PERIOD_END = "-zz"  # sorts after any day of the period, so "2021-03" + PERIOD_END ends March 2021


def period_end(as_of: str) -> str:
    """A key that sorts after every date inside a period written YYYY, YYYY-MM or YYYY-MM-DD."""
    return as_of + PERIOD_END if len(as_of) < len("YYYY-MM-DD") else as_of


def snapshots(counts: Iterable[Row]) -> list[tuple[str, str, dict[str, int]]]:
    """FPS snapshots (as_of, source, counts by type) in date order, one per source and date."""
    found: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for row in counts:
        if row["typology"] == TYPOLOGY:
            found[(row["as_of"], row["source"])][row["post_type"]] = row["count"]
    return [(as_of, source, types) for (as_of, source), types in sorted(found.items())]


def first_day(day: str | None) -> str | None:
    """The first day of a date at any precision, or None for an empty or unreadable one."""
    found = bounds(str(day)) if day else None
    return found[0] if found is not None else None


class Dated:
    """Rows by the first day of a date column, for taking those between two snapshots by bisection
    (a corpus gives thousands of snapshots, and each pair asks)."""

    def __init__(self, rows: list[Row], column: str) -> None:
        dated = sorted(
            (first, index) for index, row in enumerate(rows) if (first := first_day(row.get(column)))
        )
        self.days = [first for first, _ in dated]
        self.indexes = [index for _, index in dated]
        self.rows = rows

    def between(self, after: str, until: str) -> list[Row]:
        """The rows dated after one snapshot and not after the next, in their original order."""
        low = bisect.bisect_right(self.days, period_end(after))
        high = bisect.bisect_right(self.days, period_end(until))
        return [self.rows[index] for index in sorted(self.indexes[low:high])]


def dated_events(
    changes: list[Row], posts: list[Row], after: str, until: str, index: dict[str, Dated] | None = None
) -> dict[tuple[Any, ...], Row]:
    """The openings and closures between two snapshots, each once: the changes (by their announced
    date) and the named posts' dated openings and closures, keyed by post (or city) and kind; a
    change of a named post takes the post's type when it gives none (index: the rows dated, by
    column, when the caller asks for many pairs of snapshots)."""
    dated = index if index is not None else dated_index(changes, posts)
    types = {p["id"]: p["post_type"] for p in posts}
    events: dict[tuple[Any, ...], Row] = {}
    for change in dated["announced"].between(after, until):
        place = (
            ("post", change["post"]) if change.get("post") else ("city", change["city"], change["country"])
        )
        kind = change["change"]
        post_type = change["post_type"] or types.get(change.get("post") or "")
        events.setdefault((*place, kind), {"change": kind, "post_type": post_type, "from": "changes"})
    for kind, column in (("open", "opened"), ("close", "closed")):
        for post in dated[column].between(after, until):
            key = ("post", post["id"], kind)
            events[key] = {
                **events.get(key, {}),
                "change": kind,
                "post_type": post["post_type"],
                "named": True,
            }
    return events


def dated_index(changes: list[Row], posts: list[Row]) -> dict[str, Dated]:
    """The changes by announced date and the posts by opening and closing date."""
    return {
        "announced": Dated(changes, "announced"),
        "opened": Dated(posts, "opened"),
        "closed": Dated(posts, "closed"),
    }


def net(rows: list[Row], post_type: str | None) -> int:
    """Openings minus closures among some changes of one type (None: of no known type)."""
    return sum(1 if r["change"] == "open" else -1 for r in rows if r["post_type"] == post_type)


def reconcile(counts: Iterable[Row], changes: list[Row], posts: list[Row] | None = None) -> list[Row]:
    """One row per post type and pair of consecutive snapshots: the difference, the openings and
    closures the changes and the named posts' dates record, and what neither explains."""
    return list(reconciled(counts, changes, posts))


def reconciled(counts: Iterable[Row], changes: list[Row], posts: list[Row] | None = None) -> Iterator[Row]:
    """The rows of reconcile, one at a time."""
    ordered = snapshots(counts)
    index = dated_index(changes, posts or [])
    for (from_as_of, from_source, before), (to_as_of, to_source, after) in pairwise(ordered):
        recorded = index["announced"].between(from_as_of, to_as_of)
        events = list(dated_events(changes, posts or [], from_as_of, to_as_of, index).values())
        named = [e for e in events if e.get("named")]
        for post_type in sorted(set(before) | set(after)):
            difference = after.get(post_type, 0) - before.get(post_type, 0)
            explained = net(events, post_type)
            yield {
                "from_source": from_source,
                "from_as_of": from_as_of,
                "to_source": to_source,
                "to_as_of": to_as_of,
                "post_type": post_type,
                "from_count": before.get(post_type, 0),
                "to_count": after.get(post_type, 0),
                "difference": difference,
                "recorded_net": net(recorded, post_type),
                "recorded_untyped": net(recorded, None),
                "named_net": net(named, post_type),
                "explained_net": explained,
                "unexplained": difference - explained,
                "provenance": "derived",
            }
