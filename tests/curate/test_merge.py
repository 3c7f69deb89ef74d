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


def test_restated_matches_the_first_curated_change_of_the_same_key_announced_together() -> None:
    reopened = {**CURATED, "change": "open", "source": "reopen"}  # another kind: another change
    again = {**CURATED, "announced": dt.date(2027, 2, 20), "effective": "2027", "source": "again"}
    folded = article(city="HAVANA", announced="2027-03-01", effective="2030")  # written otherwise
    rows = [CURATED, reopened, again, folded, article(change="open")]
    conflicts: dict[str, str] = {}
    assert restated(spec(), rows, conflicts) == [CURATED, reopened, again]
    assert list(conflicts) == ["art"] and "effective 2027" in conflicts["art"]


def test_unlinked_warns_about_an_extracted_change_without_a_post() -> None:
    warnings = unlinked([{**article(), "post": None}, {**CURATED, "post": None}])
    assert [w["source"] for w in warnings] == ["art"]
