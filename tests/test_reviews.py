"""Review decisions: a curator's accept, reject or correct, kept in reference/reviews/*.yml, applied by
the build (provenance reviewed, a link to the decision); a decision whose evidence no longer reads
as it did is stale and not applied; `diplodata review` lists what needs a person."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from etl.build import build
from etl.cli import main
from etl.curate import CuratedError, read_reviews
from etl.layout import DATAPACKAGES, DOWNLOADS, RAW_DIR, REFERENCE_DIR, REPORT
from etl.package.validate import read_rows
from etl.review import render, review
from etl.specs import load_packages
from tests.conftest import SEED, Client, add_article
from tests.test_quarantine import CONTACT_DAYS_2023

SOURCE = SEED.stem
DECISIONS = f"""
- id: seed-embassies-accepted
  table: post_counts
  fact: {{source: "{SOURCE}", as_of: "2025-02", typology: fps, post_type: embassy}}
  decision: accept
  evidence: "87 embassies"
  by: A. Curator
  decided: 2026-12-01
  why: Checked against the FPS's own list of embassies of February 2025.
- id: seed-consulates-corrected
  table: post_counts
  fact: {{source: "{SOURCE}", as_of: "2025-02", typology: fps, post_type: consulate}}
  decision: correct
  set: {{count: 4}}
  evidence: "3 consulates"
  by: A. Curator
  decided: 2026-12-01
  why: A test of a correction; the article's figure stands in reality.
- id: seed-office-rejected
  table: post_counts
  fact: {{source: "{SOURCE}", as_of: "2025-02", typology: fps, post_type: belgian_office}}
  decision: reject
  by: A. Curator
  decided: 2026-12-01
  why: A test of a rejection.
- id: seed-stale
  table: post_counts
  fact: {{source: "{SOURCE}", as_of: "2025-02", typology: fps, post_type: permanent_representation}}
  decision: accept
  evidence: "9 permanent representations"
  by: A. Curator
  decided: 2026-11-01
  why: Decided on an earlier capture that read otherwise.
- id: gone-fact
  table: person_roles
  fact: {{person: jan-janssens, source: "{SOURCE}", role: Minister of Nothing}}
  decision: accept
  by: A. Curator
  decided: 2026-11-01
  why: A fact no longer extracted.
