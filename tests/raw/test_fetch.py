"""Archiving pages into raw/: polite, robust fetching, tested against HTTP servers started on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from etl.layout import RAW_DIR
from etl.raw import snapshots
from etl.raw.charsets import ContentError, check_text, find_charset
from etl.raw.fetch import FetchResult, fetch_urls, parse_url_list
from etl.raw.politeness import DEFAULT_USER_AGENT, Politeness, parse_retry_after, retry_delay
from etl.raw.responses import BodyError, FetchError, decode_body
from etl.raw.snapshots import Page, latest_snapshot, url_language, url_publisher
from etl.raw.sources import read_record

SEED = RAW_DIR / "000_03760b43a54f4e20.txt"
SEED_URL = (
    "https://diplomatie.belgium.be/en/news/"
    "diplomatic-contact-days-2025-how-belgian-diplomacy-can-deal-todays-diplomatic-challenges"
)
START = dt.datetime(2026, 11, 27, 20, 15, 3, tzinfo=dt.UTC)
LAST_MODIFIED = "Fri, 27 Nov 2026 10:00:00 GMT"
HTML = "text/html; charset=utf-8"
FILLER = (
    "The heads of post met the regions, the employers' federations and the directorates-general of the "
    "FPS during a full week of sessions."
)


def article(words: str, charset: str = "utf-8") -> str:
    """An article page in the site's template: its body holds the words and enough running text."""
    return (
        f'<!doctype html><html lang="en"><head><meta charset="{charset}"><title>Contact days</title></head>'
        f'<body><article><div class="field--name-body"><p>{words}</p><p>{FILLER}</p></div></article>'
        "</body></html>"
    )


PAGE = article("Belgium has 120 posts abroad — a café in Brussels, the minister’s words.").encode()
PAGE_2 = PAGE.replace(b"120", b"121")
ROBOTS_PRIVATE = b"User-agent: *\nDisallow: /\n\nUser-agent: diplodata\nDisallow: /private/\n"


# A clock that only moves when slept on, and HTTP servers whose answers each test sets -----------------


class FakeClock:
    """Monotonic seconds and UTC time that advance only by the sleeps asked of them, all recorded."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds

    def now(self) -> dt.datetime:
        return START + dt.timedelta(seconds=self.t)


@dataclass
class Reply:
    """What a test server answers: status, headers, body; optionally late, or cut short."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": HTML})
    stall: float = 0.0
    truncate: int | None = None


@dataclass
class Hit:
    """One request a test server received, at the fake clock's time."""

    path: str
    headers: dict[str, str]
    time: float


Route = Reply | list[Reply] | Callable[[dict[str, str]], Reply]


class QuietServer(ThreadingHTTPServer):
    """A threaded server that does not wait for its handlers on close nor print their broken pipes."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class Server:
    """A threaded HTTP/1.1 server on 127.0.0.1 answering each path as its route says (404 otherwise)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self.stop = threading.Event()
        self.httpd = QuietServer(("127.0.0.1", 0), self.handler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,), daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def paths(self, path: str) -> list[Hit]:
        return [hit for hit in self.hits if hit.path == path]

    def answer(self, path: str, headers: dict[str, str]) -> Reply:
        route = self.routes.get(path, Reply(404, b"not found"))
        if isinstance(route, list):
            return route.pop(0) if len(route) > 1 else route[0]
        return route(headers) if callable(route) else route

    def handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                headers = dict(self.headers.items())
                server.hits.append(Hit(self.path, headers, server.clock.t))
                reply = server.answer(self.path, headers)
                if reply.stall:
                    server.stop.wait(reply.stall)
                self.send_response(reply.status)
                sent = {"Content-Length": str(len(reply.body)), **reply.headers}
                for name, value in sent.items():
                    if value and not (name == "Content-Length" and reply.status in (204, 304)):
                        self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body[: reply.truncate])
                self.wfile.flush()
                if reply.truncate is not None or not sent["Content-Length"]:
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_server(clock: FakeClock) -> Iterator[Callable[[], Server]]:
    started: list[Server] = []

    def start() -> Server:
        started.append(Server(clock))
        return started[-1]

    yield start
    for server in started:
        server.close()


@pytest.fixture
def server(make_server: Callable[[], Server]) -> Server:
    return make_server()


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """A raw folder holding the seed and its record, as the project's does."""
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(SEED, folder)
    shutil.copy(SEED.with_suffix(".yml"), folder)
    return folder


