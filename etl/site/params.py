"""What the site checks in a request before Datasette reads it, so that a parameter Datasette 0.65
would fail on with a 500 is a 400 with a message, and a row key of the wrong shape a 404.

- `_sort` and `_sort_desc` by no column of the table;
- `_timelimit` that is no whole number (Datasette calls int() on it);
- `_through` that is no JSON object with `table`, `column` and `value` (Datasette calls json.loads
  on it and indexes the result);
- a row page whose key has more or fewer parts than the table's primary key.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

SORT_KEYS = ("_sort", "_sort_desc")
THROUGH_KEYS = ("table", "column", "value")
# A row page's last segment: the key's parts, joined by commas, and a format (as Datasette routes it).
ROW_SEGMENT = re.compile(r"^(?P<pks>[^/]+?)(\.(?P<format>\w+))?$")
FORMATS = (".json", ".csv")


@dataclass(frozen=True)
class Table:
    """What the checks know of a table: its columns and its primary key (rowid when it has none)."""

    columns: frozenset[str]
    keys: tuple[str, ...]


def read_tables(datasette: Any) -> dict[str, Table]:
    """Every table of the served databases, by `database/table`; the databases are immutable, so
    they are read once."""
    found: dict[str, Table] = {}
    for name, db in datasette.databases.items():
        if not db.path:
            continue
        connection = sqlite3.connect(f"file:{db.path}?mode=ro", uri=True)
        try:
            tables = [r[0] for r in connection.execute("select name from sqlite_master where type = 'table'")]
            for table in tables:
                info = connection.execute(f"pragma table_info([{table}])").fetchall()
                keys = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
                found[f"{name}/{table}"] = Table(frozenset(r[1] for r in info), keys or ("rowid",))
        finally:
            connection.close()
    return found


def table_of(path: str, tables: dict[str, Table]) -> tuple[str, Table] | None:
    """The table whose page (HTML, JSON or CSV) a path is, if any."""
    parts = path.strip("/").split("/")
    if len(parts) != 2:
        return None
    name = parts[1].rsplit(".", 1)[0] if parts[1].endswith(FORMATS) else parts[1]
    found = tables.get(f"{parts[0]}/{name}")
    return (name, found) if found is not None else None


def bad_sort(name: str, table: Table, pairs: list[tuple[str, str]]) -> str | None:
    """Why a table page's `_sort` or `_sort_desc` cannot be honoured, if it cannot."""
    for key, value in pairs:
        if key in SORT_KEYS and value and value not in table.columns:
            return f"{key}: {name} has no column {value!r} to sort by"
    return None


def bad_through(value: str) -> str | None:
    """Why a `_through` value cannot be read, if it cannot."""
    try:
        through = json.loads(value)
    except ValueError:
        through = None
    if not isinstance(through, dict) or not all(isinstance(through.get(k), str | int) for k in THROUGH_KEYS):
        return '_through: expected a JSON object {"table": ..., "column": ..., "value": ...}'
    return None


def bad_parameter(pairs: list[tuple[str, str]]) -> str | None:
    """Why a parameter any page may take cannot be read, if one cannot."""
    for key, value in pairs:
        if key == "_timelimit" and value and not value.strip().isdigit():
            return f"_timelimit: expected a whole number of milliseconds, not {value!r}"
        if key == "_through" and (problem := bad_through(value)) is not None:
            return problem
    return None


def missing_row(raw_path: str, tables: dict[str, Table]) -> str | None:
    """Why a row page's key cannot name a row of its table (too few or too many parts), if so."""
    from datasette.utils import tilde_decode

    parts = raw_path.strip("/").split("/")
    if len(parts) != 3 or parts[2].startswith("-"):
        return None
    name = tilde_decode(parts[1])
    table = tables.get(f"{parts[0]}/{name}")
    segment = ROW_SEGMENT.match(parts[2])
    if table is None or segment is None:
        return None
    given = segment.group("pks").count(",") + 1
    if given == len(table.keys):
        return None
    keys = ", ".join(table.keys)
    return f"{name} has no such row: its key has {len(table.keys)} part(s) ({keys}), not {given}"


def refusal(scope: dict[str, Any] | Any, tables: dict[str, Table]) -> tuple[int, str] | None:
    """The status and message a request is refused with before Datasette reads it, if it is."""
    query = bytes(scope.get("query_string") or b"").decode("latin-1")
    pairs = parse_qsl(query, keep_blank_values=True)
    problem = bad_parameter(pairs)
    if problem is not None:
        return 400, problem
    path = str(scope.get("path") or "")
    found = table_of(path, tables)
    if found is not None and (problem := bad_sort(*found, pairs)) is not None:
        return 400, problem
    raw = bytes(scope.get("raw_path") or path.encode()).partition(b"?")[0].decode("latin-1")
    problem = missing_row(raw, tables)
    return (404, problem) if problem is not None else None
