"""`diplodata discover` and `diplodata update` end to end against the mock site: the articles of
the sitemap and the listings found, the new ones fetched and published, the walls refused and
never published, a changed page archived again and published as it now is, a page gone logged,
and every run in the crawl log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from etl.cli import main
from etl.layout import DATAPACKAGES
from etl.package.validate import read_rows
from etl.raw import CRAWL_LOG, read_log
from tests.mocksite import CHANGING, GONE, WALLS, WITHDRAWN, Server


@pytest.fixture
def site() -> Iterator[Server]:
    with Server() as server:
        yield server


def run(*args: str) -> tuple[int, str]:
    """Run a command; its exit code and output (stderr included)."""
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def update(site: Server, tmp_path: Path, *extra: str) -> tuple[int, str]:
    """`diplodata update` against the mock site, without delays, into tmp_path."""
    return run(
        "update",
        "--site",
        site.url,
        "--delay",
        "0",
        "--raw",
        str(tmp_path / "raw"),
        "--root",
        str(tmp_path / "out"),
        *extra,
    )


def articles(tmp_path: Path) -> list[dict[str, str]]:
    return read_rows(tmp_path / "out" / DATAPACKAGES / "diplomacy-news", "articles")


def test_discover_lists_the_sitemap_and_listing_articles_as_new(site: Server, tmp_path: Path) -> None:
    code, output = run("discover", "--site", site.url, "--delay", "0", "--raw", str(tmp_path), "--json")
    assert code == 0, output
    found = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert len(found) == len(site.site.articles) and {f["status"] for f in found} == {"new"}
    assert {f["language"] for f in found} == {"en", "nl", "fr"}
    assert all(f["lastmod"] for f in found)  # the sitemap's lastmod kept for what the listings also give
    assert not any("?q=" in f["url"] or f["url"].endswith(("/news", "/nieuws", "/actualites")) for f in found)
    assert any(hit.startswith("/en/news?page=") for hit in site.site.hits)  # the listings were paged


def test_update_publishes_the_site_and_nothing_of_the_walls(site: Server, tmp_path: Path) -> None:
    code, output = update(site, tmp_path)
    assert code in (0, 3), output
    published = articles(tmp_path)
    urls = {a["url"] for a in published}
    assert len(published) >= 30
    for path in WALLS:
        assert site.url + path not in urls
        assert f"refused: {site.url}{path}: " in output
    assert not any(
        "please log in" in a["body"].lower() or a["title"] in ("Cookies", "Lege pagina") for a in published
    )
    counts = read_rows(tmp_path / "out" / DATAPACKAGES / "diplomacy-network", "post_counts")
    changing = next(a["id"] for a in published if a["url"] == site.url + CHANGING)
    assert {(c["post_type"], c["count"], c["as_of"]) for c in counts if c["source"] == changing} >= {
        ("embassy", "84", "2026-01-01")
    }
    assert "added " in output and "36 article(s) found (36 new, 0 changed, 0 known)" in output
    log = read_log(tmp_path / "raw" / CRAWL_LOG)
    assert len(log) == 36 and {e["fetched"] for e in log} == {"archived", "refused"}
    assert all(e["snapshot"] for e in log if e["fetched"] == "archived")
    assert CRAWL_LOG not in {e["snapshot"] for e in log}


def test_a_second_update_fetches_the_changed_page_and_notices_the_gone_ones(
    site: Server, tmp_path: Path
) -> None:
    update(site, tmp_path)
    site.site.advance()
    code, output = update(site, tmp_path, "--recheck")
    assert code in (0, 3), output
    assert "1 changed" in output and f"archived: {site.url}{CHANGING}" in output
    counts = read_rows(tmp_path / "out" / DATAPACKAGES / "diplomacy-network", "post_counts")
    changing = next(a["id"] for a in articles(tmp_path) if a["url"] == site.url + CHANGING)
    assert ("embassy", "85", "2026-01-01") in {
        (c["post_type"], c["count"], c["as_of"]) for c in counts if c["source"] == changing
    }
    runs = read_log(tmp_path / "raw" / CRAWL_LOG)
    latest = [e for e in runs if e["run"] == runs[-1]["run"]]
    gone = {e["url"]: e for e in latest if e["fetched"] == "failed"}
    assert "404" in gone[site.url + GONE]["reason"] and "410" in gone[site.url + WITHDRAWN]["reason"]
    assert {e["fetched"] for e in latest if e["status"] == "known"} <= {"not_modified", "unchanged", "failed"}
    # What was archived before stays: the gone page's snapshot is still published.
    assert site.url + GONE in {a["url"] for a in articles(tmp_path)}


def test_update_fetches_at_most_the_limit_and_only_what_changed_since(site: Server, tmp_path: Path) -> None:
    code, output = update(site, tmp_path, "--limit", "2")
    assert "2 fetched" in output, output
    code, output = update(site, tmp_path, "--since", "2099-01-01")
    assert "0 fetched" in output, output
    code, output = run("update", "--site", site.url, "--since", "yesterday", "--raw", str(tmp_path))
    assert code == 2 and "is not a day written YYYY-MM-DD" in output