"""


@pytest.fixture
def reference_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, folder)
    (folder / "reviews").mkdir(exist_ok=True)
    (folder / "reviews" / "2026-12.yml").write_text(DECISIONS, encoding="utf-8")
    return folder


@pytest.fixture
def reviewed(tmp_path: Path, reference_dir: Path) -> Path:
    root = tmp_path / "out"
    build(root=root, raw_dir=RAW_DIR, reference_dir=reference_dir)
    return root


def network(root: Path, resource: str) -> list[dict[str, str]]:
    return read_rows(root / DATAPACKAGES / "diplomacy-network", resource)


def test_decisions_are_applied_and_the_rows_link_to_them(reviewed: Path) -> None:
    counts = {c["post_type"]: c for c in network(reviewed, "post_counts") if c["source"] == SOURCE}
    assert (counts["embassy"]["provenance"], counts["embassy"]["review"]) == (
        "reviewed",
        "seed-embassies-accepted",
    )
    assert counts["embassy"]["count"] == "87"
    assert (counts["consulate"]["count"], counts["consulate"]["provenance"]) == ("4", "reviewed")
    assert "belgian_office" not in counts
    assert counts["permanent_representation"]["provenance"] == "archived_text"  # stale: not applied
    derived = next(
        t for t in network(reviewed, "post_totals") if t["source"] == SOURCE and t["total_kind"] == "derived"
    )
    assert derived["total"] == str(87 + 15 + 8 + 4 + 1)  # the sum follows the corrected counts
    reviews = {r["id"]: r for r in network(reviewed, "reviews")}
    assert {i: r["status"] for i, r in reviews.items()} == {
        "seed-embassies-accepted": "applied",
        "seed-consulates-corrected": "applied",
        "seed-office-rejected": "applied",
        "seed-stale": "stale",
    }
    assert reviews["seed-consulates-corrected"]["corrected"] == "count=4"
    assert reviews["seed-embassies-accepted"]["reviewer"] == "A. Curator"
    news = {r["id"]: r["status"] for r in read_rows(reviewed / DATAPACKAGES / "diplomacy-news", "reviews")}
    assert news == {"gone-fact": "unmatched"}


def test_decisions_not_applied_are_warned_about_and_facts_counted_by_status(reviewed: Path) -> None:
    report = json.loads((reviewed / DOWNLOADS / REPORT).read_text(encoding="utf-8"))
    messages = [w["message"] for w in report["warnings"] if w["field"].endswith(".review")]
    assert any(
        "seed-stale" in m and "'8 permanent representations'" in m and "not applied" in m for m in messages
    )
    assert any("gone-fact" in m and "no fact has that key" in m for m in messages)
    # the reviews file named from the reference folder on, no path of the machine that built it
    assert all("(reference/reviews/" in m and str(reviewed.parent) not in m for m in messages)
    assert report["statuses"]["post_counts"]["reviewed"] == 2


def test_datasette_shows_the_review_status_and_links_the_decision(reviewed: Path) -> None:
    client = Client(reviewed)
    try:
        rows = client.get("/diplomacy/post_counts.json?_shape=objects&provenance=reviewed&_labels=on").json()[
            "rows"
        ]
        assert {
            r["post_type"]["value"] if isinstance(r["post_type"], dict) else r["post_type"] for r in rows
        } == {
            "embassy",
            "consulate",
        }
        page = client.get("/diplomacy/post_counts?provenance=reviewed").text
        assert 'href="/diplomacy/reviews/seed-embassies-accepted"' in page
        decision = client.get("/diplomacy/reviews/seed-stale.json?_shape=objects").json()["rows"][0]
        assert decision["status"] == "stale"
        statuses = client.get("/diplomacy/build_statuses.json?_shape=objects&table_name=post_counts").json()[
            "rows"
        ]
        assert {s["status"]: s["rows"] for s in statuses}["reviewed"] == 2
    finally:
        client.close()


BASE = {"id": "a", "table": "events", "fact": {"id": "x"}, "decision": "accept", "by": "b", "why": "c"}


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"table": "post_counts", "fact": {"source": "x"}}, "fact must give the key of post_counts"),
        ({"table": "articles"}, "table 'articles' takes no review"),
        ({"decision": "maybe"}, "decision 'maybe' is not one of"),
        ({"decision": "correct"}, "a correction sets values"),
        ({"by": None}, "lacks by"),
        ({"decision": "correct", "set": {"id": "y"}}, "cannot set id"),
        ({"decided": "yesterday"}, "decided must be a day"),
    ],
)
def test_a_malformed_decision_is_named_with_its_file_and_entry(
    tmp_path: Path, change: dict[str, Any], error: str
) -> None:
    entry = {**BASE, "decided": dt.date(2026, 1, 1), **change}
    (tmp_path / "bad.yml").write_text(yaml.safe_dump([entry]), encoding="utf-8")
    with pytest.raises(CuratedError, match=error) as caught:
        read_reviews(tmp_path, load_packages())
    assert f"{tmp_path / 'bad.yml'}: entry 1" in str(caught.value)


def test_review_lists_what_needs_a_person(tmp_path: Path, reference_dir: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    add_article(raw, "910_contact_days_2023", "en", "Diplomatic contact days 2023", CONTACT_DAYS_2023)
    found = review(raw, reference_dir)
    assert [i.source for i in found.of("quarantined")] == ["910_contact_days_2023"]
    assert {i.message.split(" ")[1] for i in found.of("review")} == {"seed-stale", "gone-fact"}
    text = render(found)
    assert "Sources quarantined (not published, the rest is): 1" in text
    assert "reference/reviews/*.yml" in text
    result = CliRunner().invoke(main, ["review", "--raw", str(raw), "--json"])
    assert result.exit_code == 0, result.output
    assert any(i["kind"] == "quarantined" for i in json.loads(result.output))
