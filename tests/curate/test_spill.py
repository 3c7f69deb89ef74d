"""The largest per-source resources wait on disk between extraction and writing: read back, they
are the same merged rows as when they were held in memory, in or out of key order."""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import pytest

import etl.curate.merge as merge_module
import etl.curate.spill as spill_module
from benchmarks.corpus import generate
from etl.apart import can_fork
from etl.curate import Decision, Spill, assemble, curated_rows, read_reviews
from etl.curate.reviews import reviewable, text
from etl.engine import Engine, extract_all
from etl.layout import REFERENCE_DIR
from etl.raw import read_raw
from etl.reference import load_reference
from etl.specs import load_packages


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("corpus")
    generate(24, folder, seed=7)
    sources = read_raw(folder, load_reference().site).sources
    return extract_all(sources, REFERENCE_DIR, Engine(jobs=1))


def merged(extractions: list[dict[str, Any]], spill: Spill | None) -> dict[str, Any]:
    reference, packages = load_reference(), load_packages()
    curated = curated_rows(
        reference.persons, reference.post_types, REFERENCE_DIR / "curated", REFERENCE_DIR / "posts"
    )
    reviews = read_reviews(REFERENCE_DIR / "reviews", packages)
    kept = {e["source"]["id"] for e in extractions}
    spilled = spill.tables(kept) if spill is not None else None
    store = spill.store if spill is not None else list
    tables, warnings = assemble(packages, extractions, reference, curated, reviews, {}, spilled, store)
    return {"tables": {p: {r: list(rows) for r, rows in t.items()} for p, t in tables.items()}, "w": warnings}


@pytest.mark.parametrize("order", ["as read", "reversed"])
def test_rows_put_on_disk_merge_as_the_rows_held_in_memory(
    extracted: list[dict[str, Any]], order: str, tmp_path: Path
) -> None:
    incoming = extracted if order == "as read" else extracted[::-1]
    spill = Spill(tmp_path, load_packages())
    light = [spill.take(dict(e)) for e in incoming]
    spill.close()
    assert all("paragraphs" not in e and "article" not in e and "warnings" not in e for e in light)
    # sources in the order of the keys give the merged table as it is; out of order, it is sorted
    assert spill.tracks["paragraphs"].ordered is (order == "as read")
    assert merged(light, spill) == merged(incoming, None)


def test_spilled_rows_read_the_kept_sources_only(extracted: list[dict[str, Any]], tmp_path: Path) -> None:
    spill = Spill(tmp_path, load_packages())
    for extraction in extracted:
        spill.take(dict(extraction))
    spill.close()
    everyone = {e["source"]["id"] for e in extracted}
    dropped = sorted(everyone)[3]
    rows = spill.tables(everyone - {dropped})["paragraphs"]
    expected = [p for e in extracted if e["source"]["id"] != dropped for p in e["paragraphs"]]
    assert list(rows) == expected and len(rows) == len(expected)
    assert rows[0] == expected[0] and rows[-1] == expected[-1] and rows[2:5] == expected[2:5]
    with pytest.raises(IndexError):
        rows[len(expected)]
    assert rows.cited("article") == {p["article"] for p in expected}
    assert dropped not in rows.cited("article")
    # the extractions' warnings wait on disk too, for the build's report, in the order they came
    noted = [w for e in extracted if e["source"]["id"] != dropped for w in e["warnings"]]
    assert noted and list(spill.warnings(everyone - {dropped})) == noted


