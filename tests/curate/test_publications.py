"""Curated public facts: published with their citations, checked, reconciled; each check fails
on a deliberately bad fact."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from etl.curate.publications import CURATED_DIR, CuratedError, curated_rows, read_curated
from etl.layout import DATAPACKAGES, ROOT
from etl.reference import Reference

NETWORK = ROOT / DATAPACKAGES / "diplomacy-network" / "data"
EVENTS = ROOT / DATAPACKAGES / "diplomacy-events" / "data"
NEWS = ROOT / DATAPACKAGES / "diplomacy-news" / "data"


def rows(folder: Path, resource: str) -> list[dict[str, str]]:
    with (folder / f"{resource}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_curated_files_follow_their_json_schema() -> None:
    curated = read_curated()
    assert set(curated) == {"sources", "post_counts", "network_changes", "contact_days"}


def test_curated_post_counts_are_published_with_citations() -> None:
    counts = {
        (r["source"], r["as_of"], r["post_type"]): int(r["count"]) for r in rows(NETWORK, "post_counts")
    }
    assert counts[("fps-2021-03-figure", "2021-03", "embassy")] == 83
    assert counts[("fps-2021-03-figure", "2021-03", "diplomatic_office")] == 4
    assert counts[("lowy-gdi-2024", "2023", "embassy_or_high_commission")] == 83
    assert counts[("lowy-gdi-2019", "2019", "consulate_or_consulate_general")] == 8
    assert counts[("000_03760b43a54f4e20", "2025-02", "embassy")] == 87
    sources = {r["id"]: r for r in rows(NETWORK, "sources")}
    for source, *_ in counts:
        assert sources[source]["url"].startswith("https://")
    assert sources["lowy-gdi-2024"]["confidence"] == "medium"
    assert sources["000_03760b43a54f4e20"]["kind"] == "archived_text"


def test_totals_keep_stated_beside_derived_and_typologies_apart() -> None:
    totals = {(r["source"], r["total_kind"]): r for r in rows(NETWORK, "post_totals")}
    assert totals[("fps-2021-03-figure", "stated")]["total"] == "116"
    assert totals[("fps-2021-03-figure", "derived")]["total"] == "116"
    assert totals[("senate-2011-5-73com", "stated")]["consistent"] == ""
    assert totals[("lowy-gdi-2024", "stated")]["typology"] == "lowy"
    assert totals[("000_03760b43a54f4e20", "derived")]["total"] == "115"
    types = {r["code"]: r["typology"] for r in rows(NETWORK, "post_types")}
    for row in rows(NETWORK, "post_counts"):
        assert types[row["post_type"]] == row["typology"]


def test_rankings_and_network_changes_are_published() -> None:
    ranks = {r["source"]: int(r["rank"]) for r in rows(NETWORK, "rankings")}
    assert ranks == {"lowy-gdi-2024": 31, "lowy-gdi-2019": 33}
    changes = rows(NETWORK, "network_changes")
    assert len(changes) == 15
    havana = next(r for r in changes if r["city"] == "Havana")
    assert (havana["change"], havana["country"], havana["post_type"], havana["effective"]) == (
        "close",
        "CU",
        "embassy",
        "2026/2027",
    )
    assert havana["announced_basis"] == "derived"
    chisinau = next(r for r in changes if r["city"] == "Chisinau")
    assert (chisinau["post_type"], chisinau["announced"]) == ("", "2023-05-12")


def test_contact_days_are_a_series_with_speakers_and_roles() -> None:
    events = {r["id"]: r for r in rows(EVENTS, "events")}
    assert {f"diplomatic-contact-days-{y}" for y in (2020, 2021, 2022, 2023, 2025)} <= set(events)
    assert events["diplomatic-contact-days-2021"]["format"] == "virtual"
    assert events["diplomatic-contact-days-2023"]["venue"] == "Egmont Palace"
    assert events["diplomatic-contact-days-2025"]["provenance"] == "archived_text"
    speakers = {(r["event"], r["person"]): r for r in rows(EVENTS, "event_speakers")}
    assert speakers[("diplomatic-contact-days-2023", "nicole-de-moor")]["day"] == "2023-11-07"
    roles = [r for r in rows(NEWS, "person_roles") if r["person"] == "hadja-lahbib"]
    assert sorted(r["stated"] for r in roles) == ["2022-09-05", "2023-11-06"]
    assert all(r["provenance"] == "publication" and r["article"] == "" for r in roles)


def test_reconciliation_lists_what_changes_do_not_explain() -> None:
    found = {r["post_type"]: r for r in rows(NETWORK, "network_reconciliation")}
    embassy = found["embassy"]
    assert (embassy["from_source"], embassy["to_source"]) == ("fps-2021-03-figure", "000_03760b43a54f4e20")
    assert (embassy["difference"], embassy["recorded_untyped"]) == ("4", "2")
    # the named posts' dated openings (Yerevan 2023, …) explain what the untyped changes do not
    assert (embassy["named_net"], embassy["explained_net"], embassy["unexplained"]) == ("4", "4", "0")
    assert found["diplomatic_office"]["unexplained"] == "-3"


# Each rule, shown failing on a deliberately bad fact.


@pytest.fixture
def curated(tmp_path: Path) -> Path:
    folder = tmp_path / "curated"
    shutil.copytree(CURATED_DIR, folder)
    return folder


def edit(folder: Path, name: str, change: Any) -> None:
    path = folder / f"{name}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def rows_of(folder: Path, reference: Reference) -> dict[str, list[dict[str, Any]]]:
    return curated_rows(reference.persons, reference.post_types, folder)


def test_curated_rows_accept_the_committed_facts(curated: Path, reference: Reference) -> None:
    assert rows_of(curated, reference)["post_counts"]


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("post_counts", lambda d: d[0].update(source="no-such-source"), "is not in sources.yml"),
        ("post_counts", lambda d: d.append(dict(d[0])), "a second value for 2021-03/fps-2021-03-figure/fps"),
        (
            "post_counts",
            lambda d: d[0]["counts"].update(embassy_or_high_commission=1),
            "not a post type of the fps",
        ),
        ("post_counts", lambda d: d[0]["counts"].update(embassy=-1), "entry 0/counts/embassy"),
        ("contact_days", lambda d: d[0].update(end="2023-11-01"), "ends 2023-11-01, before it starts"),
        ("contact_days", lambda d: d[0]["speakers"][0].update(day="2023-12-01"), "outside the edition"),
        (
            "contact_days",
            lambda d: d[0]["speakers"][0].update(person="nobody-known"),
            "not in reference/persons",
        ),
        ("network_changes", lambda d: d[0].update(announced="12 May 2023"), "does not match"),
        ("network_changes", lambda d: d[1]["posts"][0].update(post_type="palace"), "unknown post type"),
        ("sources", lambda d: d[0].pop("url"), "'url' is a required property"),
    ],
)
def test_curated_rules_fail_on_a_bad_fact(
    curated: Path, reference: Reference, name: str, change: Any, message: str
) -> None:
    edit(curated, name, change)
    with pytest.raises(CuratedError) as caught:
        rows_of(curated, reference)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert f"{name}.yml" in str(caught.value) or "post_counts" in str(caught.value)
