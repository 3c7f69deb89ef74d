"""Polite HTTP: robots.txt (read by protego, which knows wildcards and `$`), one request per interval
per host, retries with backoff (a Retry-After beyond the cap gives up), checked redirects."""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import httpx
from protego import Protego

from etl.raw.budget import MAX_BYTES
from etl.raw.responses import (
    BodyError,
    FetchError,
    FetchRefused,
    Reply,
    TransientError,
    decode_body,
    describe_status,
    raw_chunks,
)
from etl.raw.snapshots import media_type

DEFAULT_USER_AGENT = "diplodata/0.1 (+open data about Belgian diplomacy)"
DEFAULT_MAX_BYTES = MAX_BYTES  # the budget of a source
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


def utc_now() -> dt.datetime:
    """The current time, in UTC."""
    return dt.datetime.now(dt.UTC)


def origin(url: str) -> str:
    """The scheme, host and port of a URL, e.g. https://diplomatie.belgium.be."""
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii')}"


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


@dataclass(frozen=True)
class Robots:
    """What robots.txt of one origin says: rules (None: everything allowed), or why it is unreachable."""

    parser: Protego | None = None
    unreachable: str | None = None
    crawl_delay: float | None = None


@dataclass(frozen=True)
class Politeness:
    """How to fetch: the clock and sleep (injectable for tests), the user agent, size and time limits,
    attempts per request and the interval between requests to one host."""

    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], dt.datetime] = utc_now
    user_agent: str = DEFAULT_USER_AGENT
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = DEFAULT_TIMEOUT
    max_attempts: int = MAX_ATTEMPTS
    min_interval: float = MIN_INTERVAL


class PoliteClient:
    """GETs URLs politely, sharing robots.txt and request times across calls: robots.txt of each origin
    obeyed, one request per interval per host, 429, 5xx and transient failures retried with backoff."""

    def __init__(self, settings: Politeness | None = None, *, client: httpx.Client | None = None) -> None:
        settings = settings or Politeness()
        self.own_client = client is None
        self.client = client if client is not None else httpx.Client(timeout=settings.timeout)
        self.clock, self.sleep, self.now = settings.clock, settings.sleep, settings.now
        self.user_agent, self.max_bytes, self.timeout = (
            settings.user_agent,
            settings.max_bytes,
            settings.timeout,
        )
        self.max_attempts, self.min_interval = max(1, settings.max_attempts), settings.min_interval
        self.robots: dict[str, Robots] = {}
        self.last_request: dict[str, float] = {}
        self.intervals: dict[str, float] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client, if this fetcher opened it."""
        if self.own_client:
            self.client.close()

    def follow(
        self, url: str, headers: dict[str, str], *, obey_robots: bool, document: bool = False
    ) -> Reply:
        """GET a URL, following up to MAX_REDIRECTS redirects, each hop checked against robots.txt
        (when obeyed); a page must be HTML, a document (a sitemap) may be any type."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            if obey_robots:
                self.check_robots(current, url)
            try:
                reply = self.request(current, headers, page=obey_robots and not document, document=document)
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
        if robots.parser is not None and not robots.parser.can_fetch(url, self.user_agent):
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
        parser = Protego.parse(reply.body.decode("utf-8", errors="replace"))
        delay = parser.crawl_delay(self.user_agent)
        return Robots(parser=parser, crawl_delay=float(delay) if delay is not None else None)

    def request(self, url: str, headers: dict[str, str], *, page: bool, document: bool = False) -> Reply:
        """GET one URL without following redirects, retrying 429, 5xx and transient failures."""
        for attempt in range(1, self.max_attempts + 1):
            last = attempt == self.max_attempts
            tries = f"after {attempt} attempt{'s' if attempt > 1 else ''}"
            try:
                reply = self.request_once(url, headers, page=page, document=document)
            except TransientError as exc:
                if last:
                    raise FetchError(url, f"{exc.reason} ({tries})") from None
                self.sleep(retry_delay(attempt, None))
                continue
            if not is_retryable(reply.status):
                return reply
            if last:
                raise FetchError(url, f"{describe_status(reply.status)} ({tries})")
            asked = parse_retry_after(reply.headers.get("retry-after"), self.now())
            if asked is not None and asked > MAX_DELAY:
                raise FetchError(
                    url,
                    f"{describe_status(reply.status)}: the server asks to retry after {asked:g} s, longer "
                    f"than the {MAX_DELAY:g} s this fetcher waits; try again later",
                )
            delay = retry_delay(attempt, asked)
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

    def request_once(self, url: str, headers: dict[str, str], *, page: bool, document: bool = False) -> Reply:
        """One GET, its body read (2xx only) within the size cap; a page must be HTML."""
        self.wait_turn(url)
        sent = {
            "User-Agent": self.user_agent,
            "Accept": ACCEPT if page else "text/plain,*/*;q=0.5",
            "Accept-Encoding": ACCEPT_ENCODING,
            **headers,
        }
        limit = self.max_bytes if page or document else ROBOTS_MAX_BYTES
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