def run(
    urls: list[str],
    raw_dir: Path,
    clock: FakeClock,
    on_result: Callable[[FetchResult], None] | None = None,
    **options: Any,
) -> list[FetchResult]:
    """fetch_urls on the fake clock, with a client that ignores proxy settings."""
    with httpx.Client(trust_env=False) as client:
        settings = Politeness(clock=clock.clock, sleep=clock.sleep, now=clock.now, **options)
        return fetch_urls(urls, raw_dir, settings, client=client, on_result=on_result)


def added(raw_dir: Path) -> list[str]:
    """The files of a raw folder besides the seed, temporary ones included."""
    return sorted(p.name for p in raw_dir.iterdir() if not p.name.startswith("000_"))


def stem(sequence: int, url: str) -> str:
    return f"{sequence:03d}_{hashlib.sha256(url.encode()).hexdigest()[:16]}"


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Archiving and provenance -------------------------------------------------------------------------------


def test_fetch_urls_archives_page_with_provenance_record(server: Server, raw: Path, clock: FakeClock) -> None:
    headers = {"Content-Type": "text/html; charset=UTF-8", "ETag": '"v1"', "Last-Modified": LAST_MODIFIED}
    server.routes["/en/news/contact-days"] = Reply(body=PAGE, headers=headers)
    url = server.url("/en/news/contact-days")
    [result] = run([url], raw, clock)
    name = stem(1, url)
    assert (result.url, result.status, result.path) == (url, "archived", raw / f"{name}.html")
    assert result.ok and name in result.reason
    assert added(raw) == [f"{name}.html", f"{name}.yml"]
    assert (raw / f"{name}.html").read_bytes() == PAGE
    text = (raw / f"{name}.yml").read_text(encoding="utf-8")
    record = yaml.safe_load(text)
    assert text.startswith("# Provenance record") and list(record)[:3] == ["id", "file", "url"]
    assert record == {
        "id": name,
        "file": f"{name}.html",
        "url": url,
        "final_url": url,
        "title": None,
        "language": "en",
        "publisher": None,
        "format": "text/html",
        "encoding": "utf-8",
        "bytes": len(PAGE),
        "sha256": hashlib.sha256(PAGE).hexdigest(),
        "retrieved": "2026-11-27T20:15:04Z",  # robots.txt at 20:15:03, the page a second later
        "archived": dt.date(2026, 11, 27),
        "http_status": 200,
        "content_type": "text/html; charset=UTF-8",
        "etag": '"v1"',
        "last_modified": LAST_MODIFIED,
        "previous": None,
    }
    assert read_record(raw / f"{name}.yml")["id"] == name  # the build's reader accepts it


def test_fetch_urls_archives_gzip_body_decoded(server: Server, raw: Path, clock: FakeClock) -> None:
    headers = {"Content-Type": HTML, "Content-Encoding": "gzip"}
    server.routes["/fr/news/a"] = Reply(body=gzip.compress(PAGE), headers=headers)
    [result] = run([server.url("/fr/news/a")], raw, clock)
    assert result.status == "archived" and result.path is not None
    assert result.path.read_bytes() == PAGE
    record = yaml.safe_load(result.path.with_suffix(".yml").read_text(encoding="utf-8"))
    assert (record["bytes"], record["language"]) == (len(PAGE), "fr")
    assert server.paths("/fr/news/a")[0].headers["Accept-Encoding"] == "gzip"


def test_fetch_urls_writes_new_snapshot_when_content_changes(
    server: Server, raw: Path, clock: FakeClock
) -> None:
    url = server.url("/en/a")
    server.routes["/en/a"] = Reply(body=PAGE)
    [first] = run([url], raw, clock)
    server.routes["/en/a"] = Reply(body=PAGE_2)
    [second] = run([url], raw, clock)
    assert (first.status, second.status) == ("archived", "archived")
    assert first.path == raw / f"{stem(1, url)}.html" and second.path == raw / f"{stem(2, url)}.html"
    assert first.path.read_bytes() == PAGE and second.path.read_bytes() == PAGE_2
    assert first.path.stat().st_mode & 0o222 == 0  # snapshots are read-only
    record = yaml.safe_load(second.path.with_suffix(".yml").read_text(encoding="utf-8"))
    assert record["previous"] == stem(1, url) and record["id"] == stem(2, url)
    assert len(added(raw)) == 4


def test_fetch_urls_reports_unchanged_content(server: Server, raw: Path, clock: FakeClock) -> None:
    url = server.url("/en/a")
    server.routes["/en/a"] = Reply(body=PAGE)
    [first] = run([url], raw, clock)
    before = added(raw)
    [second] = run([url], raw, clock)
    assert (second.status, second.path) == ("unchanged", first.path)
    assert stem(1, url) in second.reason and added(raw) == before


