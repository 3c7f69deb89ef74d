"""How much of the network the named posts cover: by type and date, the posts the list names
against the total an FPS count gives for the same date; and the post each opening or closure is
about."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from etl.curate.gazetteer import fold
from etl.curate.periods import bounds
from etl.curate.reconcile import TYPOLOGY, snapshots

Row = dict[str, Any]
# Statuses of a post the list does not say exists yet.
NOT_YET = frozenset({"planned"})


def named_at(post: Row, day_first: str, day_last: str) -> bool:
    """Whether the list names a post as existing at a period (a count's as_of): not planned, not
    known to open after it, and not known to have closed before its end."""
    if post["status"] in NOT_YET:
        return False
    opened, closed = bounds(post.get("opened")), bounds(post.get("closed"))
    if opened and opened[0] > day_last:
        return False
    reopened = opened is not None and closed is not None and closed[1] < opened[0]
    return not (closed and not reopened and closed[0] <= day_last)


def coverage(posts: list[Row], counts: Iterable[Row]) -> list[Row]:
    """One row per FPS count by type: the posts named of that type at its date, and how many of the
    stated count they leave unaccounted for (negative when the list names more)."""
    return list(covered(posts, counts))


def covered(posts: list[Row], counts: Iterable[Row]) -> Iterator[Row]:
    """The rows of coverage, one at a time (the posts named at a period counted once a period:
    many counts share their date)."""
    named_by_period: dict[tuple[str, str], Counter[str]] = {}
    for as_of, source, types in snapshots(counts):
        period = bounds(as_of)
        if period is None:
            continue
        named = named_by_period.get(period)
        if named is None:
            named = named_by_period[period] = Counter(p["post_type"] for p in posts if named_at(p, *period))
        for post_type, stated in sorted(types.items()):
            found = named[post_type]
            yield {
                "source": source,
                "as_of": as_of,
                "typology": TYPOLOGY,
                "post_type": post_type,
                "stated": stated,
                "named": found,
                "unaccounted": stated - found,
                "provenance": "derived",
            }


def link_posts(changes: list[Row], posts: list[Row]) -> list[Row]:
    """The changes with the post each is about (posts.id): the one post of its city, country and,
    when the change gives it, type; empty when none or several match."""
    linked = []
    for change in changes:
        found = [
            p["id"]
            for p in posts
            if p["country"] == change["country"]
            and fold(p["city"]) == fold(change["city"])
            and change.get("post_type") in (None, p["post_type"])
        ]
        linked.append({**change, "post": found[0] if len(found) == 1 else None})
    return linked
