"""Answers computed once per release and kept while the release is served.

A served database is immutable: each release is a new snapshot, opened by a new Datasette app
(etl/site/releases.py), so what a query of it answers cannot change while that app serves it. Every
app keeps a bounded memo of such answers (least recently used first out, at most MEMO_ENTRIES
answers and MEMO_BYTES bytes), keyed by the release's database (its file and hash) and the query:

- a table page's facet counts, and the labels of their foreign keys (the facet classes are
  Datasette's own, given a view of the app whose queries of an immutable database go through the
  memo), so a table page shown again does not count its facets again;
- a table page's row count when it is filtered or searched (Datasette counts the whole table from
  the inspect data, a filtered one every time), and what Datasette reads of the schema for every
  page (two dozen reads, each a trip to a thread): queries of Datasette's own,
  never a visitor's SQL (the SQL lane's, etl/site/lanes.py), which may call random() or date('now');
- an article's page's marked text (etl/site/plugin.py: article_vars);
- whole pages: a GET of a page of the database (a table, a row, as HTML, JSON or CSV) or of the
  landing page (when every database is immutable) answered once
  is answered again from the memo of the app's pages (at most PAGE_ENTRIES pages and PAGE_BYTES
  bytes), for the same address, host and language, when it was a whole 200 response without
  cookies, none of whose queries failed (a facet past its time limit is left out of a 200 page),
  and the request has none but the language's; never visitor SQL. The guard, the
  language cookie and the release header still apply to every response (etl/site/plugin.py,
  etl/site/releases.py); a page's footer says how long its queries took the first time; the pages
  not in the memo are worked out at most PAGES_AT_ONCE at a time, first come first served;
- which `allow` blocks of the metadata apply to a table, which Datasette works out for every page
  from a deep copy of the whole metadata (about 0.2 ms, three times a page).

An answer that fails (a query past its time limit, a response too large) is not kept: the next
request computes it again. A mutable database is never memoized.
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from http.cookies import CookieError, SimpleCookie
from typing import Any, TypeVar

from etl.site.bounds import ASGIApp, Message, Receive, Scope, Send, row_size
from etl.site.i18n import COOKIE, choose_language
from etl.site.lanes import IN_SQL_LANE, runs_visitor_sql

T = TypeVar("T")

MEMO_ENTRIES = 2048
MEMO_BYTES = 16 * 2**20
# An answer larger than this is not kept (one facet of 1,000 long values, a very long article).
ENTRY_BYTES = 2 * 2**20
# Datasette's own queries whose answer is kept: a table page's count (`select count(*) from ...`),
# a row page's counts of the rows that link to it (`select (select count(*) from ...`), its reads
# of the schema, and the schema version it checks on every request.
KEPT_SQL = re.compile(
    r"^\s*select (\(select )?count\(\*\) from |\bsqlite_master\b|^\s*pragma schema_version\s*$", re.I
)
# The queries that failed while the page being answered was worked out: Datasette leaves out what
# a failed query would have shown (a facet or a count past its time limit) and answers 200, a page
# not to be kept.
FAILED_QUERIES: ContextVar[list[str] | None] = ContextVar("diplodata_failed_queries", default=None)
# The memo of each app, dropped with it when the release it serves is retired.
MEMOS: weakref.WeakKeyDictionary[Any, Memo] = weakref.WeakKeyDictionary()


class Memo:
    """A bounded map of answers, the least recently used dropped first."""

    def __init__(self, entries: int = MEMO_ENTRIES, limit: int = MEMO_BYTES, entry_limit: int = ENTRY_BYTES):
        self.entries = entries
        self.limit = limit
        self.entry_limit = entry_limit
        self.kept: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self.kept)

    def get(self, key: Hashable) -> tuple[bool, Any]:
        """Whether an answer is kept for key, and the answer."""
        found = self.kept.get(key)
        if found is None:
            self.misses += 1
            return False, None
        self.kept.move_to_end(key)
        self.hits += 1
        return True, found[0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        """Keep an answer of about size bytes, dropping the least recently used ones over the bounds."""
        if size > self.entry_limit:
            return
        old = self.kept.pop(key, None)
        if old is not None:
            self.bytes -= old[1]
        self.kept[key] = (value, size)
        self.bytes += size
        while len(self.kept) > self.entries or self.bytes > self.limit:
            _, (_, dropped) = self.kept.popitem(last=False)
            self.bytes -= dropped

    async def answer(
        self, key: Hashable, compute: Callable[[], Awaitable[T]], size: Callable[[T], int | None]
    ) -> T:
        """The kept answer for key, or compute's, kept if it does not fail and size gives its bytes
        (None: not to be kept). An unhashable key is computed every time."""
        try:
            found, value = self.get(key)
        except TypeError:
            return await compute()
        if found:
            return value  # type: ignore[no-any-return]
        computed = await compute()
        bytes_ = size(computed)
        if bytes_ is not None:
            self.put(key, computed, bytes_)
        return computed


@contextmanager
def noting_failures() -> Iterator[list[str]]:
    """The queries that fail inside the block (FAILED_QUERIES), noted for the enclosing block too."""
    outer = FAILED_QUERIES.get()
    failed: list[str] = []
    token = FAILED_QUERIES.set(failed)
    try:
        yield failed
    finally:
        FAILED_QUERIES.reset(token)
        if outer is not None:
            outer.extend(failed)


def memo_of(datasette: Any) -> Memo:
    """The memo of an app (one per release served)."""
    found = MEMOS.get(datasette)
    if found is None:
        found = MEMOS[datasette] = Memo()
    return found


def release_of(db: Any) -> tuple[str, str] | None:
    """What names a database's release in a memo key: its file and, when the inspect data gives it,
    its sha256 (never hashed here: that reads the whole file); None for a mutable database, whose
    answers are not kept."""
    if db.is_mutable or db.is_memory or not db.path:
        return None
    inspected = (db.ds.inspect_data or {}).get(db.name) or {}
    return str(db.path), str(inspected.get("hash") or "")


def frozen(value: Any) -> Any:
    """A query's parameters or options as a hashable key (a dict as its sorted items)."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(frozen(v) for v in value)
    return value


