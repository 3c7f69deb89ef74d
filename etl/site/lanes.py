"""Two lanes for the site's queries, so that runaway SQL cannot starve the other pages.

- Arbitrary SQL (`?sql=`, canned queries, a table page's `_where`) runs in its own SQL_LANE_THREADS
  threads, at most that many requests at a time; a request waits at most SQL_LANE_WAIT seconds for
  its turn, then answers 503 with Retry-After. Table, row and search pages keep Datasette's threads,
  and get the CPU first: the SQL lane's threads run with a lower priority (Linux niceness).
- Every query of either lane reads its rows against the response budget (etl/site/bounds.py) and
  is interrupted by a watchdog at TIME_LIMIT_MARGIN times the time limit, whatever path ran it
  (Datasette's own progress handler stops the queries it runs with a limit at 1 ×).
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from functools import partial
from typing import Any
from urllib.parse import parse_qsl

from etl.site.bounds import ASGIApp, Receive, Scope, Send, budget

SQL_LANE_THREADS = 2
SQL_LANE_WAIT = 0.3
# How much less CPU the SQL lane's threads get than the pages' when both want it (Linux nice).
SQL_LANE_NICENESS = 10
TIME_LIMIT_MARGIN = 1.25
WATCHDOG_TICK = 0.01
# Query-string keys that make a page run SQL its visitor wrote.
SQL_KEYS = frozenset({"sql", "_where"})
BUSY = b"Too many SQL queries are running at once; try again in a moment"
# Whether the request being answered is in the SQL lane.
IN_SQL_LANE: ContextVar[bool] = ContextVar("diplodata_sql_lane", default=False)


class Watchdog:
    """Interrupts any connection whose call has run past its deadline, from one thread: the query's
    own thread never runs Python while it waits (SQLite's progress handler, which Datasette's time
    limit uses, takes the interpreter's lock every 0.08 ms of a query, so that two runaway queries
    slowed every other page by their contention for it)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.running: dict[object, tuple[float, sqlite3.Connection]] = {}
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None

    @contextmanager
    def watch(self, connection: sqlite3.Connection, seconds: float | None = None) -> Iterator[None]:
        """Interrupt the connection if the block outlasts the deadline (seconds, else the watchdog's)."""
        key = object()
        with self.lock:
            self.running[key] = (
                time.monotonic() + (self.seconds if seconds is None else seconds),
                connection,
            )
            if self.thread is None:
                self.thread = threading.Thread(target=self.loop, name="diplodata-watchdog", daemon=True)
                self.thread.start()
        try:
            yield
        finally:
            with self.lock:
                self.running.pop(key, None)

    def loop(self) -> None:
        """Every tick, interrupt the calls past their deadline; stop when none runs."""
        while True:
            time.sleep(WATCHDOG_TICK)
            now = time.monotonic()
            with self.lock:
                if not self.running:
                    self.thread = None
                    return
                for key, (deadline, connection) in list(self.running.items()):
                    if now >= deadline:
                        connection.interrupt()
                        del self.running[key]


# Datasette's time limit of each query, kept by this watchdog rather than by a progress handler.
TIME_LIMITS = Watchdog(0)


@contextmanager
def watched_time_limit(connection: sqlite3.Connection, ms: int) -> Iterator[None]:
    """Datasette's `sqlite_timelimit`, kept by the watchdog: the query is interrupted once it has run
    ms milliseconds (within WATCHDOG_TICK), and raises sqlite3.OperationalError("interrupted") as
    under Datasette's own limit."""
    with TIME_LIMITS.watch(connection, ms / 1000):
        yield


def keep_time_limits() -> None:
    """Have Datasette's queries keep their time limit by the watchdog (etl/site/plugin.py calls it
    once, on import)."""
    import datasette.database

    datasette.database.sqlite_timelimit = watched_time_limit


def lower_priority() -> None:
    """Give the calling thread SQL_LANE_NICENESS more niceness (Linux; elsewhere nothing)."""
    import os

    with suppress(AttributeError, OSError):  # no per-thread priority here, or not allowed
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), SQL_LANE_NICENESS)


class Lanes:
    """The SQL lane's threads and turns, and the watchdog of every query."""

    def __init__(self, time_limit_ms: int, threads: int = SQL_LANE_THREADS, wait: float = SQL_LANE_WAIT):
        self.executor = ThreadPoolExecutor(threads, "diplodata-sql", initializer=lower_priority)
        self.turns = asyncio.Semaphore(threads)
        self.wait = wait
        self.watchdog = Watchdog(time_limit_ms * TIME_LIMIT_MARGIN / 1000)

    def install(self, datasette: Any) -> None:
        """Run every query of the app's databases through the lanes; their threads end with the
        app (`diplodata serve` opens an app for each release it switches to)."""
        weakref.finalize(datasette, self.executor.shutdown, wait=False)
        for db in datasette.databases.values():
            if datasette.executor is not None:
                db.execute_fn = partial(self.execute_fn, db)

    async def execute_fn(self, db: Any, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Datasette's Database.execute_fn, on the lane of the request, bounded and watched."""
        from datasette.database import connections

        def in_thread() -> Any:
            connection = getattr(connections, db.name, None)
            if not connection:
                connection = db.connect()
                db.ds._prepare_connection(connection, db.name)
                setattr(connections, db.name, connection)
            with budget(), self.watchdog.watch(connection):
                return fn(connection)

        executor = self.executor if IN_SQL_LANE.get() else db.ds.executor
        return await asyncio.get_running_loop().run_in_executor(executor, in_thread)


def runs_visitor_sql(scope: Scope, canned: frozenset[str]) -> bool:
    """Whether a request runs SQL its visitor wrote or chose: `?sql=`, `_where`, a canned query."""
    query = bytes(scope.get("query_string") or b"").decode("latin-1")
    if any(key in SQL_KEYS for key, _ in parse_qsl(query, keep_blank_values=True)):
        return True
    parts = str(scope.get("path") or "").strip("/").split("/")
    if len(parts) != 2:
        return False
    name = parts[1].rsplit(".", 1)[0] if parts[1].endswith((".json", ".csv")) else parts[1]
    return f"{parts[0]}/{name}" in canned


def laned(app: ASGIApp, lanes: Lanes, canned: frozenset[str]) -> ASGIApp:
    """The app with visitor SQL in the SQL lane: one turn per request, 503 when none comes in time."""

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or not runs_visitor_sql(scope, canned):
            await app(scope, receive, send)
            return
        try:
            await asyncio.wait_for(lanes.turns.acquire(), lanes.wait)
        except TimeoutError:
            headers = [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", b"%d" % len(BUSY)),
                (b"retry-after", b"1"),
            ]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": BUSY})
            return
        token = IN_SQL_LANE.set(True)
        try:
            await app(scope, receive, send)
        finally:
            IN_SQL_LANE.reset(token)
            lanes.turns.release()

    return inner


def canned_queries(datasette: Any) -> frozenset[str]:
    """Every canned query of the app, as `database/name`."""
    databases = (datasette.metadata() or {}).get("databases") or {}
    return frozenset(
        f"{database}/{name}" for database, meta in databases.items() for name in (meta.get("queries") or {})
    )