def test_fetch_urls_sends_conditional_headers_and_honours_304(
    server: Server, raw: Path, clock: FakeClock
) -> None:
    def page(headers: dict[str, str]) -> Reply:
        if headers.get("If-None-Match") == '"v1"':
            return Reply(304, headers={"ETag": '"v1"'})
        return Reply(
            body=PAGE, headers={"Content-Type": HTML, "ETag": '"v1"', "Last-Modified": LAST_MODIFIED}
        )

    server.routes["/en/a"] = page
    url = server.url("/en/a")
    [first] = run([url], raw, clock)
    before = added(raw)
    [second] = run([url], raw, clock)
    assert (second.status, second.path, second.ok) == ("not_modified", first.path, True)
    first_request, second_request = server.paths("/en/a")
    assert "If-None-Match" not in first_request.headers
    assert second_request.headers["If-None-Match"] == '"v1"'
    assert second_request.headers["If-Modified-Since"] == LAST_MODIFIED
    assert added(raw) == before


# robots.txt -----------------------------------------------------------------------------------------


def test_fetch_urls_reads_robots_once_per_host(server: Server, raw: Path, clock: FakeClock) -> None:
    server.routes["/robots.txt"] = Reply(
        body=b"User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"}
    )
    server.routes["/en/a"] = Reply(body=PAGE)
    server.routes["/en/b"] = Reply(body=PAGE_2)
    results = run([server.url("/en/a"), server.url("/en/b")], raw, clock)
    assert [r.status for r in results] == ["archived", "archived"]
    assert len(server.paths("/robots.txt")) == 1


@pytest.mark.parametrize("status", [404, 403, 410])
def test_fetch_urls_allows_everything_when_robots_is_missing(
    server: Server, raw: Path, clock: FakeClock, status: int
) -> None:
    server.routes["/robots.txt"] = Reply(status, b"no")
    server.routes["/en/a"] = Reply(body=PAGE)
    [result] = run([server.url("/en/a")], raw, clock)
    assert result.status == "archived"


@pytest.mark.parametrize(
    ("robots", "reason"),
    [
        (Reply(503, b"down"), "HTTP 503 Service Unavailable (after 3 attempts)"),
        (Reply(body=b"User-agent: *\nAllow: /\n", stall=5), "timed out after 0.2 s"),
        (None, "connection failed"),
    ],
)
def test_fetch_urls_refuses_host_when_robots_is_unreachable(
    server: Server, raw: Path, clock: FakeClock, robots: Reply | None, reason: str
) -> None:
    server.routes["/en/a"] = server.routes["/en/b"] = Reply(body=PAGE)
    if robots is None:
        base = f"http://127.0.0.1:{closed_port()}"
        urls = [f"{base}/en/a", f"{base}/en/b"]
    else:
        server.routes["/robots.txt"] = robots
        urls = [server.url("/en/a"), server.url("/en/b")]
    started = time.monotonic()
    results = run(urls, raw, clock, timeout=0.2)
    assert time.monotonic() - started < 4
    for result in results:
        assert (result.status, result.path, result.ok) == ("refused", None, False)
        assert "robots.txt unreachable" in result.reason and reason in result.reason
    assert not server.paths("/en/a") and not server.paths("/en/b") and added(raw) == []
    assert len(server.paths("/robots.txt")) == (3 if robots is not None else 0)  # one fetch, 3 attempts


def test_fetch_urls_refuses_paths_robots_disallows(server: Server, raw: Path, clock: FakeClock) -> None:
    server.routes["/robots.txt"] = Reply(body=ROBOTS_PRIVATE, headers={"Content-Type": "text/plain"})
    server.routes["/en/public"] = server.routes["/private/secret"] = Reply(body=PAGE)
    public, private = run([server.url("/en/public"), server.url("/private/secret")], raw, clock)
    assert public.status == "archived"
    assert (
        private.status == "refused" and "disallowed by" in private.reason and "robots.txt" in private.reason
    )
    assert not server.paths("/private/secret")
    assert {hit.headers["User-Agent"] for hit in server.hits} == {DEFAULT_USER_AGENT}


def test_fetch_urls_honours_the_user_agent_it_sends(server: Server, raw: Path, clock: FakeClock) -> None:
    server.routes["/robots.txt"] = Reply(body=ROBOTS_PRIVATE, headers={"Content-Type": "text/plain"})
    server.routes["/en/public"] = Reply(body=PAGE)
    [result] = run([server.url("/en/public")], raw, clock, user_agent="otherbot/2.0")
    assert result.status == "refused" and "otherbot/2.0" in result.reason
    assert [hit.headers["User-Agent"] for hit in server.hits] == ["otherbot/2.0"]


