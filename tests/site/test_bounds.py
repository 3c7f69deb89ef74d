"""Bounded responses and fair lanes (issue 14): no answer over the response limit, server memory
bounded under the bomb battery, visitor SQL in its own lane, the time limit held on every path.

The unit tests drive etl/site/bounds.py and etl/site/lanes.py directly; the others talk HTTP to a
real `diplodata serve` (conftest's `mixed_server`) or use Datasette's client."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from etl.site.bounds import TooLarge, budget, capped, counted_row
from etl.site.lanes import SQL_LANE_THREADS, Watchdog, keep_time_limits, runs_visitor_sql, watched_time_limit
from etl.site.workers import default_workers
from tests.conftest import Client, Server
from tests.site.test_safety import request

BIG = "hex(zeroblob(2400000))"
ROWS_200 = "with recursive r(n) as (select 1 union all select n + 1 from r where n < 200)"
ENDLESS = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
ESCAPES = "select replace(hex(zeroblob(800000)), '00', char(1)) x from paragraphs limit 5"
BOMBS = [
    f"/diplomacy.json?sql={quote(f'select {BIG} x from paragraphs limit 20')}",
    f"/diplomacy.json?sql={quote(f'{ROWS_200} select n, {BIG} x from r')}",
    f"/diplomacy.json?_shape=array&sql={quote(f'{ROWS_200} select n, {BIG} x from r')}",
    f"/diplomacy.csv?sql={quote(f'{ROWS_200} select n, {BIG} x from r')}",
    f"/diplomacy.csv?_stream=1&sql={quote(f'{ROWS_200} select n, {BIG} x from r')}",
    f"/diplomacy?sql={quote(f'select {BIG} x from paragraphs limit 20')}",
    f"/diplomacy.json?sql={quote(ESCAPES)}",
]
RUNAWAYS = [
    f"/diplomacy.json?sql={quote(ENDLESS)}",
    f"/diplomacy.csv?sql={quote(ENDLESS)}",
    f"/diplomacy.csv?_stream=1&sql={quote(ENDLESS)}",
    f"/diplomacy?sql={quote(ENDLESS)}",
    f"/diplomacy/articles.json?_where={quote(f'id != ({ENDLESS})')}",
    f"/diplomacy/articles.csv?_stream=1&_where={quote(f'id != ({ENDLESS})')}",
]
PEAK_GROWTH_LIMIT = 300 * 2**20
SETTLED_GROWTH_LIMIT = 100 * 2**20


# -- The response cap --------------------------------------------------------------------------------


def run_app(app: Any, path: str = "/x.csv") -> list[dict[str, Any]]:
    """Every message an ASGI app sends for one GET of path."""
    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "GET", "path": path, "raw_path": path.encode(), "headers": []}
    asyncio.run(app(scope, receive, send))
    return sent


def test_capped_replaces_a_whole_body_over_the_limit() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"x" * 2000})

    sent = run_app(capped(app, limit=1000), "/diplomacy.json")
    assert sent[0]["status"] == 400
    body = json.loads(sent[1]["body"])
    assert body["title"] == "Response too large" and "1,000 bytes" in body["error"]


def test_capped_cuts_a_streamed_body_at_the_limit_and_stops_the_app() -> None:
    written: list[int] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for number in range(1000):
            written.append(number)
            await send({"type": "http.response.body", "body": b"%05d,row\r\n" % number, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    sent = run_app(capped(app, limit=1000))
    body = b"".join(m.get("body", b"") for m in sent[1:])
    assert sent[0]["status"] == 200 and sent[-1]["more_body"] is False
    kept, _, notice = body.partition(b"\r\nResponse too large")
    assert len(kept) <= 1000 and kept.endswith(b"00089,row\r\n") and b"cut here" in notice
    assert len(written) < 110  # the app stopped at the cut


def test_capped_passes_a_body_under_the_limit() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"x-a", b"1")]})
        await send({"type": "http.response.body", "body": b"x" * 1000})

    sent = run_app(capped(app, limit=1000))
    assert sent[0]["status"] == 200 and sent[1]["body"] == b"x" * 1000


def test_counted_row_stops_a_query_past_its_budget() -> None:
    connection = sqlite3.connect(":memory:")
    connection.row_factory = counted_row
    sql = "with recursive r(n) as (select 1 union all select n + 1 from r where n < 100)"
    sql += " select hex(zeroblob(50)) from r"
    with budget(10_000):
        assert len(connection.execute(sql + " limit 90").fetchall()) == 90
    with budget(9_500), pytest.raises(TooLarge):
        connection.execute(sql).fetchall()
    assert len(connection.execute(sql).fetchall()) == 100  # no budget outside a query


@pytest.mark.parametrize("path", BOMBS)
def test_a_response_bomb_answers_400_with_a_message(mixed_client: Client, path: str) -> None:
    answer = mixed_client.get(path)
    assert answer.status_code == 400, (path, answer.status_code)
    assert "Response too large" in answer.text and len(answer.content) < 100_000


def rss(pid: int, field: str = "VmRSS") -> int:
    """A memory figure of a process from /proc, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def test_the_bomb_battery_keeps_the_server_memory_bounded(mixed_server: Server) -> None:
    pid = mixed_server.process.pid
    if not Path(f"/proc/{pid}/clear_refs").exists():
        pytest.skip("no /proc/<pid>/clear_refs here to measure the peak memory of the server")
    request(mixed_server, "GET", "/diplomacy/articles.json")
    baseline = rss(pid)
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # the peak (VmHWM) starts again from now
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda p: request(mixed_server, "GET", p), BOMBS * 4))
    assert {a.status for a in answers} <= {400, 503}
    peak = rss(pid, "VmHWM")
    time.sleep(1)
    assert peak - baseline < PEAK_GROWTH_LIMIT, (baseline, peak)
    assert rss(pid) - baseline < SETTLED_GROWTH_LIMIT


