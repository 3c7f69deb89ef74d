"""The audit of every SQL function the site's queries can call (`pragma_function_list`: SQLite's
and Datasette's): each one allowed, replaced (by a version in etl/site/sqlguard.py) or refused, with
the reason.

A test fails when SQLite lists a function this table does not name, so that a new SQLite with a new
function is audited before it is served. `refuse` replaces the refused ones on a connection by a
function that raises an error naming itself.
"""

from __future__ import annotations

import sqlite3
from typing import Any

ALLOWED, REPLACED, REFUSED = "allowed", "replaced", "refused"
# The longest LIKE or GLOB pattern (SQLITE_LIMIT_LIKE_PATTERN_LENGTH, SQLite's default is 50,000):
# one call's work grows with the pattern times the value, and the time limit cannot stop one call
# (a 10,000-byte pattern on a 4.8 MB value runs for 50 s); at 100 it stays under half a second.
# Datasette's own search for a table's FTS index needs 37 bytes and the table's name, escaped.
LIKE_PATTERN_LIMIT = 100

MATH = "arithmetic on numbers: one value in, one out, constant time"
TEXT = "text or blob in, text or blob out, linear in its arguments, bounded by the value length limit"
VALUES = "chooses or describes values: constant time"
DATES = "dates and times: linear in a format bounded by the value length limit"
JSON = "JSON: linear in its arguments, nesting bounded by SQLite's JSON depth limit"
AGGREGATE = "aggregate or window function: the time limit is checked between its steps"
FTS5 = "full-text search on the FTS5 indexes (the site's search uses it)"
FTS3 = "auxiliary function of FTS3/FTS4, which the database has no table of: fails on anything else"
BUILD = "names SQLite's version and build options, as /-/versions.json does"
CHANGES = "counts this connection's writes: always 0, the connection is read-only"
PLANNER = "a hint to the query planner: returns its argument"
PATTERN = f"pattern match, linear in the value times the pattern, at most {LIKE_PATTERN_LIMIT} bytes long"
QUADRATIC = "one call can run for minutes on values under the length limit: a linear version instead"
TRIM = "with a set of characters, one call can run for minutes: a linear version instead"
PRINTF = "%.Nc repeats a character N times before giving up: NULL at once when N passes the limit"
RTREE = (
    "R*Tree debugging: reads a node from a blob the caller gives (rtreenode read out of bounds on "
    "crafted blobs, CVE-2019-8457); the database has no R*Tree"
)

# fmt: off
FUNCTIONS: dict[str, tuple[str, str]] = {
    **{name: (ALLOWED, MATH) for name in (
        "abs", "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "ceil", "ceiling", "cos",
        "cosh", "degrees", "exp", "floor", "ln", "log", "log10", "log2", "mod", "pi", "pow", "power",
        "radians", "random", "round", "sign", "sin", "sinh", "sqrt", "tan", "tanh", "trunc",
    )},
    **{name: (ALLOWED, TEXT) for name in (
        "char", "hex", "length", "lower", "quote", "randomblob", "soundex", "substr", "substring",
        "unicode", "upper", "zeroblob",
    )},
    **{name: (ALLOWED, VALUES) for name in ("coalesce", "ifnull", "iif", "nullif", "subtype", "typeof")},
    **{name: (ALLOWED, DATES) for name in (
        "current_date", "current_time", "current_timestamp", "date", "datetime", "julianday", "strftime",
        "time", "unixepoch",
    )},
    **{name: (ALLOWED, JSON) for name in (
        "->", "->>", "json", "json_array", "json_array_length", "json_extract", "json_insert",
        "json_object", "json_patch", "json_quote", "json_remove", "json_replace", "json_set", "json_type",
        "json_valid",
    )},
    **{name: (ALLOWED, AGGREGATE) for name in (
        "avg", "count", "cume_dist", "dense_rank", "first_value", "group_concat", "json_group_array",
        "json_group_object", "lag", "last_value", "lead", "max", "min", "nth_value", "ntile",
        "percent_rank", "rank", "row_number", "sum", "total",
    )},
    **{name: (ALLOWED, FTS5) for name in ("bm25", "highlight", "match", "snippet")},
    "escape_fts": (ALLOWED, "Datasette's own: quotes each word of a `_search` query, linear in it"),
    **{name: (ALLOWED, FTS3) for name in ("matchinfo", "offsets")},
    **{name: (ALLOWED, BUILD) for name in (
        "fts5_source_id", "sqlite_compileoption_get", "sqlite_compileoption_used", "sqlite_source_id",
        "sqlite_version",
    )},
    **{name: (ALLOWED, CHANGES) for name in ("changes", "last_insert_rowid", "total_changes")},
    **{name: (ALLOWED, PLANNER) for name in ("likelihood", "likely", "unlikely")},
    **{name: (ALLOWED, PATTERN) for name in ("glob", "like")},
    **{name: (REPLACED, QUADRATIC) for name in ("instr", "replace")},
    **{name: (REPLACED, TRIM) for name in ("trim", "ltrim", "rtrim")},
    **{name: (REPLACED, PRINTF) for name in ("printf", "format")},
    "fts3_tokenizer": (REFUSED, "gives a tokenizer's address in the server's memory, or installs one"),
    "fts5": (REFUSED, "hands out FTS5's C interface through a bound pointer: nothing a query needs"),
    "load_extension": (REFUSED, "loads native code from a file of the server"),
    "optimize": (REFUSED, "merges the segments of an FTS3/FTS4 index: a write"),
    "sqlite_log": (REFUSED, "writes a message into SQLite's error log"),
    **{name: (REFUSED, RTREE) for name in ("rtreecheck", "rtreedepth", "rtreenode")},
}
# fmt: on


def verdict(name: str) -> str:
    """What the site does with an SQL function: allowed, replaced or refused."""
    return FUNCTIONS[name][0]


def refusing(name: str) -> Any:
    """A function that refuses to run, naming itself in the error."""

    def refuse(*arguments: Any) -> None:
        del arguments
        raise sqlite3.ProgrammingError(f"{name} is not available on this site")

    return refuse


def refuse(connection: sqlite3.Connection) -> None:
    """Replace every refused function on a connection, in each of its arities, by a refusal."""
    names = [name for name, (kind, _) in FUNCTIONS.items() if kind == REFUSED]
    marks = ", ".join("?" * len(names))
    arities = connection.execute(
        f"select distinct name, narg from pragma_function_list where name in ({marks})", names
    ).fetchall()
    for name, arguments in arities:
        connection.create_function(name, arguments, refusing(name))


# Columns a query may read only as NULL: pragma_database_list names the database's file, with its
# absolute path on the host.
HIDDEN_COLUMNS = frozenset({("pragma_database_list", "file")})


def hide(action: int, first: str | None, second: str | None, *rest: Any) -> int:
    """SQLite's authorizer of the site's queries: the hidden columns read as NULL, all else allowed."""
    del rest
    if action == sqlite3.SQLITE_READ and (first, second) in HIDDEN_COLUMNS:
        return sqlite3.SQLITE_IGNORE
    return sqlite3.SQLITE_OK


def limit(connection: sqlite3.Connection) -> None:
    """Bound the LIKE and GLOB patterns of a connection, and hide the columns that name files."""
    connection.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, LIKE_PATTERN_LIMIT)
    connection.set_authorizer(hide)