# Politeness and retries ------------------------------------------------------------------------------


def test_fetch_urls_spaces_requests_to_a_host_by_a_second(
    make_server: Callable[[], Server], raw: Path, clock: FakeClock
) -> None:
    first, second = make_server(), make_server()
    for server in (first, second):
        server.routes["/en/1"] = Reply(body=PAGE)
        server.routes["/en/2"] = Reply(body=PAGE_2)
        server.routes["/en/3"] = Reply(body=PAGE + b" ")
    urls = [first.url("/en/1"), first.url("/en/2"), second.url("/en/1"), first.url("/en/3")]
    started = time.monotonic()
    results = run(urls, raw, clock)
    assert [r.status for r in results] == ["archived"] * 4
    assert [hit.time for hit in first.hits] == [0.0, 1.0, 2.0, 3.0]  # robots.txt counts too
    assert [hit.time for hit in second.hits] == [2.0, 3.0]  # another host does not wait for the first
    assert clock.sleeps == [1.0, 1.0, 1.0] and time.monotonic() - started < 2


def test_fetch_urls_honours_a_longer_crawl_delay(server: Server, raw: Path, clock: FakeClock) -> None:
    server.routes["/robots.txt"] = Reply(body=b"User-agent: *\nCrawl-delay: 5\n", headers={})
    server.routes["/en/1"] = Reply(body=PAGE)
    server.routes["/en/2"] = Reply(body=PAGE_2)
    results = run([server.url("/en/1"), server.url("/en/2")], raw, clock)
    assert [r.status for r in results] == ["archived", "archived"]
    assert [hit.time for hit in server.hits] == [0.0, 5.0, 10.0]  # robots.txt at 0, then every 5 s


def test_fetch_urls_retries_with_exponential_backoff(server: Server, raw: Path, clock: FakeClock) -> None:
    server.routes["/en/a"] = [Reply(503, b"busy"), Reply(502, b"bad"), Reply(body=PAGE)]
    [result] = run([server.url("/en/a")], raw, clock)
    assert result.status == "archived"
    assert [hit.time for hit in server.paths("/en/a")] == [1.0, 2.0, 4.0]
    assert clock.sleeps == [1.0, 1.0, 2.0]  # one second since robots.txt, then backoff 1 s and 2 s


@pytest.mark.parametrize(
    ("retry_after", "delay"),
    [("7", 7.0), (format_datetime(START + dt.timedelta(seconds=31), usegmt=True), 30.0), ("60", 60.0)],
)
def test_fetch_urls_honours_retry_after(
    server: Server, raw: Path, clock: FakeClock, retry_after: str, delay: float
) -> None:
    server.routes["/en/a"] = [Reply(429, b"slow down", {"Retry-After": retry_after}), Reply(body=PAGE)]
    [result] = run([server.url("/en/a")], raw, clock)
    assert result.status == "archived"
    assert clock.sleeps == [1.0, delay]


@pytest.mark.parametrize("retry_after", ["120", "3600"])
def test_fetch_urls_gives_up_when_retry_after_exceeds_the_cap(
    server: Server, raw: Path, clock: FakeClock, retry_after: str
) -> None:
    server.routes["/en/a"] = [Reply(503, b"busy", {"Retry-After": retry_after}), Reply(body=PAGE)]
    [result] = run([server.url("/en/a")], raw, clock)
    assert result.status == "failed" and f"retry after {retry_after} s, longer than the 60 s" in result.reason
    assert clock.sleeps == [1.0] and len(server.paths("/en/a")) == 1 and added(raw) == []


def test_fetch_urls_fails_after_the_last_attempt(server: Server, raw: Path, clock: FakeClock) -> None:
    server.routes["/en/a"] = Reply(503, b"busy")
    [result] = run([server.url("/en/a")], raw, clock)
    assert (result.status, result.path) == ("failed", None)
    assert result.reason == "HTTP 503 Service Unavailable (after 3 attempts)"
    assert len(server.paths("/en/a")) == 3 and added(raw) == []


def test_fetch_urls_times_out_on_a_slow_server(server: Server, raw: Path, clock: FakeClock) -> None:
    server.routes["/en/a"] = Reply(body=PAGE, stall=5)
    started = time.monotonic()
    [result] = run([server.url("/en/a")], raw, clock, timeout=0.2)
    assert time.monotonic() - started < 3
    assert result.status == "failed" and "timed out after 0.2 s" in result.reason
    assert added(raw) == []


# Refusing what is not a whole, well-encoded HTML page -----------------------------------------------------


