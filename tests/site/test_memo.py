"""What the site works out once per release (etl/site/memo.py, issue 12): a page asked for again, a
table page's facets and counts, the schema; never visitor SQL, never across releases.

The app's queries are recorded at Datasette's Database.execute (patched before the app is made, as
the memo wraps each database's own), through Datasette's client."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from datasette.database import Database, QueryInterrupted

from etl.site.i18n import COOKIE
from etl.site.memo import PAGES_AT_ONCE, Memo, facets_size, page_key
from etl.specs import resource_specs
from tests.conftest import Client

FACET_SQL = "as value, count(*) as count"


@pytest.fixture()
def queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SQL of every query an app made after this fixture, in order."""
    ran: list[str] = []
    original = Database.execute

    async def recorded(self: Database, sql: str, *args: Any, **kwargs: Any) -> Any:
        ran.append(" ".join(sql.split()))
        return await original(self, sql, *args, **kwargs)

    monkeypatch.setattr(Database, "execute", recorded)
    return ran


@pytest.fixture()
def fresh(release: Path, queries: list[str]) -> Iterator[Client]:
    """An app of its own on the release, whose memo starts empty."""
    del queries  # recorded from the app's start
    found = Client(release)
    yield found
    found.close()


def untimed(page: str) -> str:
    """A page without its footer's time of its queries."""
    return re.sub(r"Queries took [0-9.]+ms", "", page)


def facet_queries(ran: list[str]) -> list[str]:
    return [sql for sql in ran if FACET_SQL in sql]


def interrupt_queries(monkeypatch: pytest.MonkeyPatch, start: str) -> tuple[list[str], dict[str, bool]]:
    """Interrupt the database's queries that start so (as a time limit would) while slow["on"];
    every such query is noted in tries."""
    original = Database.execute
    slow = {"on": True}
    tries: list[str] = []

    async def interrupted(self: Database, sql: str, *args: Any, **kwargs: Any) -> Any:
        if " ".join(sql.split()).startswith(start):
            tries.append(sql)
            if slow["on"]:
                raise QueryInterrupted(None, sql, None)
        return await original(self, sql, *args, **kwargs)

    monkeypatch.setattr(Database, "execute", interrupted)
    return tries, slow


def test_a_page_asked_for_again_runs_no_query(fresh: Client, queries: list[str]) -> None:
    first = fresh.get("/diplomacy/articles")
    assert first.status_code == 200
    assert facet_queries(queries)  # the first time, the facets are counted
    queries.clear()
    again = fresh.get("/diplomacy/articles")
    assert again.status_code == 200
    assert queries == []
    assert again.text == first.text
    assert again.headers["content-type"] == first.headers["content-type"]


def test_visitors_opening_a_page_at_once_count_it_once(fresh: Client, queries: list[str]) -> None:
    facets = resource_specs()["articles"].datasette["facets"]

    async def together() -> list[Any]:
        return list(await asyncio.gather(*(fresh.app.client.get("/diplomacy/articles") for _ in range(4))))

    pages = fresh.loop.run_until_complete(together())
    assert [page.status_code for page in pages] == [200] * 4
    assert len({page.text for page in pages}) == 1
    assert len(facet_queries(queries)) == len(facets)


def test_another_page_of_a_table_does_not_count_its_facets_again(fresh: Client, queries: list[str]) -> None:
    facets = resource_specs()["articles"].datasette["facets"]
    first = fresh.get("/diplomacy/articles.json?_sort=id").json()
    assert len(facet_queries(queries)) == len(facets)
    queries.clear()
    other = fresh.get("/diplomacy/articles.json?_sort=title").json()  # the same rows, another order
    assert facet_queries(queries) == []
    assert [
        (f["name"], [(v["value"], v["count"]) for v in f["results"]]) for f in other["facet_results"].values()
    ] == [
        (f["name"], [(v["value"], v["count"]) for v in f["results"]]) for f in first["facet_results"].values()
    ]
    # Its links are the page's own, not those of the page that counted them.
    toggles = [v["toggle_url"] for f in other["facet_results"].values() for v in f["results"]]
    assert toggles and all("_sort=title" in url for url in toggles)


