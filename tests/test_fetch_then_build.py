"""The loop a user runs: fetch pages from a site, then build, then look at them in Datasette."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from etl.build import build
from etl.raw.fetch import fetch_urls
from etl.raw.politeness import Politeness
from tests.conftest import SEED, Client
from tests.mocksite import Server

ARTICLE = "/en/news/how-belgiums-network-posts-abroad-organised"
NETWORK = "/nl/nieuws/ons-netwerk-het-buitenland-de-cijfers-voor-2020"


@pytest.fixture
def site() -> Iterator[Server]:
    with Server() as server:
        yield server


def test_fetched_pages_build_and_their_facts_reach_datasette(site: Server, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw)
    shutil.copy(SEED.with_suffix(".yml"), raw)
    with httpx.Client(trust_env=False) as client:
        results = fetch_urls(
            [site.url + ARTICLE, site.url + NETWORK], raw, Politeness(min_interval=0), client=client
        )
    assert [r.status for r in results] == ["archived", "archived"], results
    report = build(root=tmp_path / "out", raw_dir=raw)
    assert report.rejected == [] and len(report.published) == 3
    datasette = Client(tmp_path / "out")
    try:
        query = "/diplomacy/articles.json?_shape=objects&_col=retrieved&_col=url"
        rows = datasette.get(query).json()["rows"]
        fetched = [r for r in rows if r["url"] == site.url + ARTICLE]
        assert fetched and fetched[0]["retrieved"].endswith("Z") and "T" in fetched[0]["retrieved"]
        counts = datasette.get("/diplomacy/post_counts.json?_shape=objects&post_type=embassy").json()["rows"]
        assert {(c["count"], c["as_of"]) for c in counts} >= {(84, "2020-01-01"), (84, "2024-03-12")}
    finally:
        datasette.close()