def test_fetch_urls_refuses_a_gzip_bomb(server: Server, raw: Path, clock: FakeClock) -> None:
    bomb = gzip.compress(b"<p>" + b" " * (6 * 1024 * 1024))
    assert len(bomb) < 100_000
    server.routes["/en/a"] = Reply(body=bomb, headers={"Content-Type": HTML, "Content-Encoding": "gzip"})
    [result] = run([server.url("/en/a")], raw, clock)
    assert result.status == "failed"
    assert "larger than the size cap of 5242880 bytes after decompression" in result.reason
    assert added(raw) == []


@pytest.mark.parametrize(
    ("length", "reason"),
    [("2000", "Content-Length 2000 exceeds the size cap of 1000 bytes"), ("", "larger than the size cap")],
)
def test_fetch_urls_refuses_a_body_over_the_size_cap(
    server: Server, raw: Path, clock: FakeClock, length: str, reason: str
) -> None:
    server.routes["/en/a"] = Reply(
        body=b"<p>" + b"a" * 1997, headers={"Content-Type": HTML, "Content-Length": length}
    )
    [result] = run([server.url("/en/a")], raw, clock, max_bytes=1000)
    assert result.status == "failed" and reason in result.reason and added(raw) == []


def test_fetch_urls_rejects_a_truncated_body(server: Server, raw: Path, clock: FakeClock) -> None:
    server.routes["/en/a"] = Reply(body=PAGE, truncate=50)
    [result] = run([server.url("/en/a")], raw, clock)
    assert result.status == "failed"
    assert result.reason.startswith("truncated body: ") and result.reason.endswith("(after 3 attempts)")
    assert f"received 50 bytes, expected {len(PAGE)}" in result.reason
    assert added(raw) == []


def test_fetch_urls_rejects_bytes_invalid_in_declared_charset(
    server: Server, raw: Path, clock: FakeClock
) -> None:
    server.routes["/en/a"] = Reply(body=article("Un café à Bruxelles").encode("latin-1"))
    [result] = run([server.url("/en/a")], raw, clock)
    assert result.status == "failed"
    offset = article("Un café à Bruxelles").index("é")
    assert result.reason == f"bytes are not valid utf-8 (byte 0xe9 at offset {offset})" and added(raw) == []


@pytest.mark.parametrize(
    ("content_type", "body", "garbled"),
    [
        ("text/html; charset=iso-8859-1", "<p>Un café</p>".encode(), "Ã©"),
        ("text/html; charset=windows-1252", "<p>the minister’s words</p>".encode(), "â€™"),
        (HTML, "<p>the minister’s words</p>".encode().decode("cp1252").encode(), "â€™"),
    ],
)
def test_fetch_urls_rejects_mojibake(
    server: Server, raw: Path, clock: FakeClock, content_type: str, body: bytes, garbled: str
) -> None:
    server.routes["/en/a"] = Reply(body=body, headers={"Content-Type": content_type})
    [result] = run([server.url("/en/a")], raw, clock)
    assert result.status == "failed" and result.reason.startswith("mojibake: ") and garbled in result.reason
    assert added(raw) == []


def test_fetch_urls_refuses_latin1_bytes_labelled_baltic(server: Server, raw: Path, clock: FakeClock) -> None:
    body = article("Réunion à Genève, près de la gare, déjà prévue.").encode("latin-1")
    server.routes["/fr/a"] = Reply(body=body, headers={"Content-Type": "text/html; charset=windows-1257"})
    [result] = run([server.url("/fr/a")], raw, clock)
    assert result.status == "failed" and "charset label looks wrong" in result.reason and added(raw) == []


def test_fetch_urls_reads_iso_8859_1_as_windows_1252(server: Server, raw: Path, clock: FakeClock) -> None:
    body = article("“Our posts serve every Belgian,” the minister’s adviser said.").encode("cp1252")
    server.routes["/en/a"] = Reply(body=body, headers={"Content-Type": "text/html; charset=ISO-8859-1"})
    [result] = run([server.url("/en/a")], raw, clock)
    assert result.status == "archived" and result.path is not None
    record = read_record(result.path.with_suffix(".yml"))
    assert record["encoding"] == "windows-1252"
    assert "“Our posts serve every Belgian,”" in result.path.read_bytes().decode(record["encoding"])


def test_fetch_urls_lets_a_bom_win_over_the_header(server: Server, raw: Path, clock: FakeClock) -> None:
    body = ("\ufeff" + article("Un café à Bruxelles, déjà.")).encode()
    server.routes["/fr/a"] = Reply(body=body, headers={"Content-Type": "text/html; charset=iso-8859-1"})
    [result] = run([server.url("/fr/a")], raw, clock)
    assert result.status == "archived" and result.path is not None
    assert read_record(result.path.with_suffix(".yml"))["encoding"] == "utf-8"


