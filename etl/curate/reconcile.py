"""Reconciliation of consecutive FPS snapshots of the network with the openings and closures
recorded between them: what the recorded changes do not explain (a report to read, not an error)."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from typing import Any

Row = dict[str, Any]
TYPOLOGY = "fps"
PERIOD_END = "-zz"  # sorts after any day of the period, so "2021-03" + PERIOD_END ends March 2021


def period_end(as_of: str) -> str:
    """A key that sorts after every date inside a period written YYYY, YYYY-MM or YYYY-MM-DD."""
    return as_of + PERIOD_END if len(as_of) < len("YYYY-MM-DD") else as_of


def snapshots(counts: list[Row]) -> list[tuple[str, str, dict[str, int]]]:
    """FPS snapshots (as_of, source, counts by type) in date order, one per source and date."""
    found: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for row in counts:
        if row["typology"] == TYPOLOGY:
            found[(row["as_of"], row["source"])][row["post_type"]] = row["count"]
    return [(as_of, source, types) for (as_of, source), types in sorted(found.items())]


def reconcile(counts: list[Row], changes: list[Row]) -> list[Row]:
    """One row per post type and pair of consecutive snapshots, with the part left unexplained."""
    rows = []
    ordered = snapshots(counts)
    for (from_as_of, from_source, before), (to_as_of, to_source, after) in pairwise(ordered):
        between = [c for c in changes if period_end(from_as_of) < c["announced"] <= period_end(to_as_of)]
        untyped = sum(1 if c["change"] == "open" else -1 for c in between if not c["post_type"])
        for post_type in sorted(set(before) | set(after)):
            recorded = sum(1 if c["change"] == "open" else -1 for c in between if c["post_type"] == post_type)
            difference = after.get(post_type, 0) - before.get(post_type, 0)
            rows.append(
                {
                    "from_source": from_source,
                    "from_as_of": from_as_of,
                    "to_source": to_source,
                    "to_as_of": to_as_of,
                    "post_type": post_type,
                    "from_count": before.get(post_type, 0),
                    "to_count": after.get(post_type, 0),
                    "difference": difference,
                    "recorded_net": recorded,
                    "recorded_untyped": untyped,
                    "unexplained": difference - recorded,
                    "provenance": "derived",
                }
            )
    return rows
