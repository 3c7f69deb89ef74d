"""No 500 from any query string (issue 14): property-based tests (hypothesis) send every table page
and row page of the release random mixes of Datasette's parameters, filters and values, through
Datasette's own client, and fail on any answer of 500 or more. Bounded: a fixed number of examples,
no example database written."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.layout import DATABASE
from tests.conftest import Client

# Datasette 0.65's special parameters of table and row pages, and the site's own.
SPECIAL = [
    "_sort", "_sort_desc", "_facet", "_facet_array", "_facet_date", "_facet_size", "_size", "_next",
    "_search", "_searchmode", "_where", "_col", "_nocol", "_labels", "_label", "_shape", "_json", "_nl",
    "_timelimit", "_through", "_nocount", "_nofacet", "_nosuggest", "_trace", "_stream", "_dl",
    "_header", "_fts_table", "_fts_pk", "_extra", "_filter_column", "_filter_op", "_filter_value",
    "_filter_column_1", "_filter_op_1", "_filter_value_1", "_hash", "_blob_column", "_blob_hash",
    "_json_infinity", "_ttl", "_context", "lang",
]  # fmt: skip
OPS = [
    "exact", "not", "contains", "endswith", "startswith", "gt", "gte", "lt", "lte", "like", "notlike",
    "glob", "in", "notin", "arraycontains", "arraynotcontains", "date", "isnull", "notnull", "isblank",
    "notblank", "nope", "",
]  # fmt: skip
NASTY = [
    "", "0", "-1", "1e999", "max", "abc", "id]", "[id]", '"', "'", "%", "_", "~", "~2C", ",", "a,b",
    "{}", "[]", '{"table": "x", "column": "y", "value": 1}', "[1, 2]", "null", "\x00", "\u202e", "é",
    "rowid", "count", "*", "select 1", "1=1", "objects", "array", "arrays", "object", "x" * 300,
]  # fmt: skip
FORMATS = ["", ".json", ".csv"]
EXAMPLES = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def columns_and_tables(root: Path) -> tuple[list[str], list[str]]:
    """The tables of a release and every column name of them."""
    connection = sqlite3.connect(root / DATABASE)
    tables = [r[0] for r in connection.execute("select name from sqlite_master where type = 'table'")]
    columns = sorted({r[1] for t in tables for r in connection.execute(f"pragma table_info([{t}])")})
    return tables, columns


@pytest.fixture(scope="module")
def schema(release: Path) -> tuple[list[str], list[str]]:
    return columns_and_tables(release)


def values() -> st.SearchStrategy[str]:
    """Parameter values: the nasty ones, numbers and any text."""
    return st.one_of(st.sampled_from(NASTY), st.integers(-(2**70), 2**70).map(str), st.text(max_size=40))


def keys(columns: list[str]) -> st.SearchStrategy[str]:
    """Parameter names: Datasette's special ones, filters on columns with any operator, any text."""
    filters = st.builds(lambda c, o: f"{c}__{o}", st.sampled_from(columns), st.sampled_from(OPS))
    return st.one_of(st.sampled_from(SPECIAL), filters, st.sampled_from(columns), st.text(max_size=12))


def fail_on_500(client: Client, path: str) -> None:
    """GET a path; fail when the site answers 500 or more."""
    answer = client.get(path)
    assert answer.status_code < 500, (path, answer.status_code, answer.text[:500])


@given(data=st.data())
@EXAMPLES
def test_no_query_string_makes_a_table_page_fail(
    client: Client, schema: tuple[list[str], list[str]], data: st.DataObject
) -> None:
    tables, columns = schema
    table = data.draw(st.sampled_from(tables))
    suffix = data.draw(st.sampled_from(FORMATS))
    pairs = data.draw(st.lists(st.tuples(keys(columns), values()), min_size=1, max_size=5))
    fail_on_500(client, f"/diplomacy/{quote(table)}{suffix}?{urlencode(pairs)}")


@given(data=st.data())
@EXAMPLES
def test_no_row_key_or_query_string_makes_a_row_page_fail(
    client: Client, schema: tuple[list[str], list[str]], data: st.DataObject
) -> None:
    tables, columns = schema
    table = data.draw(st.sampled_from(tables))
    parts = data.draw(st.lists(values(), min_size=1, max_size=5))
    key = ",".join(quote(p, safe="~") for p in parts) or "x"
    suffix = data.draw(st.sampled_from(["", ".json"]))
    pairs = data.draw(st.lists(st.tuples(keys(columns), values()), max_size=3))
    fail_on_500(client, f"/diplomacy/{quote(table)}/{key}{suffix}?{urlencode(pairs)}")


@given(data=st.data())
@EXAMPLES
def test_no_query_string_makes_a_query_page_fail(
    client: Client, schema: tuple[list[str], list[str]], data: st.DataObject
) -> None:
    tables, columns = schema
    table = data.draw(st.sampled_from(tables))
    sql = data.draw(st.sampled_from([f"select * from [{table}]", "select 1 as x", "select :p as x"]))
    pairs = data.draw(st.lists(st.tuples(keys(columns), values()), max_size=4))
    suffix = data.draw(st.sampled_from(FORMATS))
    fail_on_500(client, f"/diplomacy{suffix}?{urlencode([('sql', sql), *pairs])}")