def test_fetch_urls_obeys_robots_wildcards(server: Server, raw: Path, clock: FakeClock) -> None:
    robots = b"User-agent: *\nDisallow: /*?q=\nDisallow: /*.pdf$\n"
    server.routes["/robots.txt"] = Reply(body=robots, headers={"Content-Type": "text/plain"})
    server.routes["/en/search?q=embassy"] = Reply(body=PAGE)
    server.routes["/en/a"] = Reply(body=PAGE)
    searched, page = run([server.url("/en/search?q=embassy"), server.url("/en/a")], raw, clock)
    assert searched.status == "refused" and "disallowed by" in searched.reason
    assert page.status == "archived" and server.paths("/en/search?q=embassy") == []


def test_fetch_urls_records_the_charset_of_a_meta_tag(server: Server, raw: Path, clock: FakeClock) -> None:
    body = article("Un café", "windows-1252").encode("cp1252")
    server.routes["/nl/a"] = Reply(body=body, headers={"Content-Type": "text/html"})
    [result] = run([server.url("/nl/a")], raw, clock)
    assert result.status == "archived" and result.path is not None and result.path.read_bytes() == body
    record = yaml.safe_load(result.path.with_suffix(".yml").read_text(encoding="utf-8"))
    assert (record["encoding"], record["language"]) == ("windows-1252", "nl")


def test_fetch_urls_refuses_non_html(server: Server, raw: Path, clock: FakeClock) -> None:
    server.routes["/en/report.pdf"] = Reply(body=b"%PDF-1.7 ...", headers={"Content-Type": "application/pdf"})
    [result] = run([server.url("/en/report.pdf")], raw, clock)
    assert result.status == "refused"
    assert "not an HTML page (Content-Type application/pdf)" in result.reason and added(raw) == []


# Redirects -----------------------------------------------------------------------------------------------


def test_fetch_urls_follows_redirects_and_records_final_url(
    server: Server, raw: Path, clock: FakeClock
) -> None:
    server.routes["/news/old"] = Reply(301, headers={"Location": "/en/news/new"})
    server.routes["/en/news/new"] = Reply(body=PAGE)
    url = server.url("/news/old")
    [result] = run([url], raw, clock)
    assert result.status == "archived" and result.path == raw / f"{stem(1, url)}.html"
    record = yaml.safe_load(result.path.with_suffix(".yml").read_text(encoding="utf-8"))
    assert (record["url"], record["final_url"]) == (url, server.url("/en/news/new"))
    assert record["language"] == "en"


@pytest.mark.parametrize(("hops", "status"), [(5, "archived"), (6, "failed")])
def test_fetch_urls_follows_at_most_five_redirects(
    server: Server, raw: Path, clock: FakeClock, hops: int, status: str
) -> None:
    for hop in range(hops):
        server.routes[f"/en/{hop}"] = Reply(302, headers={"Location": server.url(f"/en/{hop + 1}")})
    server.routes[f"/en/{hops}"] = Reply(body=PAGE)
    [result] = run([server.url("/en/0")], raw, clock)
    assert result.status == status
    if status == "failed":
        assert "more than 5 redirects" in result.reason and not server.paths(f"/en/{hops}")


@pytest.mark.parametrize(
    ("robots", "status"), [(ROBOTS_PRIVATE, "refused"), (b"User-agent: *\n", "archived")]
)
def test_fetch_urls_checks_robots_of_the_redirect_target_host(
    make_server: Callable[[], Server], raw: Path, clock: FakeClock, robots: bytes, status: str
) -> None:
    here, there = make_server(), make_server()
    here.routes["/en/go"] = Reply(302, headers={"Location": there.url("/private/page")})
    there.routes["/robots.txt"] = Reply(body=robots, headers={"Content-Type": "text/plain"})
    there.routes["/private/page"] = Reply(body=PAGE)
    [result] = run([here.url("/en/go")], raw, clock)
    assert result.status == status and len(there.paths("/robots.txt")) == 1
    if status == "refused":
        assert f"redirect to {there.url('/private/page')}" in result.reason and "disallowed" in result.reason
        assert not there.paths("/private/page") and added(raw) == []
    else:
        assert result.path is not None
        record = yaml.safe_load(result.path.with_suffix(".yml").read_text(encoding="utf-8"))
        assert record["final_url"] == there.url("/private/page")