# -- The time limit and the SQL lane -----------------------------------------------------------------


@pytest.mark.parametrize("path", RUNAWAYS)
def test_the_time_limit_holds_on_every_path(mixed_server: Server, path: str) -> None:
    limit = json.loads(request(mixed_server, "GET", "/-/settings.json").body)["sql_time_limit_ms"] / 1000
    answer = request(mixed_server, "GET", path)
    assert answer.status == 400 and "SQL Interrupted" in answer.text, (answer.status, answer.text[-300:])
    assert answer.seconds < limit * 1.5


def test_runaway_sql_does_not_starve_the_pages(mixed_server: Server) -> None:
    """A bounded load: 6 clients sending runaway queries for 6 s, one client on cheap pages."""
    pages = [
        "/diplomacy/articles.json?_size=5",
        "/diplomacy/post_counts",
        "/diplomacy/quotes?_search=belgium",
    ]
    for page in pages:
        request(mixed_server, "GET", page)
    deadline = time.monotonic() + 6
    runaway = f"/diplomacy.json?sql={quote(ENDLESS)}"

    def attacker() -> list[int]:
        statuses = []
        while time.monotonic() < deadline:
            statuses.append(request(mixed_server, "GET", runaway).status)
        return statuses

    with ThreadPoolExecutor(max_workers=6) as pool:
        attacks = [pool.submit(attacker) for _ in range(6)]
        time.sleep(0.5)
        answers = []
        while time.monotonic() < deadline:
            answers += [request(mixed_server, "GET", page) for page in pages]
        statuses = sorted({s for a in attacks for s in a.result()})
    assert statuses == [400, 503]  # stopped at the limit, or told to come back
    assert all(a.status == 200 for a in answers)
    slowest = sorted(a.seconds for a in answers)[int(len(answers) * 0.99)]
    assert slowest < 1, slowest


def test_the_sql_lane_answers_503_with_retry_after_when_full(mixed_server: Server) -> None:
    runaway = f"/diplomacy.json?sql={quote(ENDLESS)}"
    # Each serving process has its lane: more runaway queries at once than all the lanes' threads
    # fill at least one of them, however the connections are spread.
    count = SQL_LANE_THREADS * default_workers() + 2
    with ThreadPoolExecutor(max_workers=count) as pool:
        answers = list(pool.map(lambda _: request(mixed_server, "GET", runaway), range(count)))
    busy = [a for a in answers if a.status == 503]
    assert busy and all(a.headers["retry-after"] == "1" and a.seconds < 1 for a in busy)
    assert b"Too many SQL queries" in busy[0].body


def test_watchdog_interrupts_a_call_that_runs_past_its_deadline() -> None:
    connection = sqlite3.connect(":memory:")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="interrupted"), Watchdog(0.2).watch(connection):
        connection.execute(ENDLESS).fetchall()
    assert time.monotonic() - started < 1
    assert connection.execute("select 1").fetchall() == [(1,)]  # the connection works on


def test_watched_time_limit_interrupts_a_query_at_its_limit() -> None:
    connection = sqlite3.connect(":memory:")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="interrupted"), watched_time_limit(connection, 200):
        connection.execute(ENDLESS).fetchall()
    assert 0.2 <= time.monotonic() - started < 0.2 * 1.5


def test_keep_time_limits_gives_datasette_the_watched_limit() -> None:
    import datasette.database

    keep_time_limits()
    assert datasette.database.sqlite_timelimit is watched_time_limit


@pytest.mark.parametrize(
    ("path", "query", "visitor"),
    [
        ("/diplomacy", b"sql=select+1", True),
        ("/diplomacy.json", b"sql=select+1", True),
        ("/diplomacy/articles.json", b"_where=1", True),
        ("/diplomacy/latest_posts_by_type", b"", True),
        ("/diplomacy/latest_posts_by_type.csv", b"", True),
        ("/diplomacy/articles", b"_search=egmont", False),
        ("/diplomacy/articles/x", b"", False),
        ("/diplomacy", b"", False),
        ("/", b"", False),
    ],
)
def test_runs_visitor_sql(path: str, query: bytes, visitor: bool) -> None:
    scope = {"path": path, "query_string": query}
    assert runs_visitor_sql(scope, frozenset({"diplomacy/latest_posts_by_type"})) is visitor