def restating(extracted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The extractions with two more statements in the last of them: a curated event's edition
    with other dates (a contradiction of the curated fact), and two persons of earlier sources
    stated otherwise (differing duplicates)."""
    changed = copy.deepcopy(extracted)
    curated_event = {
        **load_curated()["events"][0],
        "start_date": "1999-01-01",
        "end_date": "1999-01-02",
        "provenance": "archived_text",
    }
    last = changed[-1]
    curated_event["source"] = last["source"]["id"]
    last["events"].append(curated_event)
    persons = sorted((p for e in changed[:-1] for p in e["persons"]), key=lambda p: str(p["id"]))
    for person in (persons[-1], persons[0]):  # stated out of key order: the warnings keep that order
        last["persons"].append({**person, "name": person["name"] + " Jr."})
    return changed


def load_curated() -> dict[str, Any]:
    reference = load_reference()
    return curated_rows(
        reference.persons, reference.post_types, REFERENCE_DIR / "curated", REFERENCE_DIR / "posts"
    )


def merged_with_conflicts(
    extractions: list[dict[str, Any]], spill: Spill | None, apart: bool = False
) -> tuple[Any, ...]:
    reference, packages = load_reference(), load_packages()
    reviews = read_reviews(REFERENCE_DIR / "reviews", packages)
    kept = {e["source"]["id"] for e in extractions}
    conflicts: dict[str, str] = {}
    spilled = spill.tables(kept) if spill is not None else None
    store = spill.store if spill is not None else list
    tables, warnings = assemble(
        packages, extractions, reference, load_curated(), reviews, conflicts, spilled, store, apart=apart
    )
    rows = {p: {r: list(found) for r, found in t.items()} for p, t in tables.items()}
    return rows, warnings, conflicts


@pytest.mark.parametrize("order", ["as read", "reversed"])
def test_rows_merged_on_disk_in_runs_keep_the_same_rows_warnings_and_conflicts(
    extracted: list[dict[str, Any]], order: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spill_module, "RUN_ROWS", 5)  # many sorted runs, merged
    incoming = restating(extracted if order == "as read" else extracted[::-1])
    spill = Spill(tmp_path, load_packages())
    light = [spill.take(copy.deepcopy(e)) for e in incoming]
    spill.close()
    assert not spill.tracks["events"].ordered and not spill.tracks["persons"].ordered
    on_disk, in_memory = merged_with_conflicts(light, spill), merged_with_conflicts(incoming, None)
    assert on_disk == in_memory
    _, warnings, conflicts = on_disk
    assert list(conflicts) == [incoming[-1]["source"]["id"]] and "curated fact wins" in next(
        iter(conflicts.values())
    )
    restated = [w for w in warnings if w["field"] == "persons.id"]
    assert len(restated) == 2 and restated[0]["message"] > restated[1]["message"]
    assert not list(tmp_path.glob("run-*"))  # the sorted runs are removed once merged


@pytest.mark.parametrize("order", ["as read", "reversed"])
def test_tables_merged_in_two_processes_keep_the_same_rows_warnings_and_conflicts(
    extracted: list[dict[str, Any]], order: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spill_module, "RUN_ROWS", 5)
    monkeypatch.setattr(merge_module, "APART_BYTES", 0)  # however small, merged in two processes
    shares: list[int] = []
    share = merge_module.alongside

    def counted(work: Any, here: Any, *args: Any) -> Any:
        shares.append(os.getpid())
        return share(work, here, *args)

    monkeypatch.setattr(merge_module, "alongside", counted)
    incoming = restating(extracted if order == "as read" else extracted[::-1])
    spill = Spill(tmp_path, load_packages())
    light = [spill.take(copy.deepcopy(e)) for e in incoming]
    spill.close()
    assert can_fork()  # (a child is forked for one share)
    on_disk = merged_with_conflicts(light, spill, apart=True)
    assert shares == [os.getpid()]
    assert on_disk == merged_with_conflicts(incoming, None)
    _, warnings, conflicts = on_disk
    # the conflict and the warnings the child's share found are noted as the merge in one process notes them
    assert list(conflicts) == [incoming[-1]["source"]["id"]] and "curated fact wins" in next(
        iter(conflicts.values())
    )
    assert len([w for w in warnings if w["field"] == "persons.id"]) == 2


def decisions_about(extracted: list[dict[str, Any]]) -> list[Decision]:
    """Decisions about the counts and roles of some extractions: accepted, rejected, corrected,
    stale (other evidence), unmatched (no such fact), and two about one fact (a rejection, then
    an acceptance that finds no row left)."""
    specs = reviewable(load_packages())
    counts = [c for e in extracted for c in e["post_counts"]]
    roles = [r for e in extracted for r in e["person_roles"]]
    assert len(counts) >= 4 and len(roles) >= 2

    def about(table: str, row: dict[str, Any], decision: str, **more: Any) -> Decision:
        spec = specs[table]
        fact = {k: text(row.get(k)) for k in spec.primary_key}
        return Decision(
            id=f"d{len(made)}",
            table=table,
            fact=fact,
            decision=decision,
            values=more.get("values", {}),
            evidence=more.get("evidence"),
            by="a curator",
            decided="2026-12-01",
            why="checked against the article",
            file="reference/reviews/test.yml",
        )

    made: list[Decision] = []
    for table, row, decision, more in [
        ("post_counts", counts[-1], "accept", {}),
        ("post_counts", counts[0], "reject", {}),
        ("post_counts", counts[1], "correct", {"values": {"count": 999}}),
        ("post_counts", counts[2], "accept", {"evidence": "words the text never had"}),
        ("person_roles", {**roles[0], "role": "no such role"}, "reject", {}),
        ("person_roles", roles[-1], "reject", {}),
        ("person_roles", roles[-1], "accept", {}),
    ]:
        made.append(about(table, row, decision, **more))
    return made


def test_decisions_apply_alike_to_rows_on_disk_and_in_memory(
    extracted: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spill_module, "RUN_ROWS", 5)
    reference, packages = load_reference(), load_packages()
    decisions = decisions_about(extracted)
    spill = Spill(tmp_path, packages)
    light = [spill.take(copy.deepcopy(e)) for e in extracted]
    spill.close()

    def merge(extractions: list[dict[str, Any]], on_disk: Spill | None) -> Any:
        kept = {e["source"]["id"] for e in extractions}
        spilled = on_disk.tables(kept) if on_disk is not None else None
        store = on_disk.store if on_disk is not None else list
        tables, warnings = assemble(
            packages, extractions, reference, load_curated(), decisions, {}, spilled, store
        )
        return {p: {r: list(found) for r, found in t.items()} for p, t in tables.items()}, warnings

    (rows, warnings), in_memory = merge(light, spill), merge(copy.deepcopy(extracted), None)
    assert (rows, warnings) == in_memory
    statuses = {r["id"]: r["status"] for r in rows["diplomacy-network"]["reviews"]}
    assert statuses == {"d0": "applied", "d1": "applied", "d2": "applied", "d3": "stale"}
    roles = {r["id"]: r["status"] for r in rows["diplomacy-news"]["reviews"]}
    assert roles == {"d4": "unmatched", "d5": "applied", "d6": "unmatched"}
    corrected = [c for c in rows["diplomacy-network"]["post_counts"] if c.get("review") == "d2"]
    assert [c["count"] for c in corrected] == [999]
    reviewed = [w["message"] for w in warnings if w["field"].endswith(".review")]
    assert [m.split(" ")[1] for m in reviewed] == ["d4", "d6", "d3"]  # package by package


def contradicting_many(extracted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The extractions with contradictions of curated facts in three sources: one restating two
    curated events with other dates (the first stated is its reason), one a curated event and a
    curated change with another type of post (the change's reason comes first: changes are looked
    at before the events), and one only a curated change's date outside the curated one."""
    changed = copy.deepcopy(extracted)
    events = load_curated()["events"]
    change = next(c for c in load_curated()["network_changes"] if c["post_type"] and c["effective"])

    def event(index: int, source: dict[str, Any], day: str) -> None:
        source["events"].append(
            {**events[index], "start_date": day, "end_date": day, "provenance": "archived_text"}
            | {"source": source["source"]["id"]}
        )

    def restated(source: dict[str, Any], **values: Any) -> None:
        source["network_changes"].append(
            {**change, "provenance": "archived_text", "source": source["source"]["id"], **values}
        )

    event(1, changed[2], "1999-01-01")
    event(0, changed[2], "1998-01-01")
    event(0, changed[5], "1997-01-01")
    restated(changed[5], post_type="honorary_consulate")
    restated(changed[9], effective="1990")
    return changed


@pytest.mark.parametrize("order", ["as read", "reversed"])
def test_contradictions_looked_for_first_are_those_the_merge_finds(
    extracted: list[dict[str, Any]], order: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Looked for before merging (conflicts_first), the sources contradicting curated facts and
    their reasons are the merge's, in its order, rows on disk or in memory; no tables are made."""
    monkeypatch.setattr(spill_module, "RUN_ROWS", 5)
    incoming = contradicting_many(extracted if order == "as read" else extracted[::-1])
    reference, packages = load_reference(), load_packages()
    spill = Spill(tmp_path, packages)
    light = [spill.take(copy.deepcopy(e)) for e in incoming]
    spill.close()
    kept = {e["source"]["id"] for e in incoming}
    found = []
    for first in (False, True):
        for extractions, on_disk in ((light, spill), (copy.deepcopy(incoming), None)):
            conflicts: dict[str, str] = {}
            tables, _ = assemble(
                packages,
                extractions,
                reference,
                load_curated(),
                [],
                conflicts,
                on_disk.tables(kept) if on_disk is not None else None,
                on_disk.store if on_disk is not None else list,
                conflicts_first=first,
            )
            assert (tables == {}) is first
            found.append(list(conflicts.items()))
    assert found[0] == found[1] == found[2] == found[3]
    reasons = dict(found[0])
    assert len(reasons) == 3
    assert "network_changes" in reasons[incoming[5]["source"]["id"]]
    assert "1999-01-01" in reasons[incoming[2]["source"]["id"]]
    assert "effective 1990" in reasons[incoming[9]["source"]["id"]]