def results_size(results: Any) -> int:
    """About how many bytes the rows of a query's Results take."""
    return sum(row_size(tuple(row)) for row in results.rows)


def facets_size(found: tuple[list[dict[str, Any]], list[str]]) -> int | None:
    """About how many bytes a facet's results take; None when one of its columns ran past the
    time limit, so that the next request counts it again."""
    results, timed_out = found
    if timed_out:
        return None
    return sum(len(json.dumps(result, default=str)) for result in results)


def labels_size(labels: dict[tuple[str, Any], Any]) -> int:
    """About how many bytes the labels of foreign keys take."""
    return sum(row_size((*key, value)) for key, value in labels.items())


class MemoView:
    """The app as a facet sees it: its queries of an immutable database, and the labels of their
    foreign keys, answered from the app's memo; everything else is the app's own."""

    def __init__(self, datasette: Any) -> None:
        self._datasette = datasette
        self.memo = memo_of(datasette)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._datasette, name)

    async def execute(self, database: str, sql: str, params: Any = None, **options: Any) -> Any:
        """Datasette.execute, memoized on an immutable database."""
        release = release_of(self._datasette.get_database(database))

        def compute() -> Awaitable[Any]:
            return self._datasette.execute(database, sql, params, **options)  # type: ignore[no-any-return]

        if release is None:
            return await compute()
        key = ("execute", release, database, sql, frozen(params), frozen(options))
        return await self.memo.answer(key, compute, results_size)

    async def expand_foreign_keys(self, database: str, table: str, column: str, values: list[Any]) -> Any:
        """Datasette.expand_foreign_keys, memoized on an immutable database, unless its query failed
        (Datasette then gives the values without their labels)."""
        release = release_of(self._datasette.get_database(database))
        if release is None:
            return await self._datasette.expand_foreign_keys(database, table, column, values)

        async def compute() -> tuple[Any, bool]:
            with noting_failures() as failed:
                labels = await self._datasette.expand_foreign_keys(database, table, column, values)
            return labels, bool(failed)

        key = ("labels", release, database, table, column, frozen(values))
        labels, _ = await self.memo.answer(
            key, compute, lambda found: None if found[1] else labels_size(found[0])
        )
        return labels


