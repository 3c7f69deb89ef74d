"""The audit of SQLite's functions (etl/site/functions.py): every function SQLite lists is in the
table with a verdict and a reason, and the site does what the table says."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest

from etl.layout import DATABASE
from etl.site.functions import ALLOWED, FUNCTIONS, LIKE_PATTERN_LIMIT, REFUSED, REPLACED
from tests.conftest import Client

LIST = "select distinct name from pragma_function_list order by name"


def site_rows(client: Client, sql: str) -> list[list[object]]:
    """The rows of a query run by the site."""
    answer = client.get(f"/diplomacy.json?sql={quote(sql)}&_size=max")
    assert answer.status_code == 200, answer.text[:300]
    return list(answer.json()["rows"])


def test_every_sqlite_function_is_audited() -> None:
    names = {name for (name,) in sqlite3.connect(":memory:").execute(LIST)}
    assert names - FUNCTIONS.keys() == set(), "new SQLite functions: add them to etl/site/functions.py"


def test_every_function_the_site_offers_is_audited(client: Client) -> None:
    names = {row[0] for row in site_rows(client, LIST)}
    assert names and names - FUNCTIONS.keys() == set()


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_audited_function_has_a_verdict_and_a_reason(name: str) -> None:
    verdict, reason = FUNCTIONS[name]
    assert verdict in (ALLOWED, REPLACED, REFUSED) and len(reason) > 20


def test_replaced_functions_are_the_site_s_own(client: Client) -> None:
    own = {row[0] for row in site_rows(client, "select name from pragma_function_list where builtin = 0")}
    assert {name for name, (verdict, _) in FUNCTIONS.items() if verdict == REPLACED} <= own


def calls(name: str) -> list[str]:
    """A call of a function in each of the arities SQLite lists for it."""
    arities = sqlite3.connect(":memory:").execute(
        "select distinct narg from pragma_function_list where name = ?", [name]
    )
    return [f"select {name}({', '.join(['1'] * max(n, 1))})" for (n,) in arities]


@pytest.mark.parametrize("name", sorted(n for n, (verdict, _) in FUNCTIONS.items() if verdict == REFUSED))
def test_refused_functions_are_refused(client: Client, name: str) -> None:
    for sql in calls(name):
        answer = client.get(f"/diplomacy.json?sql={quote(sql)}")
        assert answer.status_code == 400 and answer.json()["rows"] == [], sql


@pytest.mark.parametrize(
    "sql",
    [
        "select 'abc' like '%' || hex(zeroblob(60))",
        "select 'abc' glob '*' || hex(zeroblob(60))",
        "select 'abc' like ('%' || hex(zeroblob(60))) escape '!'",
    ],
)
def test_a_long_like_or_glob_pattern_is_refused(client: Client, sql: str) -> None:
    answer = client.get(f"/diplomacy.json?sql={quote(sql)}")
    assert answer.status_code == 400 and "too complex" in answer.json()["error"]


def test_like_and_glob_work_within_the_pattern_limit(client: Client) -> None:
    sql = "select 'Egmont' like 'eg%', 'Egmont' glob 'E*t', count(*) > 0 from articles where title like '%a%'"
    assert site_rows(client, sql) == [[1, 1, 1]]


def test_the_like_pattern_limit_leaves_room_for_datasette_s_own_searches(release: Path) -> None:
    from datasette.utils import detect_fts_sql

    connection = sqlite3.connect(release / DATABASE)
    for (table,) in connection.execute("select name from sqlite_master where type = 'table'"):
        _, params = detect_fts_sql(table)
        assert len(params["fts_double_quoted"].encode()) <= LIKE_PATTERN_LIMIT, table
