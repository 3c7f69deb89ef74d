"""The gold set and the evaluation: floors the extractor must reach on articles written for it."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from etl.cli import main
from etl.extract.evaluation import FLOORS, evaluate, gold_articles, reviewed_languages
from etl.reference import Reference

GOLD = Path(__file__).parent.parent / "gold"
FIELD_SET = Path(__file__).parent.parent / "field-set"


@pytest.fixture(scope="module")
def labels() -> list[tuple[Path, dict]]:  # type: ignore[type-arg]
    return list(gold_articles(GOLD))


def test_gold_set_is_large_and_varied(labels: list[tuple[Path, dict]]) -> None:  # type: ignore[type-arg]
    assert len(labels) >= 24
    languages = Counter(label["language"] for _, label in labels)
    assert all(languages[code] >= 6 for code in ("en", "nl", "fr")), languages
    assert sum(path.suffix == ".html" for path, _ in labels) >= 4
    assert {label["style"] for _, label in labels} == {"seed", "old_site", "federal_portal", "drupal_html"}


def test_gold_set_covers_the_traps(labels: list[tuple[Path, dict]]) -> None:  # type: ignore[type-arg]
    traps = {tag for _, label in labels for tag in label.get("traps") or []}
    assert {"alt_text", "inbound_count"} <= traps
    assert any(label.get("weekday_warnings") for _, label in labels)
    assert any(not t["consistent"] for _, label in labels for t in label.get("post_totals") or [])
    assert any(label.get("not_facts") for _, label in labels)


def test_gold_quotes_start_in_their_articles(labels: list[tuple[Path, dict]]) -> None:  # type: ignore[type-arg]
    for path, label in labels:
        text = path.read_text(encoding="utf-8")
        for quote in label.get("quotes") or []:
            assert quote["starts"] in text, (path.name, quote["starts"])


@pytest.mark.parametrize("folder", [GOLD, FIELD_SET], ids=["gold", "field-set"])
def test_evaluate_reaches_the_floors_on_each_set(reference: Reference, folder: Path) -> None:
    result = evaluate(folder, reference)
    assert result.articles >= 18
    assert result.failures() == [], "\n".join(result.misses)
    for (kind, metric), floor in FLOORS.items():
        assert getattr(result.scores[kind], metric) >= floor
    assert result.scores["paragraph_language"].tp > 100


@pytest.mark.parametrize("folder", [GOLD, FIELD_SET], ids=["gold", "field-set"])
def test_evaluate_takes_no_fact_from_furniture(reference: Reference, folder: Path) -> None:
    assert evaluate(folder, reference).furniture_facts == []


def test_evaluate_scores_the_as_of_date_a_label_gives(reference: Reference, tmp_path: Path) -> None:
    path, label = next(
        (p, lb) for p, lb in gold_articles(GOLD) if any("as_of" in c for c in lb.get("post_counts") or [])
    )
    shutil.copy(path, tmp_path / path.name)
    shutil.copy(GOLD / "persons.yml", tmp_path / "persons.yml")
    label["post_counts"] = [{**c, "as_of": "1901"} for c in label["post_counts"]]
    (tmp_path / f"{path.stem}.yml").write_text(yaml.safe_dump(label, allow_unicode=True), encoding="utf-8")
    score = evaluate(tmp_path, reference).scores["post_counts"]
    assert score.tp == 0 and score.fn == len(label["post_counts"])


def test_evaluate_scores_paragraph_languages_against_the_languages_file(
    reference: Reference, tmp_path: Path
) -> None:
    name = "17_fr_journees-diplomatiques-2021-html"
    for suffix in (".html", ".yml"):
        shutil.copy(FIELD_SET / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    shutil.copy(FIELD_SET / "persons.yml", tmp_path / "persons.yml")
    without = evaluate(tmp_path, reference).scores["paragraph_language"]
    languages = FIELD_SET.with_name(FIELD_SET.name + ".languages.yml")
    with_file = evaluate(tmp_path, reference, languages).scores["paragraph_language"]
    assert without.fp == 2 and with_file.fp == 0 and with_file.tp == without.tp + 2
    # the same article's bytes, reviewed beside the project's copy of the field set
    by_content = evaluate(tmp_path, reference, reviewed=reviewed_languages([FIELD_SET]))
    assert by_content.scores["paragraph_language"] == with_file
    (tmp_path / f"{name}.html").write_bytes((tmp_path / f"{name}.html").read_bytes() + b"\n")
    edited = evaluate(tmp_path, reference, reviewed=reviewed_languages([FIELD_SET]))
    assert edited.scores["paragraph_language"].fp == 2  # other bytes: not the article reviewed


def test_evaluate_command_scores_a_copy_of_the_field_set_as_the_field_set(tmp_path: Path) -> None:
    copy = tmp_path / "field-set"
    shutil.copytree(FIELD_SET, copy)
    ours = CliRunner().invoke(main, ["evaluate", str(FIELD_SET), "--json"])
    theirs = CliRunner().invoke(main, ["evaluate", str(copy), "--json"])
    assert theirs.exit_code == 0, theirs.output
    assert json.loads(theirs.output)["scores"] == json.loads(ours.output)["scores"]


def test_evaluate_command_reports_each_gold_set_apart() -> None:
    result = CliRunner().invoke(main, ["evaluate"])
    assert result.exit_code == 0, result.output
    assert f"== {GOLD}" in result.output and f"== {FIELD_SET}" in result.output
    assert result.output.count("paragraph_language") == 2


def test_evaluate_command_prints_scores_per_fact_type() -> None:
    result = CliRunner().invoke(main, ["evaluate", str(GOLD)])
    assert result.exit_code == 0, result.output
    for kind in ("dates", "events", "participants", "speakers", "roles", "post_counts"):
        assert kind in result.output
    assert "precision" in result.output and "recall" in result.output


def test_evaluate_command_fails_below_a_floor(tmp_path: Path) -> None:
    path, label = next((p, lb) for p, lb in gold_articles(GOLD) if lb.get("post_counts"))
    shutil.copy(path, tmp_path / path.name)
    shutil.copy(GOLD / "persons.yml", tmp_path / "persons.yml")
    label["post_counts"] = [
        {"post_type": c["post_type"], "count": c["count"] + 1} for c in label["post_counts"]
    ]
    (tmp_path / f"{path.stem}.yml").write_text(yaml.safe_dump(label), encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", str(tmp_path)])
    assert result.exit_code == 1
    assert "below the floor: post_counts precision" in result.output


def test_evaluate_command_fails_on_an_empty_gold_set(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["evaluate", str(tmp_path)])
    assert result.exit_code == 1 and "no gold article" in result.output


def test_evaluate_scores_network_changes_only_where_the_label_lists_them(
    reference: Reference, tmp_path: Path
) -> None:
    path, label = next((p, lb) for p, lb in gold_articles(GOLD) if lb.get("network_changes"))
    shutil.copy(path, tmp_path / path.name)
    shutil.copy(GOLD / "persons.yml", tmp_path / "persons.yml")
    del label["network_changes"]
    (tmp_path / f"{path.stem}.yml").write_text(yaml.safe_dump(label, allow_unicode=True), encoding="utf-8")
    score = evaluate(tmp_path, reference).scores["network_changes"]
    assert (score.tp, score.fp, score.fn) == (0, 0, 0)