class MemoFacet:
    """A facet class whose results for a page, and queries, go through the app's memo (mixed into
    Datasette's own)."""

    ds: Any
    request: Any
    database: str
    table: str | None
    sql: str
    params: Any
    metadata: Any

    def __init__(self, ds: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(MemoView(ds), *args, **kwargs)  # type: ignore[call-arg]

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        """The facet's results and timed-out columns, once per page address: they are a function of
        the release, the facet's SQL and configuration, and the address (its links are absolute).
        A copy, so that what the page does with them stays out of the memo."""
        compute = super().facet_results  # type: ignore[misc]
        release = release_of(self.ds.get_database(self.database))
        if release is None:
            return await compute()  # type: ignore[no-any-return]
        facets = (self.metadata or {}).get("facets")
        key = ("facets", type(self).__name__, release, self.database, self.table, self.sql,
               frozen(self.params), frozen(facets), self.request.url)  # fmt: skip
        results, timed_out = await self.ds.memo.answer(key, compute, facets_size)
        # Each facet and value a dict of its own (a deep copy would take twice as long).
        return [copied_facet(result) for result in results], list(timed_out)


def copied_facet(result: dict[str, Any]) -> dict[str, Any]:
    """A facet's result with a dict of its own for it and each of its values."""
    values = result.get("results")
    if not isinstance(values, list):
        return dict(result)
    return {**result, "results": [dict(value) for value in values]}


@functools.cache
def memo_facet_class(facet_class: type) -> type:
    """The memoizing twin of a facet class (the same type, counts and links)."""
    return type(f"Memo{facet_class.__name__}", (MemoFacet, facet_class), {"__doc__": facet_class.__doc__})


def memoize_table_permissions(datasette: Any) -> None:
    """Have the app work out once per table which `allow` blocks of the metadata apply to it: its
    metadata is read once and no plugin gives any at run time (else nothing changes)."""
    from datasette.plugins import pm

    answer = datasette._table_permission_allows
    if pm.hook.get_metadata.get_hookimpls() or hasattr(answer, "cache_info"):  # or memoized already
        return
    datasette._table_permission_allows = functools.lru_cache(maxsize=MEMO_ENTRIES)(answer)


# Database's methods that read the schema (Datasette calls a dozen a page, each a trip to a thread,
# datasette-search-all's menu link another dozen): a function of the release.
SCHEMA_METHODS = (
    "table_exists",
    "table_names",
    "view_names",
    "hidden_table_names",
    "table_columns",
    "table_column_details",
    "primary_keys",
    "fts_table",
    "label_column_for_table",
    "foreign_keys_for_table",
    "get_all_foreign_keys",
    "get_table_definition",
    "get_view_definition",
)
# The databases whose reads go through the memo already (Datasette builds its app, and so calls
# the plugin's asgi_wrapper, twice).
MEMOIZED: weakref.WeakSet[Any] = weakref.WeakSet()


def memoize_schema_reads(datasette: Any) -> None:
    """Have each immutable database of the app answer Datasette's counts and reads of its schema
    (KEPT_SQL, SCHEMA_METHODS) from the app's memo, outside the SQL lane."""
    for db in datasette.databases.values():
        release = release_of(db)
        if release is None or db in MEMOIZED:
            continue
        MEMOIZED.add(db)
        memo = memo_of(datasette)
        db.execute = functools.partial(kept_execute, memo, release, db.execute)
        for name in SCHEMA_METHODS:
            if hasattr(db, name):
                setattr(db, name, functools.partial(kept_schema, memo, (release, name), getattr(db, name)))


async def kept_schema(
    memo: Memo, key: tuple[Any, ...], read: Callable[..., Awaitable[Any]], *args: Any
) -> Any:
    """A read of the schema, from the memo; a copy of its own for each caller."""
    found = await memo.answer((*key, frozen(args)), lambda: read(*args), schema_size)
    return own_copy(found)


def own_copy(value: Any) -> Any:
    """A schema read as a caller gets it: a list or dict of its own (Datasette 0.65 reads the
    foreign keys' dicts inside, never changes them; a deep copy of all the foreign keys would take
    longer than reading them again)."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def schema_size(value: Any) -> int:
    """About how many bytes a schema read takes."""
    return len(json.dumps(value, default=str))


async def kept_execute(
    memo: Memo,
    release: tuple[str, str],
    execute: Callable[..., Awaitable[Any]],
    sql: str,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """Database.execute, its answer to KEPT_SQL kept in the memo; a query that fails is noted for the
    page being answered (FAILED_QUERIES)."""
    try:
        if IN_SQL_LANE.get() or not KEPT_SQL.search(sql):
            return await execute(sql, *args, **kwargs)
        key = ("sql", release, sql, frozen(args), frozen(kwargs))
        return await memo.answer(key, lambda: execute(sql, *args, **kwargs), results_size)
    except Exception:
        failed = FAILED_QUERIES.get()
        if failed is not None:
            failed.append(sql)
        raise


# -- Whole pages ----------------------------------------------------------------------------------

PAGE_ENTRIES = 1024
PAGE_BYTES = 32 * 2**20
# Datasette's database of its own catalogue, in memory.
INTERNAL = "_internal"
# A page larger than this is not kept (a JSON page of `_size=max` long rows).
PAGE_ENTRY_BYTES = 2 * 2**20
# How many pages not in the memo a process works out at once: the others wait their turn, first come
# first served. Worked out all at once, 16 pages of 100 articles take turns on one core at every
# query each makes, and some wait twice as long as the others (at 100,000 articles, 16 clients: a
# p99 of 2 to 2.5 times the median); two at a time, one's queries run while the other's Python does.
PAGES_AT_ONCE = 2
# The memo of each app's pages, apart from its answers so that large pages do not push them out.
PAGE_MEMOS: weakref.WeakKeyDictionary[Any, Memo] = weakref.WeakKeyDictionary()


def page_memo_of(datasette: Any) -> Memo:
    """The memo of an app's pages (one per release served)."""
    found = PAGE_MEMOS.get(datasette)
    if found is None:
        found = PAGE_MEMOS[datasette] = Memo(PAGE_ENTRIES, PAGE_BYTES, PAGE_ENTRY_BYTES)
    return found


def header(scope: Scope, name: bytes) -> str:
    """A request header's value ("" when absent; the last when repeated)."""
    found = ""
    for key, value in scope.get("headers") or []:
        if bytes(key).lower() == name:
            found = bytes(value).decode("latin-1")
    return found


def page_key(
    scope: Scope,
    databases: dict[str, tuple[str, str]],
    canned: frozenset[str],
    index: Hashable | None = None,
) -> Hashable | None:
    """What a GET of a page of an immutable database (or of the landing page, when index names the
    releases of all the databases it shows) is a function of: the release, the address (host and
    scheme too: links are absolute), the language the page is in; None for any other request, for
    visitor SQL (the SQL lane's: it may call random()), and for a request with a cookie other than
    the language's (a signed-in actor, a message to show)."""
    if scope.get("type") != "http" or scope.get("method") != "GET":
        return None
    path = str(scope.get("path") or "")
    first = path.strip("/").split("/")[0]
    name = first.rsplit(".", 1)[0] if first.endswith((".json", ".csv")) else first
    if path == "/" and index is not None:
        release: Hashable = index
    elif name in databases and not runs_visitor_sql(scope, canned):
        release = databases[name]
    else:
        return None
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(header(scope, b"cookie"))
    except CookieError:
        return None
    if set(cookies) - {COOKIE}:
        return None
    query = bytes(scope.get("query_string") or b"").decode("latin-1")
    cookie = cookies[COOKIE].value if COOKIE in cookies else None
    language = choose_language(query, cookie, header(scope, b"accept-language"))
    raw = bytes(scope.get("raw_path") or b"")
    where = (header(scope, b"host"), str(scope.get("scheme") or "http"), path, raw, query)
    return ("page", release, *where, language)


def kept_pages(app: ASGIApp, datasette: Any, canned: frozenset[str]) -> ASGIApp:
    """The app answering a GET of a page of an immutable database it has answered before from the
    page memo: only a whole 200 response without cookies is kept, the first time it is asked for;
    a request for a page being worked out waits for it; at most PAGES_AT_ONCE pages are worked out
    at once, in order of arrival."""
    databases = {name: found for name, db in datasette.databases.items() if (found := release_of(db))}
    # The landing page is kept when every database it could show is immutable (Datasette's own
    # `_internal` is shown to no visitor without a cookie).
    shown = [name for name in datasette.databases if name != INTERNAL]
    index = ("index", *sorted(databases.values())) if all(name in databases for name in shown) else None
    memo = page_memo_of(datasette)
    # The pages being worked out, so that the requests for one that come meanwhile wait for it
    # rather than work it out again (16 visitors opening a table at once count it once).
    computing: dict[Hashable, asyncio.Event] = {}
    # At most PAGES_AT_ONCE pages worked out at once, the others waiting their turn in order of arrival.
    gate = asyncio.Semaphore(PAGES_AT_ONCE)

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        key = page_key(scope, databases, canned, index)
        if key is None:
            await app(scope, receive, send)
            return
        waiting = computing.get(key)
        if waiting is not None:  # the same page is being worked out for another request: wait for it
            await waiting.wait()
        found, messages = memo.get(key)
        if found:
            for message in messages:
                await send({**message})  # a dict of its own: the wrappers outside may change it
            return
        done = computing.setdefault(key, asyncio.Event())
        try:
            async with gate:
                await answer(key, scope, receive, send)
        finally:
            if computing.get(key) is done:
                del computing[key]
            done.set()

    async def answer(key: Hashable, scope: Scope, receive: Receive, send: Send) -> None:
        """The app's answer, kept when it is a whole 200 response without cookies and none of its
        queries failed."""
        recorded: list[Message] = []
        keep = True
        size = 0

        async def recording(message: Message) -> None:
            nonlocal keep, size
            if keep and message["type"] == "http.response.start":
                names = {bytes(name).lower() for name, _ in message.get("headers") or []}
                keep = message.get("status") == 200 and b"set-cookie" not in names
            elif keep and message["type"] == "http.response.body":
                size += len(message.get("body") or b"")
                keep = not message.get("more_body") and size <= memo.entry_limit  # whole, one body
            if keep:
                recorded.append({**message})
            await send(message)

        with noting_failures() as failed:
            await app(scope, receive, recording)
        if keep and len(recorded) == 2 and not failed:
            memo.put(key, recorded, size)

    return inner
