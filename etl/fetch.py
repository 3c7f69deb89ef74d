"""Archiving article pages from the web into raw/: each page becomes a snapshot `NNN_<id>.html` (its bytes
as received, after content-decoding) beside its provenance record `NNN_<id>.yml`, fetched politely
(robots.txt, one request per second per host, conditional requests, retries with backoff) and refused
when it is not what it claims to be (not HTML, too large, truncated, wrongly encoded)."""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import Any, Literal
from urllib.robotparser import RobotFileParser

import httpx

from etl.snapshots import (
    ContentError,
    Page,
    Snapshot,
    check_text,
    find_charset,
    latest_snapshot,
    media_type,
    write_snapshot,
)

DEFAULT_USER_AGENT = "diplodata/0.1 (+open data about Belgian diplomacy)"
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_TIMEOUT = 30.0
MAX_REDIRECTS = 5
MAX_ATTEMPTS = 3
MIN_INTERVAL = 1.0
BACKOFF_BASE = 1.0
MAX_DELAY = 60.0
ROBOTS_MAX_BYTES = 512 * 1024
HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
SCHEMES = ("http", "https")
ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
ACCEPT_ENCODING = "gzip"
COMPRESSED = ("gzip", "x-gzip", "deflate")
CHUNK = 64 * 1024

Status = Literal["archived", "unchanged", "not_modified", "refused", "failed"]


class FetchError(Exception):
    """A page that could not be archived; str() is one line naming the URL and the reason."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = " ".join(reason.split())
        super().__init__(f"{url}: {self.reason}")


class FetchRefused(FetchError):
    """A page this fetcher may not or will not archive: robots.txt forbids it, or it is not HTML."""


class TransientError(FetchError):
    """A failure worth another attempt: a timeout, a dropped connection, a truncated body."""


class BodyError(ValueError):
    """A response body that cannot be accepted; `transient` when another attempt may succeed."""

    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.transient = transient


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


@dataclass(frozen=True)
class Reply:
    """One HTTP response, its body read (empty unless the status was 2xx)."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes
    retrieved: dt.datetime


# Pure helpers ----------------------------------------------------------------------------------------


def utc_now() -> dt.datetime:
    """The current time, in UTC."""
    return dt.datetime.now(dt.UTC)


def parse_url_list(text: str) -> list[str]:
    """The URLs of a list, one a line, skipping blank lines and `#` comments."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def origin(url: str) -> str:
    """The scheme, host and port of a URL, e.g. https://diplomatie.belgium.be."""
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"


def check_url(url: str) -> None:
    """Refuse an address that is not an absolute http(s) URL."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(url, f"invalid URL ({exc})") from None
    if parsed.scheme not in SCHEMES or not parsed.host:
        raise FetchError(url, "not an absolute http(s) URL")


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """The seconds a Retry-After header asks to wait (a number or an HTTP date), or None."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def retry_delay(attempt: int, retry_after: float | None) -> float:
    """Seconds to wait after a failed attempt (1-based): Retry-After, else exponential, capped."""
    delay = retry_after if retry_after is not None else BACKOFF_BASE * 2 ** (attempt - 1)
    return min(delay, MAX_DELAY)


def is_retryable(status: int) -> bool:
    """True for the statuses worth another attempt: 429 and 5xx."""
    return status == 429 or 500 <= status <= 599


def describe_status(status: int) -> str:
    """An HTTP status with its phrase, e.g. 'HTTP 404 Not Found'."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def conditional_headers(record: dict[str, Any]) -> dict[str, str]:
    """If-None-Match and If-Modified-Since from a snapshot's record, for those it has."""
    headers: dict[str, str] = {}
    if record.get("etag"):
        headers["If-None-Match"] = str(record["etag"])
    if record.get("last_modified"):
        headers["If-Modified-Since"] = str(record["last_modified"])
    return headers