# One URL at a time, whatever happens -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            '<article><div class="field--name-body"><p>Please log in to continue.</p></div></article>',
            "login wall",
        ),
        ("<main><p>This site uses cookies. Accept all cookies?</p></main>", "cookie wall"),
        ('<article><div class="field--name-body"></div></article>', "empty template"),
        ("<div><p>Hello</p></div>", "no article structure"),
    ],
)
def test_fetch_urls_refuses_a_page_that_is_no_article(
    server: Server, raw: Path, clock: FakeClock, body: str, reason: str
) -> None:
    server.routes["/en/a"] = Reply(body=f"<html><body>{body}</body></html>".encode())
    [result] = run([server.url("/en/a")], raw, clock)
    assert result.status == "refused" and reason in result.reason and added(raw) == []


def test_fetch_urls_keeps_going_after_bad_urls(server: Server, raw: Path, clock: FakeClock) -> None:
    server.routes["/en/good"] = Reply(body=PAGE)
    urls = [
        "ftp://example.org/file",
        "not a url",
        server.url("/en/missing"),
        f"http://127.0.0.1:{closed_port()}/en/a",
        server.url("/en/good"),
    ]
    seen: list[FetchResult] = []
    results = run(urls, raw, clock, on_result=seen.append)
    assert [r.status for r in results] == ["failed", "failed", "failed", "refused", "archived"]
    assert [r.url for r in results] == urls and seen == results
    assert results[0].reason == "not an absolute http(s) URL"
    assert results[2].reason == "HTTP 404 Not Found"


def test_fetch_urls_refuses_a_missing_raw_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no such folder"):
        fetch_urls(["https://example.org/a"], tmp_path / "absent")


