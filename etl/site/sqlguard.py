"""SQL functions that cannot run away on a public instance.

Datasette stops a query at its time limit with SQLite's progress handler, which runs between the
steps of SQLite's virtual machine: it cannot stop one long call of a built-in function. Some
built-ins take time far beyond the size of their result on values the length limit still allows:

- `instr(x, y)` and `replace(x, y, z)` compare the pattern at every position: quadratic, so
  `instr(hex(zeroblob(2400000)), hex(zeroblob(1200000)) || '1')` runs for minutes;
- `trim`, `ltrim` and `rtrim` with a set of characters test each character against the whole set;
- `printf` and `format` with `%c` and a huge precision repeat the character that many times, even
  after the result is already too big (`printf('%.*c', 2000000000, 'x')` takes about 14 s).

`install` replaces them on a connection with versions that stay fast: the built-in itself (run on a
private in-memory connection, so exactly its semantics) when the work is small, Python's linear-time
string search when it is large; a printf whose width or precision alone passes the length limit
gives NULL at once, as the built-in gives after its long loop.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

# Product of the argument sizes below which the built-in runs (a few milliseconds at most).
WORK_BUDGET = 10_000_000
TRIMS = ("trim", "ltrim", "rtrim")
# A printf conversion: flags, width, precision, length modifier, conversion character.
PRINTF_SPEC = re.compile(r"%([-+ 0#,!]*)(\*|\d+)?(?:\.(\*|\d*))?(l{0,2})([a-zA-Z%])")
# Conversions whose precision is a maximum (of characters taken from the argument), not a minimum.
PRECISION_IS_MAXIMUM = frozenset("sqQwz")
LEADING_INTEGER = re.compile(r"\s*([-+]?\d+)")


class TooCostly(ValueError):
    """A call whose work would be far larger than its result, with arguments of mixed types."""


def size(value: Any) -> int:
    """The length that drives the work of a string function: characters or bytes, or a number's."""
    return len(value) if isinstance(value, str | bytes) else 32


def as_integer(value: Any) -> int:
    """An SQL value as printf reads an integer argument (text: its leading integer, else 0)."""
    if isinstance(value, bool | int):
        return int(value)
    if isinstance(value, float):
        return int(value) if value == value and abs(value) < 2**63 else 0
    if isinstance(value, str | bytes):
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
        found = LEADING_INTEGER.match(text)
        return int(found.group(1)) if found else 0
    return 0


def printf_too_big(fmt: str, args: tuple[Any, ...], limit: int) -> bool:
    """Whether a printf format's width or precision alone makes a result longer than limit."""
    position = 0
    for spec in PRINTF_SPEC.finditer(fmt):
        conversion = spec.group(5)
        if conversion == "%":
            continue
        width, precision = spec.group(2), spec.group(3)
        values = []
        for part in (width, precision):
            if part == "*":
                values.append(as_integer(args[position]) if position < len(args) else 0)
                position += 1
            else:
                values.append(int(part) if part else 0)
        position += 1
        if abs(values[0]) > limit:
            return True
        if precision is not None and conversion not in PRECISION_IS_MAXIMUM and values[1] > limit:
            return True
    return False


class Guard:
    """The replacement functions of one connection, with the length limit of its values."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.local = threading.local()

    def builtin(self, name: str, *args: Any) -> Any:
        """SQLite's own function on a private in-memory connection of this thread."""
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(":memory:")
            connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, self.limit)
            self.local.connection = connection
        placeholders = ", ".join("?" * len(args))
        try:
            return connection.execute(f"select {name}({placeholders})", args).fetchone()[0]
        except sqlite3.DataError:  # string or blob too big
            return self.too_big()

    def too_big(self) -> bytes:
        """A result one byte over the length limit, so that SQLite itself refuses it with its own
        error ("string or blob too big"), as it refuses the built-in's result."""
        return bytes(self.limit + 1)

    def instr(self, haystack: Any, needle: Any) -> Any:
        """instr(X, Y): 1-based position of Y in X, 0 if absent."""
        if size(haystack) * size(needle) <= WORK_BUDGET or haystack is None or needle is None:
            return self.builtin("instr", haystack, needle)
        if isinstance(haystack, str) and isinstance(needle, str):
            return haystack.find(needle) + 1
        if isinstance(haystack, bytes) and isinstance(needle, bytes):
            return haystack.find(needle) + 1
        raise TooCostly("instr: arguments too long to compare")

    def replace(self, text: Any, pattern: Any, replacement: Any) -> Any:
        """replace(X, Y, Z): X with every Y replaced by Z."""
        if size(text) * size(pattern) <= WORK_BUDGET or None in (text, pattern, replacement):
            return self.builtin("replace", text, pattern, replacement)
        if not (isinstance(text, str) and isinstance(pattern, str) and isinstance(replacement, str)):
            raise TooCostly("replace: arguments too long to compare")
        if pattern == "":
            return text
        result = text.replace(pattern, replacement)
        return self.too_big() if len(result.encode("utf-8")) > self.limit else result

    def trimmer(self, name: str) -> Callable[[Any, Any], Any]:
        """trim, ltrim or rtrim with a set of characters: X without the characters of Y at its ends."""

        def trim(text: Any, characters: Any) -> Any:
            if size(text) * size(characters) <= WORK_BUDGET or text is None or characters is None:
                return self.builtin(name, text, characters)
            if not (isinstance(text, str) and isinstance(characters, str)):
                raise TooCostly(f"{name}: arguments too long to compare")
            run = re.compile("[" + "".join(re.escape(c) for c in sorted(set(characters))) + "]*")
            start = run.match(text).end() if name != "rtrim" else 0  # type: ignore[union-attr]
            end = len(text) - (run.match(text[::-1]).end() if name != "ltrim" else 0)  # type: ignore[union-attr]
            return text[start:end] if start < end else ""

        return trim

    def printer(self, name: str) -> Callable[..., Any]:
        """printf or format: NULL at once when a width or precision alone passes the length limit."""

        def printf(*args: Any) -> Any:
            if args and isinstance(args[0], str) and printf_too_big(args[0], args[1:], self.limit):
                return None
            return self.builtin(name, *args)

        return printf


def install(connection: sqlite3.Connection, limit: int) -> None:
    """Replace the functions that could run away on this connection by their guarded versions."""
    guard = Guard(limit)
    connection.create_function("instr", 2, guard.instr, deterministic=True)
    connection.create_function("replace", 3, guard.replace, deterministic=True)
    for name in TRIMS:
        connection.create_function(name, 2, guard.trimmer(name), deterministic=True)
    for name in ("printf", "format"):
        connection.create_function(name, -1, guard.printer(name), deterministic=True)