def test_a_filtered_page_counts_its_rows_once(fresh: Client, queries: list[str]) -> None:
    first = fresh.get("/diplomacy/articles.json?language=en&_sort=id").json()
    counts = [sql for sql in queries if sql.startswith("select count(*) from articles")]
    assert len(counts) == 1
    queries.clear()
    other = fresh.get("/diplomacy/articles.json?language=en&_sort=title").json()
    assert not [sql for sql in queries if sql.startswith("select count(*)")]
    assert other["filtered_table_rows_count"] == first["filtered_table_rows_count"]


def test_another_release_counts_again(release: Path, tmp_path: Path, queries: list[str]) -> None:
    """Each release is a new snapshot served by a new app: nothing of the old one's memo is used."""
    copy = tmp_path / "snapshot"
    shutil.copytree(release, copy)
    for root in (release, copy):
        queries.clear()
        client = Client(root)
        try:
            assert client.get("/diplomacy/articles").status_code == 200
        finally:
            client.close()
        assert facet_queries(queries), root


def test_visitor_sql_is_run_every_time(fresh: Client, queries: list[str]) -> None:
    path = "/diplomacy.json?sql=select+random()+as+r,+count(*)+as+n+from+sqlite_master&_shape=array"
    answers = {fresh.get(path).json()[0]["r"] for _ in range(3)}
    assert len(answers) == 3
    assert sum("random()" in sql for sql in queries) == 3


def test_each_language_has_its_page(fresh: Client, release: Path) -> None:
    english = fresh.get("/diplomacy/articles")
    dutch = fresh.get("/diplomacy/articles", headers={"cookie": f"{COOKIE}=nl"})
    french = fresh.get("/diplomacy/articles", headers={"accept-language": "fr"})
    assert len({english.text, dutch.text, french.text}) == 3
    other = Client(release)  # the Dutch page as an app that never showed the English one
    try:
        again = other.get("/diplomacy/articles", headers={"cookie": f"{COOKIE}=nl"}).text
        assert untimed(again) == untimed(dutch.text)
    finally:
        other.close()


def test_a_request_with_another_cookie_is_answered_afresh(fresh: Client, queries: list[str]) -> None:
    assert fresh.get("/diplomacy/articles").status_code == 200
    queries.clear()
    assert fresh.get("/diplomacy/articles", headers={"cookie": "ds_actor=someone"}).status_code == 200
    assert queries


def test_a_page_whose_facet_ran_past_its_time_limit_is_not_kept(
    release: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Datasette leaves a facet past its time limit out of a 200 page: that page is worked out again."""
    tries, slow = interrupt_queries(monkeypatch, f"select language {FACET_SQL}")
    client = Client(release)
    try:
        for attempt in (1, 2):
            page = client.get("/diplomacy/articles.json")
            assert page.status_code == 200
            assert "language" not in page.json()["facet_results"]
            assert len(tries) == attempt
        slow["on"] = False
        page = client.get("/diplomacy/articles.json")
        assert "language" in page.json()["facet_results"]
        assert client.get("/diplomacy/articles.json").text == page.text
        assert len(tries) == 3  # then kept
    finally:
        client.close()


def test_labels_whose_query_failed_are_not_kept(release: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A facet's labels (the titles of the articles a paragraphs facet counts) whose query was
    interrupted are looked up again by the next page that needs them."""
    tries, slow = interrupt_queries(monkeypatch, "select id, title from articles where id in")
    client = Client(release)
    try:
        assert client.get("/diplomacy/paragraphs.json?_sort=position").status_code == 200
        slow["on"] = False
        before = len(tries)
        page = client.get("/diplomacy/paragraphs.json?_sort=section").json()
        assert len(tries) > before
        values = page["facet_results"]["article"]["results"]
        assert values and all(value["label"] != value["value"] for value in values)
    finally:
        client.close()


def test_an_error_is_not_kept(fresh: Client, queries: list[str]) -> None:
    for _ in range(2):
        queries.clear()
        assert fresh.get("/diplomacy/articles.json?_facet=nonexistent").status_code == 400
        assert queries


# -- The memo's bounds and keys ----------------------------------------------------------------------


def test_the_memo_drops_the_least_recently_used_past_its_bounds() -> None:
    memo = Memo(entries=2, limit=100, entry_limit=60)
    memo.put("a", 1, 10)
    memo.put("b", 2, 10)
    assert memo.get("a") == (True, 1)  # a used last: b goes first
    memo.put("c", 3, 10)
    assert memo.get("b") == (False, None)
    assert memo.get("a") == (True, 1)
    memo.put("d", 4, 61)  # over one entry's limit: not kept
    assert memo.get("d") == (False, None)
    memo.put("e", 5, 55)
    memo.put("f", 6, 50)  # 105 bytes with e: e goes
    assert memo.get("e") == (False, None)
    assert memo.bytes <= 100 and len(memo) <= 2


def test_an_answer_that_is_not_to_be_kept_is_computed_again() -> None:
    memo = Memo()
    calls: list[int] = []

    async def compute() -> tuple[list[dict[str, Any]], list[str]]:
        calls.append(1)
        return [], ["language"]  # a facet past its time limit

    for _ in range(2):
        asyncio.run(memo.answer("k", compute, facets_size))
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("scope", "kept"),
    [
        ({"method": "GET", "path": "/diplomacy/articles"}, True),
        ({"method": "GET", "path": "/diplomacy.json", "query_string": b"sql=select+1"}, False),
        ({"method": "GET", "path": "/diplomacy/articles", "query_string": b"_where=1"}, False),
        ({"method": "GET", "path": "/diplomacy/latest_posts_by_type"}, False),
        ({"method": "HEAD", "path": "/diplomacy/articles"}, False),
        ({"method": "GET", "path": "/-/downloads"}, False),
        ({"method": "GET", "path": "/other/articles"}, False),
        ({"method": "GET", "path": "/diplomacy/articles", "headers": [(b"cookie", b"ds_actor=x")]}, False),
        (
            {
                "method": "GET",
                "path": "/diplomacy/articles",
                "headers": [(b"cookie", f"{COOKIE}=nl".encode())],
            },
            True,
        ),
    ],
)
def test_which_requests_are_answered_from_the_memo(scope: dict[str, Any], kept: bool) -> None:
    databases = {"diplomacy": ("/x/diplomacy.db", "abc")}
    key = page_key({"type": "http", **scope}, databases, frozenset({"diplomacy/latest_posts_by_type"}))
    assert (key is not None) is kept


