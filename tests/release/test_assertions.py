"""Assertions as data: a count below its series' minimum or a table with too few rows is an
error (it stops the publish), a count above its maximum or a change between consecutive snapshots
of one source beyond its bound a warning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from etl.reference import ReferenceError, read_assertions
from etl.release.assertions import ERROR, WARNING, check_assertions

ASSERTIONS: dict[str, Any] = {
    "post_counts": [
        {"series": {"typology": "fps", "post_type": "embassy"}, "min": 60, "max": 120, "max_change": 0.15}
    ],
    "post_totals": [{"series": {"typology": "fps"}, "min": 80}],
    "min_rows": {"articles": 1},
}


def count(source: str, as_of: str, value: int, post_type: str = "embassy") -> dict[str, Any]:
    return {"source": source, "as_of": as_of, "typology": "fps", "post_type": post_type, "count": value}


def breaches(tables: dict[str, list[dict[str, Any]]]) -> list[tuple[str, str, str | None]]:
    return [(b.level, b.table, b.source) for b in check_assertions(ASSERTIONS, {"articles": [{}], **tables})]


def test_figures_inside_their_bounds_breach_nothing() -> None:
    assert breaches({"post_counts": [count("a", "2024", 85), count("a", "2025", 87)]}) == []


def test_a_count_below_the_minimum_is_an_error() -> None:
    found = check_assertions(ASSERTIONS, {"articles": [{}], "post_counts": [count("new", "2025-01", 12)]})
    assert [(b.level, b.source) for b in found] == [(ERROR, "new")]
    assert "fps embassy: 12 in new (2025-01) is below the minimum 60" in found[0].message


def test_a_count_above_the_maximum_is_a_warning() -> None:
    assert breaches({"post_counts": [count("a", "2025", 150)]}) == [(WARNING, "post_counts", "a")]


def test_a_change_beyond_the_bound_between_snapshots_of_one_source_is_a_warning() -> None:
    found = check_assertions(
        ASSERTIONS, {"articles": [{}], "post_counts": [count("a", "2015", 70), count("a", "2025", 87)]}
    )
    assert [(b.level, b.source) for b in found] == [(WARNING, "a")]
    assert "70 (2015) to 87 (2025) in a is a change of +24%, beyond ±15%" in found[0].message


def test_snapshots_of_different_sources_are_not_compared() -> None:
    assert breaches({"post_counts": [count("a", "2015", 70), count("b", "2025", 87)]}) == []


def test_other_series_are_not_bound_by_a_series_entry() -> None:
    assert breaches({"post_counts": [count("a", "2025", 2, "consulate")]}) == []


def test_a_table_with_too_few_rows_is_an_error() -> None:
    found = check_assertions(ASSERTIONS, {"articles": []})
    assert [(b.level, b.table, b.message) for b in found] == [
        (ERROR, "articles", "holds 0 rows, fewer than the minimum 1")
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("post_counts:\n  - {min: 3}\n", "post_counts entry 1 has no series to match"),
        ("post_counts:\n  - {series: {typology: fps}, min: three}\n", "min is not a number"),
        ("post_counts:\n  - {series: {typology: fps}, minimum: 3}\n", "unknown keys minimum"),
        ("counts: []\n", "unknown keys counts"),
    ],
)
def test_a_malformed_assertions_file_is_named_with_what_is_wrong(
    tmp_path: Path, text: str, error: str
) -> None:
    path = tmp_path / "assertions.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReferenceError, match=error) as caught:
        read_assertions(path)
    assert str(path) in str(caught.value)
