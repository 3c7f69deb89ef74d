"""Merging extracted changes with curated ones: an article restating a curated change is dropped
for it, and named as a conflict when it gives another type."""

from __future__ import annotations

import datetime as dt

from etl.curate.merge import restated, unlinked
from etl.specs import ResourceSpec, resource_specs

CURATED = {
    "source": "prevot",
    "change": "close",
    "city": "Havana",
    "country": "CU",
    "post_type": "embassy",
    "announced": dt.date(2025, 11, 14),
    "effective": "2026/2027",
    "provenance": "publication",
}


def article(**given: object) -> dict[str, object]:
    return {
        **CURATED,
        "source": "art",
        "announced": "2025-11-20",
        "effective": "2026",
        "provenance": "archived_text",
        **given,
    }


def spec() -> ResourceSpec:
    return resource_specs()["network_changes"]


def test_restated_drops_an_article_stating_the_curated_change() -> None:
    conflicts: dict[str, str] = {}
    assert restated(spec(), [CURATED, article()], conflicts) == [CURATED] and conflicts == {}


def test_restated_names_an_article_that_gives_another_type() -> None:
    conflicts: dict[str, str] = {}
    restated(spec(), [CURATED, article(post_type="consulate_general")], conflicts)
    assert "curated fact wins" in conflicts["art"]


def test_restated_keeps_a_change_a_year_apart() -> None:
    later = article(announced="2027-03-01")
    assert restated(spec(), [CURATED, later], {}) == [CURATED, later]


def test_unlinked_warns_about_an_extracted_change_without_a_post() -> None:
    warnings = unlinked([{**article(), "post": None}, {**CURATED, "post": None}])
    assert [w["source"] for w in warnings] == ["art"]