def test_fetch_urls_uses_its_own_client_when_none_given(
    server: Server, raw: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    server.routes["/en/a"] = Reply(body=PAGE)
    [result] = fetch_urls(
        [server.url("/en/a")], raw, Politeness(clock=clock.clock, sleep=clock.sleep, now=clock.now)
    )
    assert result.status == "archived"
    assert server.paths("/en/a")[0].headers["User-Agent"] == DEFAULT_USER_AGENT


@pytest.mark.parametrize("failing", ["link", "fsync"])
def test_write_snapshot_leaves_nothing_when_interrupted(
    server: Server, raw: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    real_link, real_fsync = os.link, os.fsync

    def link(source: Any, target: Any, **options: Any) -> None:
        if str(target).endswith(".yml"):  # the page is in place, its record is not
            raise OSError("disk full")
        real_link(source, target, **options)

    def fsync(handle: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "link", link if failing == "link" else real_link)
    monkeypatch.setattr(os, "fsync", fsync if failing == "fsync" else real_fsync)
    server.routes["/en/a"] = Reply(body=PAGE)
    [result] = run([server.url("/en/a")], raw, clock)
    assert result.status == "failed" and result.reason == "cannot write the snapshot (disk full)"
    assert added(raw) == []


def test_write_snapshot_never_overwrites_an_existing_file(raw: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "https://diplomatie.belgium.be/fr/a"
    stray = raw / f"{stem(1, url)}.html"
    stray.write_bytes(b"old")
    monkeypatch.setattr(snapshots, "next_sequence", lambda folder: 1)  # as if another writer raced us
    page = Page(url, url, 200, HTML, "utf-8", None, None, START, PAGE)
    path = snapshots.write_snapshot(raw, page, None)
    assert path == raw / f"{stem(2, url)}.html" and stray.read_bytes() == b"old"
    record = yaml.safe_load(path.with_suffix(".yml").read_text(encoding="utf-8"))
    assert record["publisher"] == "FPS Foreign Affairs, Foreign Trade and Development Cooperation"
    assert record["language"] == "fr"


# Pure helpers --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body", "charset"),
    [
        ("text/html; charset=ISO-8859-1", b'\xef\xbb\xbf<meta charset="utf-8">', "utf-8"),
        ('text/html; charset="utf-8"', b"", "utf-8"),
        ("text/html", b'\xef\xbb\xbf<meta charset="windows-1252">', "utf-8"),
        ("text/html", b"\xff\xfe<\x00p\x00>\x00", "utf-16le"),
        ("text/html; charset=utf-8", b'<head><meta charset="windows-1252"></head>', "utf-8"),
        (None, b'<head><meta charset="windows-1252"></head>', "windows-1252"),
        ("text/html; charset=ISO-8859-1", b"<p>caf\xe9</p>", "windows-1252"),
        ("text/html; charset=us-ascii", b"<p>cafe</p>", "windows-1252"),
        (
            "text/html",
            b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">',
            "iso-8859-15",
        ),
        ("text/html", b"<p>no charset anywhere</p>", "utf-8"),
    ],
)
def test_find_charset_prefers_bom_then_header_then_meta(
    content_type: str | None, body: bytes, charset: str
) -> None:
    assert find_charset(content_type, body) == charset


@pytest.mark.parametrize(
    ("body", "charset", "reason"),
    [
        ("Un café à Bruxelles".encode(), "windows-1252", "mojibake"),
        ("the minister’s words".encode(), "windows-1252", "mojibake"),
        (
            "Réunion à Genève, déjà prévue, près".encode("latin-1"),
            "windows-1257",
            "charset label looks wrong",
        ),
        (b"", "utf-8", "empty body"),
        (b"<p>\x00</p>", "utf-8", "binary content"),
    ],
)
def test_check_text_refuses_text_read_wrong(body: bytes, charset: str, reason: str) -> None:
    with pytest.raises(ContentError, match=reason):
        check_text(body, charset)


@pytest.mark.parametrize(
    "text",
    [
        "À propos: déjà vu à São Paulo – Ça va ? Ständige Vertretung, 5 € «oui»",
        "Ô ciel ! Ê Ë Ï Œuvre œuvre, Łukasz Dvořák à Gdańsk",
        "Het Egmontpaleis in Brussel, België",
    ],
)
def test_check_text_passes_the_languages_letters(text: str) -> None:
    assert check_text(("\ufeff" + text).encode(), "utf-8") == text


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (format_datetime(START + dt.timedelta(seconds=90), usegmt=True), 90.0),
        (format_datetime(START - dt.timedelta(seconds=90), usegmt=True), 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_parse_retry_after_reads_seconds_and_dates(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, START) == seconds


def test_retry_delay_doubles_and_is_capped() -> None:
    assert [retry_delay(attempt, None) for attempt in (1, 2, 3)] == [1.0, 2.0, 4.0]
    assert retry_delay(1, 5.0) == 5.0 and retry_delay(1, 3600.0) == 60.0 and retry_delay(10, None) == 60.0


def test_decode_body_reads_gzip_in_any_chunks() -> None:
    packed = gzip.compress(PAGE) + gzip.compress(PAGE_2)  # two gzip members
    chunks = [packed[i : i + 7] for i in range(0, len(packed), 7)]
    assert decode_body(chunks, "gzip", 10_000, len(packed)) == PAGE + PAGE_2


@pytest.mark.parametrize(
    ("chunks", "encoding", "declared", "reason"),
    [
        ([gzip.compress(PAGE)[:40]], "gzip", 40, "the gzip stream ends early"),
        ([PAGE[:10]], None, len(PAGE), f"truncated body: received 10 of {len(PAGE)} bytes"),
        ([b"\x00\x01garbage"], "gzip", None, "corrupt gzip body"),
        ([PAGE], "br", None, "unsupported Content-Encoding 'br'"),
    ],
)
def test_decode_body_refuses_incomplete_or_unknown_bodies(
    chunks: list[bytes], encoding: str | None, declared: int | None, reason: str
) -> None:
    with pytest.raises(BodyError, match=reason):
        decode_body(chunks, encoding, 10_000, declared)


@pytest.mark.parametrize(
    ("url", "language", "publisher"),
    [
        (SEED_URL, "en", "FPS Foreign Affairs, Foreign Trade and Development Cooperation"),
        (
            "https://diplomatie.belgium.be/nl/nieuws/x",
            "nl",
            "FPS Foreign Affairs, Foreign Trade and Development Cooperation",
        ),
        (
            "https://diplomatie.belgium.be/fr",
            "fr",
            "FPS Foreign Affairs, Foreign Trade and Development Cooperation",
        ),
        ("https://example.org/de/news/en/", None, None),
    ],
)
def test_url_language_and_publisher_come_from_the_address(
    url: str, language: str | None, publisher: str | None
) -> None:
    assert (url_language(url), url_publisher(url)) == (language, publisher)


def test_latest_snapshot_finds_the_seed_by_its_address(raw: Path) -> None:
    found = latest_snapshot(raw, SEED_URL)
    assert found is not None and found.id == SEED.stem and found.path == raw / SEED.name
    assert latest_snapshot(raw, SEED_URL + "/other") is None


def test_fetch_error_is_one_line_naming_url_and_reason() -> None:
    error = FetchError("https://example.org/a", "connection failed\n(reset by peer)")
    assert str(error) == "https://example.org/a: connection failed (reset by peer)"
    assert error.reason == "connection failed (reset by peer)"


def test_parse_url_list_skips_blanks_and_comments() -> None:
    text = "# articles to archive\nhttps://example.org/a\n\n  https://example.org/b  \n# done\n"
    assert parse_url_list(text) == ["https://example.org/a", "https://example.org/b"]
