"""Extraction of the seed article: golden facts, and the facts the pipeline promises."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from etl.extract import extract_source
from etl.raw.sources import Source
from etl.reference import Reference

GOLDEN = Path(__file__).parent.parent / "golden" / "000_03760b43a54f4e20.json"
SPANNED = {
    "paragraphs": "text",
    "quotes": "text",
    "person_roles": "role",
    "events": "evidence",
    "event_participant_groups": "evidence",
    "event_themes": "theme",
    "event_speakers": "evidence",
    "post_counts": "evidence",
}


def test_extract_source_matches_golden(facts: dict[str, Any], request: pytest.FixtureRequest) -> None:
    rendered = json.dumps(facts, ensure_ascii=False, indent=1) + "\n"
    if request.config.getoption("--update-golden"):
        GOLDEN.write_text(rendered, encoding="utf-8")
    assert rendered == GOLDEN.read_text(encoding="utf-8")


def test_extract_source_is_deterministic(seed: Source, reference: Reference) -> None:
    assert extract_source(seed, reference) == extract_source(seed, reference)


def test_extract_source_event(facts: dict[str, Any]) -> None:
    (event,) = facts["events"]
    assert event["name"] == "diplomatic contact days"
    assert event["series"] == "diplomatic_contact_days"
    assert (event["start_date"], event["end_date"], event["edition"]) == ("2025-02-03", "2025-02-07", 2025)
    assert (event["city"], event["country"], event["venue"]) == ("Brussels", "BE", None)
    assert (event["participants"], event["participants_qualifier"]) == (110, "more_than")
    groups = [g["group"] for g in facts["event_participant_groups"]]
    assert groups == ["ambassadors", "permanent representatives", "consuls general"]
    assert [t["theme"] for t in facts["event_themes"]] == ["cooperation", "coordination"]


def test_extract_source_quotes_and_speakers(facts: dict[str, Any]) -> None:
    speakers = [(q["person"], q["role"]) for q in facts["quotes"]]
    assert speakers == [
        ("maxime-prevot", "Deputy Prime Minister and Minister of Foreign Affairs"),
        ("bernard-quintin", "Minister of Security and the Interior"),
        ("theo-francken", "Minister of Defence and Foreign Trade"),
    ]
    assert all(not q["text"].startswith("“") and not q["text"].endswith("”") for q in facts["quotes"])
    names = {p["id"]: p["name"] for p in facts["persons"]}
    assert names == {
        "maxime-prevot": "Maxime Prévot",
        "bernard-quintin": "Bernard Quintin",
        "theo-francken": "Theo Francken",
    }
    assert all(p["wikidata"] is None for p in facts["persons"])
    assert {s["person"] for s in facts["event_speakers"]} == set(names)


def test_extract_source_splits_roles(facts: dict[str, Any]) -> None:
    roles = sorted((r["person"], r["role"]) for r in facts["person_roles"])
    assert roles == [
        ("bernard-quintin", "Minister of Security and the Interior"),
        ("maxime-prevot", "Deputy Prime Minister"),
        ("maxime-prevot", "Minister of Foreign Affairs"),
        ("theo-francken", "Minister of Defence and Foreign Trade"),
    ]


def test_extract_source_post_counts(facts: dict[str, Any]) -> None:
    counts = {c["post_type"]: c["count"] for c in facts["post_counts"]}
    assert counts == {
        "embassy": 87,
        "consulate_general": 15,
        "permanent_representation": 8,
        "consulate": 3,
        "diplomatic_office": 1,
        "belgian_office": 1,
    }
    (total,) = facts["post_totals"]
    assert (total["total_kind"], total["total"], total["consistent"]) == ("derived", 115, True)
    assert {c["as_of"] for c in facts["post_counts"]} == {"2025-02"}
    assert {c["as_of_basis"] for c in facts["post_counts"]} == {"event"}


def test_extract_source_paragraphs_and_section(facts: dict[str, Any]) -> None:
    paragraphs = facts["paragraphs"]
    assert len(paragraphs) == 8
    assert [p["section"] for p in paragraphs] == [None] * 7 + ["Belgium in the world"]
    assert not any(p["text"] in ("-", "Last updated on", "- News Type", "- Subjects") for p in paragraphs)


def test_extract_source_furniture_is_unknown_not_invented(facts: dict[str, Any]) -> None:
    article = facts["article"]
    assert (article["published"], article["updated"], article["news_type"], article["subjects"]) == (
        None,
        None,
        None,
        None,
    )
    warned = {w["field"] for w in facts["warnings"]}
    assert {"published", "updated", "news_type", "subjects"} <= warned


def test_extract_source_title_from_provenance(facts: dict[str, Any]) -> None:
    article = facts["article"]
    assert article["title"].startswith("Diplomatic contact days 2025")
    assert "provenance" in article["title_origin"] or "page address" in article["title_origin"]


@pytest.mark.parametrize("resource", sorted(SPANNED))
def test_extract_source_spans_reproduce_evidence(facts: dict[str, Any], seed: Source, resource: str) -> None:
    rows = facts[resource]
    assert rows, f"no {resource} extracted"
    for row in rows:
        assert seed.text[row["char_start"] : row["char_end"]] == row[SPANNED[resource]]


def test_extract_source_warning_spans_point_into_text(facts: dict[str, Any], seed: Source) -> None:
    for warning in facts["warnings"]:
        if warning["char_start"] is not None:
            assert 0 <= warning["char_start"] < warning["char_end"] <= len(seed.text)
