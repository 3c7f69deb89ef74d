"""Reconciliation of snapshots: the difference explained by the changes and the named posts' dated
openings and closures, each counted once."""

from __future__ import annotations

from etl.curate.reconcile import reconcile

COUNTS = [
    {"source": "a", "as_of": "2020-01", "typology": "fps", "post_type": "embassy", "count": 80},
    {"source": "b", "as_of": "2023-01", "typology": "fps", "post_type": "embassy", "count": 83},
]


def change(city: str, post: str | None, announced: str = "2021-05-01") -> dict[str, object]:
    return {
        "change": "open",
        "city": city,
        "country": "XX",
        "post": post,
        "post_type": None,
        "announced": announced,
    }


def post(post_id: str, opened: str | None = None, closed: str | None = None) -> dict[str, object]:
    return {"id": post_id, "post_type": "embassy", "opened": opened, "closed": closed}


def test_reconcile_counts_a_change_and_its_post_once() -> None:
    row = reconcile(COUNTS, [change("X", "x-embassy")], [post("x-embassy", opened="2021")])[0]
    assert (row["difference"], row["named_net"], row["explained_net"], row["unexplained"]) == (3, 1, 1, 2)


def test_reconcile_uses_the_named_posts_dated_openings_and_closures() -> None:
    posts = [
        post("x-embassy", opened="2021-02"),
        post("y-embassy", opened="2022"),
        post("z-embassy", closed="2019"),
    ]
    row = reconcile(COUNTS, [change("W", None)], posts)[0]
    assert (row["recorded_untyped"], row["named_net"], row["unexplained"]) == (1, 2, 1)


def test_reconcile_without_posts_keeps_the_changes_alone() -> None:
    row = reconcile(COUNTS, [change("X", None)])[0]
    assert (row["recorded_net"], row["recorded_untyped"], row["unexplained"]) == (0, 1, 3)
