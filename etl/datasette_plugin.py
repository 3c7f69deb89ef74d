"""Datasette plugin of the project: limits every SQLite connection's value length, so a query
such as ``select length(hex(zeroblob(300000000)))`` is refused instead of eating memory."""

from __future__ import annotations

import sqlite3
from typing import Any

from datasette import hookimpl

from etl.site import VALUE_LENGTH_LIMIT


@hookimpl  # type: ignore[untyped-decorator]
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    """Cap the length of any string or blob a query on this connection may build."""
    del database, datasette
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_LENGTH_LIMIT)
