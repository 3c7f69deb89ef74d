"""The gold set and the evaluation: floors the extractor must reach on articles written for it."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from etl.cli import main
from etl.extract.evaluation import FLOORS, evaluate, gold_articles
from etl.reference import Reference

GOLD = Path(__file__).parent.parent / "gold"


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


def test_evaluate_reaches_the_floors(reference: Reference) -> None:
    result = evaluate(GOLD, reference)
    assert result.articles >= 24
    assert result.failures() == [], "\n".join(result.misses)
    for (kind, metric), floor in FLOORS.items():
        assert getattr(result.scores[kind], metric) >= floor


def test_evaluate_takes_no_fact_from_furniture(reference: Reference) -> None:
    assert evaluate(GOLD, reference).furniture_facts == []


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
