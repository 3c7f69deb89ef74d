"""Archiving article pages from the web into raw/: each page becomes a snapshot `NNN_<id>.html` (its bytes
as received, after content-decoding) beside its provenance record `NNN_<id>.yml`, fetched politely
(robots.txt, one request per second per host, conditional requests, retries with backoff) and refused
when it is not what it claims to be (not HTML, too large, truncated, wrongly encoded).

The polite HTTP client (robots.txt, rate limit, retries, redirects) is in politeness.py, its replies
and their bodies in responses.py, the charsets in charsets.py and the snapshot files in snapshots.py
(all in etl/raw/)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx

from etl.raw.budget import over_budget
from etl.raw.charsets import ContentError, check_text, find_charset
from etl.raw.politeness import SCHEMES, PoliteClient, Politeness
from etl.raw.responses import FetchError, FetchRefused, describe_status
from etl.raw.snapshots import Page, Snapshot, latest_snapshot, write_snapshot
from etl.raw.templates import not_an_article
from etl.reference import load_reference

Status = Literal["archived", "unchanged", "not_modified", "refused", "failed"]


@dataclass(frozen=True)
class FetchResult:
    """What became of one URL: archived, unchanged, not_modified, refused or failed."""

    url: str
    status: Status
    path: Path | None
    reason: str

    @property
    def ok(self) -> bool:
        """True when raw/ holds the page as it now is (archived, unchanged or not modified)."""
        return self.status in ("archived", "unchanged", "not_modified")

    def __str__(self) -> str:
        return f"{self.status}: {self.url}: {self.reason}"


def parse_url_list(text: str) -> list[str]:
    """The URLs of a list, one a line, skipping blank lines and `#` comments."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def check_url(url: str) -> None:
    """Refuse an address that is not an absolute http(s) URL."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(url, f"invalid URL ({exc})") from None
    if parsed.scheme not in SCHEMES or not parsed.host:
        raise FetchError(url, "not an absolute http(s) URL")


def conditional_headers(record: dict[str, Any]) -> dict[str, str]:
    """If-None-Match and If-Modified-Since from a snapshot's record, for those it has."""
    headers: dict[str, str] = {}
    if record.get("etag"):
        headers["If-None-Match"] = str(record["etag"])
    if record.get("last_modified"):
        headers["If-Modified-Since"] = str(record["last_modified"])
    return headers


class Fetcher(PoliteClient):
    """Archives pages into raw/ one at a time, sharing robots.txt and request times across calls."""

    def __init__(
        self,
        raw_dir: Path,
        settings: Politeness | None = None,
        *,
        client: httpx.Client | None = None,
        site: dict[str, Any] | None = None,
    ) -> None:
        if not raw_dir.is_dir():
            raise FileNotFoundError(f"{raw_dir}: no such folder to archive pages into")
        self.raw_dir = raw_dir
        self.site = site if site is not None else load_reference().site
        super().__init__(settings, client=client)

    def fetch(self, url: str) -> FetchResult:
        """Archive one page; whatever happens, a result saying what became of it."""
        try:
            return self.archive(url)
        except FetchRefused as exc:
            return FetchResult(url, "refused", None, exc.reason)
        except FetchError as exc:
            return FetchResult(url, "failed", None, exc.reason)
        except OSError as exc:
            return FetchResult(url, "failed", None, f"cannot write the snapshot ({exc})")
        except Exception as exc:  # one bad URL never stops the others
            return FetchResult(url, "failed", None, " ".join(f"{type(exc).__name__}: {exc}".split()))

    def archive(self, url: str) -> FetchResult:
        """Archive one page, raising FetchError (FetchRefused) when it cannot (may not) be."""
        check_url(url)
        previous = latest_snapshot(self.raw_dir, url)
        headers = conditional_headers(previous.record) if previous else {}
        reply = self.follow(url, headers, obey_robots=True)
        if reply.status == 304 and previous is not None and headers:
            return FetchResult(url, "not_modified", previous.path, f"not modified since {previous.id}")
        if reply.status != 200:
            raise FetchError(url, describe_status(reply.status))
        content_type = reply.headers.get("content-type")
        charset = find_charset(content_type, reply.body)
        try:
            text = check_text(reply.body, charset)
        except ContentError as exc:
            raise FetchError(url, str(exc)) from None
        except LookupError:
            raise FetchError(url, f"unknown charset {charset!r}") from None
        refused = over_budget(text, len(reply.body), html=True) or not_an_article(text, self.site)
        if refused is not None:
            raise FetchRefused(url, refused)
        page = Page(
            url=url,
            final_url=reply.url,
            http_status=reply.status,
            content_type=content_type,
            encoding=charset,
            etag=reply.headers.get("etag"),
            last_modified=reply.headers.get("last-modified"),
            retrieved=reply.retrieved,
            body=reply.body,
        )
        return self.store(page, previous)

    def store(self, page: Page, previous: Snapshot | None) -> FetchResult:
        """Write a page as a new snapshot unless its bytes are those of the latest one."""
        digest = hashlib.sha256(page.body).hexdigest()
        if previous is not None and previous.path.exists() and digest == previous.sha256:
            return FetchResult(page.url, "unchanged", previous.path, f"unchanged since {previous.id}")
        path = write_snapshot(self.raw_dir, page, previous.id if previous else None)
        return FetchResult(page.url, "archived", path, f"archived as {path.name} ({len(page.body)} bytes)")


def fetch_urls(
    urls: Iterable[str],
    raw_dir: Path,
    settings: Politeness | None = None,
    *,
    client: httpx.Client | None = None,
    on_result: Callable[[FetchResult], None] | None = None,
    site: dict[str, Any] | None = None,
) -> list[FetchResult]:
    """Archive each URL's page into raw_dir, in order; one result per URL, a bad one never stops the rest."""
    results = []
    with Fetcher(raw_dir, settings, client=client, site=site) as fetcher:
        for url in urls:
            result = fetcher.fetch(url)
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results