@pytest.mark.parametrize(("index", "kept"), [(("index", ("/x/diplomacy.db", "abc")), True), (None, False)])
def test_the_landing_page_is_kept_when_every_database_is_immutable(index: Any, kept: bool) -> None:
    databases = {"diplomacy": ("/x/diplomacy.db", "abc")}
    for query in (b"", b"lang=nl"):
        scope = {"type": "http", "method": "GET", "path": "/", "query_string": query}
        assert (page_key(scope, databases, frozenset(), index) is not None) is kept
    assert (
        page_key({"type": "http", "method": "GET", "path": "/-/downloads"}, databases, frozenset(), index)
        is None
    )


def test_the_landing_page_asked_for_again_is_the_same_and_reads_nothing(
    fresh: Client, queries: list[str]
) -> None:
    first = fresh.get("/")
    assert first.status_code == 200 and queries
    queries.clear()
    again = fresh.get("/")
    assert queries == []
    assert again.text == first.text
    dutch = fresh.get("/?lang=nl")
    assert dutch.text != first.text and 'lang="nl"' in dutch.text


def test_pages_not_in_the_memo_are_worked_out_a_few_at_a_time(
    fresh: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each page's queries run between its first and its last; no more than PAGES_AT_ONCE pages have
    queries under way at once, however many are asked for together."""
    original = Database.execute
    ran: list[asyncio.Task[Any] | None] = []  # the request (the task answering it) of each query

    async def noted(self: Database, sql: str, *args: Any, **kwargs: Any) -> Any:
        ran.append(asyncio.current_task())
        return await original(self, sql, *args, **kwargs)

    fresh.get("/diplomacy/articles")  # the facets and the schema kept: each page below runs its own queries
    monkeypatch.setattr(Database, "execute", noted)
    paths = [f"/diplomacy/articles?_n={n}" for n in range(6)]

    async def together() -> list[Any]:
        return list(await asyncio.gather(*(fresh.app.client.get(path) for path in paths)))

    pages = fresh.loop.run_until_complete(together())
    assert [page.status_code for page in pages] == [200] * len(paths)
    spans = {task: (ran.index(task), len(ran) - 1 - ran[::-1].index(task)) for task in set(ran)}
    assert len(spans) == len(paths)  # every page ran queries of its own
    under_way = max(sum(first <= at <= last for first, last in spans.values()) for at in range(len(ran)))
    assert under_way == PAGES_AT_ONCE
