"""Quarantine, not failure: a source whose facts would break the release is rejected by name with the
reason, the others are published (exit status 3); a value outside an enum quarantines its row; an
article contradicting a curated fact is quarantined and the curated fact kept."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import etl.build
from etl.build import build
from etl.cli import main
from etl.layout import DATAPACKAGES, DOWNLOADS, RAW_DIR, REPORT
from etl.package.validate import read_rows
from tests.conftest import SEED, add_article

CONTACT_DAYS_2023 = (
    "Diplomatic contact days 2023\n\n"
    "From Monday 13 to Friday 17 November 2023, more than 120 Belgian heads of post met at the Egmont "
    "Palace in Brussels for the diplomatic contact days 2023.\n"
)
YEAR_TYPO = (
    "Regional meeting in Nairobi\n\n"
    "From 3 to 5 June 3024, some 30 Belgian heads of post met in Nairobi for their regional meeting.\n"
)


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """A raw folder with the seed and its record."""
    folder = tmp_path / "raw"
    shutil.copytree(RAW_DIR, folder)
    return folder


def rejected(report: Any) -> dict[str, str]:
    """The rejected files of a build report with their reasons."""
    return {Path(e.path).name: e.reason for e in report.rejected}


def test_an_article_contradicting_the_curated_days_is_quarantined_and_the_curated_fact_kept(
    raw: Path, tmp_path: Path
) -> None:
    add_article(raw, "910_contact_days_2023", "en", "Diplomatic contact days 2023", CONTACT_DAYS_2023)
    report = build(root=tmp_path / "out", raw_dir=raw)
    reasons = rejected(report)
    assert list(reasons) == ["910_contact_days_2023.txt"]
    assert reasons["910_contact_days_2023.txt"].startswith("quarantined: ")
    reason = reasons["910_contact_days_2023.txt"]
    assert (
        "its events row diplomatic-contact-days-2023 gives start_date 2023-11-13, end_date 2023-11-17"
        in reason
    )
    assert "the curated fact (fps-2023-diplomatic-days) gives start_date 2023-11-06" in reason
    assert reason.endswith("the curated fact wins")
    assert report.published == [SEED.stem]
    events = read_rows(tmp_path / "out" / DATAPACKAGES / "diplomacy-events", "events")
    days = next(e for e in events if e["id"] == "diplomatic-contact-days-2023")
    assert (days["start_date"], days["end_date"]) == ("2023-11-06", "2023-11-10")  # the curated days
    sources = read_rows(tmp_path / "out" / DATAPACKAGES / "diplomacy-news", "articles")
    assert "910_contact_days_2023" not in {s["id"] for s in sources}


def test_a_year_typo_that_breaks_a_constraint_quarantines_its_source(raw: Path, tmp_path: Path) -> None:
    add_article(raw, "911_nairobi", "en", "Regional meeting in Nairobi", YEAR_TYPO)
    result = CliRunner().invoke(
        main, ["build", "--quiet", "--root", str(tmp_path / "out"), "--raw", str(raw)]
    )
    assert result.exit_code == 3, result.output
    line = next(line for line in result.output.splitlines() if "911_nairobi.txt" in line)
    assert line.startswith("error: 911_nairobi.txt: quarantined: events row 1 field ")
    assert "3024" in line
    report = json.loads((tmp_path / "out" / DOWNLOADS / REPORT).read_text(encoding="utf-8"))
    entry = next(i for i in report["inputs"] if i["file"] == "911_nairobi.txt")
    assert entry["status"] == "rejected" and entry["reason"].startswith("quarantined: ")
    assert report["counts"]["published"] == 1 and report["counts"]["rejected"] == 1


def test_a_source_whose_span_does_not_reproduce_its_evidence_is_quarantined(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_article(raw, "912_nairobi", "en", "Regional meeting in Nairobi", YEAR_TYPO.replace("3024", "2024"))
    original = etl.build.extract_source

    def shifted(source: Any, reference: Any) -> dict[str, Any]:
        facts = original(source, reference)
        if source.id == SEED.stem:
            facts["post_counts"][0]["char_end"] += 1
        return facts

    monkeypatch.setattr(etl.build, "extract_source", shifted)
    report = build(root=tmp_path / "out", raw_dir=raw)
    reasons = rejected(report)
    assert list(reasons) == [SEED.name]
    assert "post_counts row 1 field evidence: text at [" in reasons[SEED.name]
    assert report.published == ["912_nairobi"]


def test_a_value_outside_an_enum_quarantines_its_row_only(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = etl.build.extract_source

    def unknown_basis(source: Any, reference: Any) -> dict[str, Any]:
        facts = original(source, reference)
        facts["post_counts"][0]["as_of_basis"] = "guessed"
        return facts

    monkeypatch.setattr(etl.build, "extract_source", unknown_basis)
    report = build(root=tmp_path / "out", raw_dir=raw)
    assert report.rejected == [] and report.published == [SEED.stem]
    warnings = {w["field"]: w["message"] for w in report.warnings if "quarantined" in w["message"]}
    assert "'guessed' is not one of" in warnings["post_counts.as_of_basis"]
    assert "total is quarantined with it" in warnings["post_totals.parts_sum"]
    counts = read_rows(tmp_path / "out" / DATAPACKAGES / "diplomacy-network", "post_counts")
    assert "guessed" not in {c["as_of_basis"] for c in counts}
    assert any(c["source"] == SEED.stem for c in counts)  # the source's other counts are published


def test_a_count_below_its_minimum_stops_the_publish_and_leaves_the_release(
    raw: Path, tmp_path: Path
) -> None:
    root = tmp_path / "out"
    build(root=root, raw_dir=raw)
    before = (root / DATAPACKAGES / "diplomacy-network" / "data" / "post_counts.csv").read_bytes()
    add_article(
        raw,
        "913_network",
        "en",
        "Belgium's network abroad",
        "Belgium's network abroad\n\n"
        "On 1 January 2025, Belgium's network counted 12 embassies and 1 consulates general.\n",
    )
    result = CliRunner().invoke(main, ["build", "--quiet", "--root", str(root), "--raw", str(raw)])
    assert result.exit_code == 1
    assert "error: assertions/post_counts: fps embassy: 12 in 913_network (" in result.output
    assert "is below the minimum 60 (913_network) [assertion]" in result.output
    assert (root / DATAPACKAGES / "diplomacy-network" / "data" / "post_counts.csv").read_bytes() == before


def test_a_count_above_its_maximum_is_published_with_a_warning(raw: Path, tmp_path: Path) -> None:
    add_article(
        raw,
        "914_network",
        "en",
        "Belgium's network abroad",
        "Belgium's network abroad\n\n"
        "On 1 January 2025, Belgium's network counted 150 embassies and 20 consulates general.\n",
    )
    report = build(root=tmp_path / "out", raw_dir=raw)
    assert report.rejected == []
    (warning,) = [w for w in report.warnings if w["field"] == "assertions.post_counts"]
    assert warning["source"] == "914_network" and "above the maximum 120" in warning["message"]
    data = json.loads((tmp_path / "out" / DOWNLOADS / REPORT).read_text(encoding="utf-8"))
    assert any(w["field"] == "assertions.post_counts" for w in data["warnings"])


def test_a_type_the_lexicon_does_not_know_is_published_under_its_own_code(raw: Path, tmp_path: Path) -> None:
    add_article(
        raw,
        "915_network",
        "en",
        "Belgium's network abroad",
        "Belgium's network abroad\n\n"
        "On 1 January 2025, Belgium's network counted 85 embassies, 17 consulates general and 3 liaison "
        "offices.\n",
    )
    report = build(root=tmp_path / "out", raw_dir=raw)
    assert report.rejected == []
    network = tmp_path / "out" / DATAPACKAGES / "diplomacy-network"
    types = {t["code"]: t for t in read_rows(network, "post_types")}
    assert types["liaison_offices"]["label_en"] == "liaison offices"
    assert "Not in the project's typology" in types["liaison_offices"]["definition"]
    counts = read_rows(network, "post_counts")
    assert {(c["post_type"], c["count"]) for c in counts if c["source"] == "915_network"} >= {
        ("liaison_offices", "3"),
        ("embassy", "85"),
    }
    assert any(
        w["field"] == "post_counts.post_type" and "liaison offices" in w["message"] for w in report.warnings
    )