def decode_body(
    chunks: Iterable[bytes], content_encoding: str | None, max_bytes: int, declared: int | None = None
) -> bytes:
    """A response body from its raw chunks: decompressed (gzip, deflate), never more than max_bytes
    after decompression, and complete (as long as the Content-Length it declared, a whole gzip stream)."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding not in ("", "identity", *COMPRESSED):
        raise BodyError(f"unsupported Content-Encoding {encoding!r}")
    if declared is not None and declared > max_bytes:
        raise BodyError(f"Content-Length {declared} exceeds the size cap of {max_bytes} bytes")
    decoder = zlib.decompressobj(wbits=47) if encoding in COMPRESSED else None
    parts: list[bytes] = []
    received = size = 0
    for chunk in chunks:
        received += len(chunk)
        pending = chunk
        while pending:
            if decoder is None:
                out, pending = pending, b""
            else:
                if decoder.eof:  # another gzip member follows
                    decoder = zlib.decompressobj(wbits=47)
                try:
                    out = decoder.decompress(pending, max_bytes - size + 1)
                except zlib.error as exc:
                    raise BodyError(f"corrupt {encoding} body ({exc})") from None
                pending = decoder.unconsumed_tail or decoder.unused_data
            size += len(out)
            if size > max_bytes:
                raise BodyError(f"body larger than the size cap of {max_bytes} bytes after decompression")
            parts.append(out)
    if declared is not None and received < declared:
        raise BodyError(f"truncated body: received {received} of {declared} bytes", transient=True)
    if decoder is not None and not decoder.eof:
        raise BodyError(f"truncated body: the {encoding} stream ends early", transient=True)
    return b"".join(parts)


def raw_chunks(response: httpx.Response) -> Iterator[bytes]:
    """The raw bytes of a streamed response; a connection closed too early is a truncated body."""
    try:
        yield from response.iter_raw(CHUNK)
    except httpx.RemoteProtocolError as exc:
        raise BodyError(f"truncated body: {exc}", transient=True) from None


# Fetching --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Robots:
    """What robots.txt of one origin says: rules (None: everything allowed), or why it is unreachable."""

    parser: RobotFileParser | None = None
    unreachable: str | None = None
    crawl_delay: float | None = None


class Fetcher:
    """Archives pages into raw/ one at a time, sharing robots.txt and request times across calls."""

    def __init__(
        self,
        raw_dir: Path,
        *,
        client: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], dt.datetime] = utc_now,
        user_agent: str = DEFAULT_USER_AGENT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        timeout: float = DEFAULT_TIMEOUT,
        max_attempts: int = MAX_ATTEMPTS,
        min_interval: float = MIN_INTERVAL,
    ) -> None:
        if not raw_dir.is_dir():
            raise FileNotFoundError(f"{raw_dir}: no such folder to archive pages into")
        self.raw_dir = raw_dir
        self.own_client = client is None
        self.client = client if client is not None else httpx.Client(timeout=timeout)
        self.clock, self.sleep, self.now = clock, sleep, now
        self.user_agent, self.max_bytes, self.timeout = user_agent, max_bytes, timeout
        self.max_attempts, self.min_interval = max(1, max_attempts), min_interval
        self.robots: dict[str, Robots] = {}
        self.last_request: dict[str, float] = {}
        self.intervals: dict[str, float] = {}

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client, if this fetcher opened it."""
        if self.own_client:
            self.client.close()

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
            check_text(reply.body, charset)
        except ContentError as exc:
            raise FetchError(url, str(exc)) from None
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

    def follow(self, url: str, headers: dict[str, str], *, obey_robots: bool) -> Reply:
        """GET a URL, following up to MAX_REDIRECTS redirects, each hop checked against robots.txt."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if obey_robots:
                self.check_robots(current, url)
            try:
                reply = self.request(current, headers, page=obey_robots)
            except FetchError as exc:
                if current == url:
                    raise
                raise type(exc)(url, f"{exc.reason} (at {current})") from None
            if reply.status not in REDIRECT_STATUSES:
                return reply
            location = reply.headers.get("location")
            if not location:
                raise FetchError(url, f"{describe_status(reply.status)} without a Location header")
            current = str(httpx.URL(current).join(location.strip()))
            if httpx.URL(current).scheme not in SCHEMES:
                raise FetchError(url, f"redirect to a non-http(s) address {current}")
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects (the last to {current})")

    def check_robots(self, url: str, requested: str) -> None:
        """Refuse a URL that robots.txt of its host forbids, or whose robots.txt is unreachable."""
        host = origin(url)
        robots = self.robots.get(host)
        if robots is None:
            robots = self.robots[host] = self.read_robots(host)
            if robots.crawl_delay is not None:
                interval = min(max(self.min_interval, robots.crawl_delay), MAX_DELAY)
                self.intervals[httpx.URL(url).netloc.decode("ascii")] = interval
        hop = "" if url == requested else f"redirect to {url}: "
        if robots.unreachable is not None:
            raise FetchRefused(requested, f"{hop}{robots.unreachable}")
        if robots.parser is not None and not robots.parser.can_fetch(self.user_agent, url):
            raise FetchRefused(requested, f"{hop}disallowed by {host}/robots.txt for {self.user_agent}")

    def read_robots(self, host: str) -> Robots:
        """Fetch and parse robots.txt of an origin: 4xx allows everything, unreachable allows nothing."""
        url = f"{host}/robots.txt"
        try:
            reply = self.follow(url, {}, obey_robots=False)
        except FetchError as exc:
            return Robots(unreachable=f"robots.txt unreachable: {exc.reason}; not crawling {host}")
        if 400 <= reply.status < 500:
            return Robots()
        if not 200 <= reply.status < 300:
            reason = describe_status(reply.status)
            return Robots(unreachable=f"robots.txt unreachable: {reason}; not crawling {host}")
        parser = RobotFileParser(url)
        parser.parse(reply.body.decode("utf-8", errors="replace").splitlines())
        delay = parser.crawl_delay(self.user_agent)
        return Robots(parser=parser, crawl_delay=float(delay) if delay is not None else None)

    def request(self, url: str, headers: dict[str, str], *, page: bool) -> Reply:
        """GET one URL without following redirects, retrying 429, 5xx and transient failures."""
        for attempt in range(1, self.max_attempts + 1):
            last = attempt == self.max_attempts
            tries = f"after {attempt} attempt{'s' if attempt > 1 else ''}"
            try:
                reply = self.request_once(url, headers, page=page)
            except TransientError as exc:
                if last:
                    raise FetchError(url, f"{exc.reason} ({tries})") from None
                self.sleep(retry_delay(attempt, None))
                continue
            if not is_retryable(reply.status):
                return reply
            if last:
                raise FetchError(url, f"{describe_status(reply.status)} ({tries})")
            delay = retry_delay(attempt, parse_retry_after(reply.headers.get("retry-after"), self.now()))
            if delay > 0:
                self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def wait_turn(self, url: str) -> None:
        """Sleep until min_interval (or a longer Crawl-delay) has passed since the host's last request."""
        host = httpx.URL(url).netloc.decode("ascii")
        last = self.last_request.get(host)
        if last is not None:
            wait = last + self.intervals.get(host, self.min_interval) - self.clock()
            if wait > 0:
                self.sleep(wait)
        self.last_request[host] = self.clock()

    def request_once(self, url: str, headers: dict[str, str], *, page: bool) -> Reply:
        """One GET, its body read (2xx only) within the size cap; a page must be HTML."""
        self.wait_turn(url)
        sent = {
            "User-Agent": self.user_agent,
            "Accept": ACCEPT if page else "text/plain,*/*;q=0.5",
            "Accept-Encoding": ACCEPT_ENCODING,
            **headers,
        }
        limit = self.max_bytes if page else ROBOTS_MAX_BYTES
        try:
            with self.client.stream(
                "GET", url, headers=sent, timeout=self.timeout, follow_redirects=False
            ) as response:
                retrieved = self.now()
                body = b""
                if 200 <= response.status_code < 300:
                    content_type = response.headers.get("content-type")
                    if page and media_type(content_type) not in HTML_TYPES:
                        shown = content_type or "none"
                        raise FetchRefused(
                            url, f"not an HTML page (Content-Type {shown}); only HTML is archived"
                        )
                    length = response.headers.get("content-length", "")
                    declared = int(length) if length.strip().isdigit() else None
                    encoding = response.headers.get("content-encoding")
                    body = decode_body(raw_chunks(response), encoding, limit, declared)
                return Reply(str(response.url), response.status_code, response.headers, body, retrieved)
        except BodyError as exc:
            raise (TransientError if exc.transient else FetchError)(url, str(exc)) from None
        except httpx.TimeoutException as exc:
            raise TransientError(url, f"timed out after {self.timeout:g} s ({type(exc).__name__})") from None
        except httpx.RemoteProtocolError as exc:
            raise TransientError(url, f"truncated or malformed response ({exc})") from None
        except httpx.UnsupportedProtocol as exc:
            raise FetchError(url, f"unsupported address ({exc})") from None
        except httpx.TransportError as exc:
            raise TransientError(url, f"connection failed ({exc or type(exc).__name__})") from None


def fetch_urls(
    urls: Iterable[str],
    raw_dir: Path,
    *,
    client: httpx.Client | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], dt.datetime] = utc_now,
    user_agent: str = DEFAULT_USER_AGENT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = DEFAULT_TIMEOUT,
    max_attempts: int = MAX_ATTEMPTS,
    min_interval: float = MIN_INTERVAL,
    on_result: Callable[[FetchResult], None] | None = None,
) -> list[FetchResult]:
    """Archive each URL's page into raw_dir, in order; one result per URL, a bad one never stops the rest."""
    results = []
    with Fetcher(
        raw_dir,
        client=client,
        clock=clock,
        sleep=sleep,
        now=now,
        user_agent=user_agent,
        max_bytes=max_bytes,
        timeout=timeout,
        max_attempts=max_attempts,
        min_interval=min_interval,
    ) as fetcher:
        for url in urls:
            result = fetcher.fetch(url)
            results.append(result)
            if on_result is not None:
                on_result(result)
    return results
