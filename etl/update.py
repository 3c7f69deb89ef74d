"""The update: discover the site's articles, fetch politely what is new or changed, and build, so
that the release follows the live site. Each run appends what it found and fetched to the crawl
log (`raw/crawl.jsonl`); a page that is refused (a login wall, a cookie wall, an empty template) or
gone (404, 410) is logged with the reason and never published, and what was archived before stays."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from etl.build import build
from etl.layout import RAW_DIR, ROOT
from etl.raw import (
    CRAWL_LOG,
    Fetcher,
    FetchResult,
    Found,
    Politeness,
    discover,
    log_entries,
    log_entry,
    since,
    site_settings,
)
from etl.reference import load_reference
from etl.release import BuildReport

Progress = Callable[[str], None]


@dataclass
class UpdateReport:
    """What an update found, fetched and published."""

    found: list[Found] = field(default_factory=list)
    fetched: list[tuple[Found, FetchResult]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    build: BuildReport | None = None
    added: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: what was discovered, fetched and added."""
        statuses = {s: sum(f.status == s for f in self.found) for s in ("new", "changed", "known")}
        archived = sum(r.status == "archived" for _, r in self.fetched)
        missed = sum(not r.ok for _, r in self.fetched)
        return (
            f"{len(self.found)} article(s) found ({statuses['new']} new, {statuses['changed']} changed, "
            f"{statuses['known']} known), {len(self.fetched)} fetched ({archived} archived, {missed} not), "
            f"{len(self.added)} added to the release"
        )


def run_time(now: dt.datetime | None = None) -> str:
    """The time of a run, as the crawl log writes it (UTC, to the second)."""
    return (now or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


def crawl(
    site_url: str | None,
    raw_dir: Path,
    modified_since: dt.date | None = None,
    limit: int | None = None,
    settings: Politeness | None = None,
    client: httpx.Client | None = None,
    progress: Progress = lambda message: None,
    recheck: bool = False,
) -> UpdateReport:
    """Discover the site's articles and archive those new or changed into raw_dir (at most limit,
    modified since a day; with recheck, the known ones too, by a conditional request, so that a
    page changed without a new lastmod, or gone, is noticed), logging the run in the crawl log."""
    site = site_settings(load_reference().site, site_url)
    report = UpdateReport()
    raw_dir.mkdir(parents=True, exist_ok=True)
    run = run_time()
    with Fetcher(raw_dir, settings, client=client, site=site) as fetcher:
        discovery = discover(fetcher, site, raw_dir)
        report.found, report.problems = discovery.found, discovery.problems
        for problem in discovery.problems:
            progress(f"problem: {problem}")
        wanted = [f for f in since(discovery.found, modified_since) if recheck or f.status != "known"]
        for found in wanted[:limit] if limit is not None else wanted:
            fetched = fetcher.fetch(found.url)
            report.fetched.append((found, fetched))
            progress(str(fetched))
    results = {f.url: r for f, r in report.fetched}
    entries = []
    for found in report.found:
        result = results.get(found.url)
        if result is None:
            entries.append(log_entry(run, found))
        else:
            snapshot = result.path.name if result.path is not None else None
            entries.append(log_entry(run, found, result.status, result.reason, snapshot))
    log_entries(raw_dir / CRAWL_LOG, entries)
    return report


def update(
    site_url: str | None = None,
    raw_dir: Path = RAW_DIR,
    root: Path = ROOT,
    modified_since: dt.date | None = None,
    limit: int | None = None,
    settings: Politeness | None = None,
    client: httpx.Client | None = None,
    progress: Progress = lambda message: None,
    recheck: bool = False,
) -> UpdateReport:
    """Crawl the site, then build and publish under root; the report names the articles added."""
    report = crawl(site_url, raw_dir, modified_since, limit, settings, client, progress, recheck)
    archived = {r.path.stem for _, r in report.fetched if r.status == "archived" and r.path is not None}
    report.build = build(root=root, raw_dir=raw_dir, progress=progress)
    report.added = [source for source in report.build.published if source in archived]
    return report
