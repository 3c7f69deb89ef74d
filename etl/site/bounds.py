"""Bounded responses: no query reads, and no response sends, more than RESPONSE_BYTE_LIMIT bytes.

- While a query's rows are read, a row factory counts their bytes and stops the query with an
  error once they pass the limit, so that the rows of a huge answer are never all held in memory
  (`select hex(zeroblob(2400000)) from paragraphs limit 20` would be 96 MB).
- An ASGI wrapper counts the bytes of each response body: a whole body over the limit is replaced
  by a 400 that says so, a streamed one (CSV with `_stream=1`) ends at the limit with a line that
  says it was cut.
"""

from __future__ import annotations

import ctypes
import json
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager, suppress
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Largest response body, and largest sum of the values one query may read (10 MiB).
RESPONSE_BYTE_LIMIT = 10 * 2**20
# What a number or NULL counts for in a row, and how much a blob grows when shown (hex or base64).
SCALAR_BYTES = 8
BLOB_GROWTH = 2
ADVICE = "ask for fewer rows or columns (_size=, a limit) or download the data files (/-/downloads)"
# glibc's mallopt parameter, and the size from which a block is mapped alone and unmapped when freed.
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 256 * 2**10
# The bytes of each query's rows still allowed on this thread; None outside a query.
BUDGET = threading.local()


class TooLarge(Exception):
    """The rows of a query pass the response limit (not an SQLite error, which Datasette's query
    page would turn into an empty CSV: the site's error page says it, etl/site/errors.py)."""


class ResponseCut(Exception):
    """A response was cut at the limit: the app must stop sending."""


def too_large_message(limit: int) -> str:
    """What a response over the limit says."""
    return f"Response too large: this answer passes the limit of {limit:,} bytes; {ADVICE}"


def row_size(values: tuple[Any, ...]) -> int:
    """About how many bytes a row's values take in a response."""
    total = 0
    for value in values:
        if isinstance(value, str):
            total += len(value)
        elif isinstance(value, bytes):
            total += len(value) * BLOB_GROWTH
        else:
            total += SCALAR_BYTES
    return total


def counted_row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> sqlite3.Row:
    """A row as Datasette reads it (sqlite3.Row), counted against the running query's budget."""
    left = getattr(BUDGET, "left", None)
    if left is not None:
        left -= row_size(values)
        BUDGET.left = left
        if left < 0:
            raise TooLarge(too_large_message(RESPONSE_BYTE_LIMIT))
    return sqlite3.Row(cursor, values)


@contextmanager
def budget(limit: int = RESPONSE_BYTE_LIMIT) -> Iterator[None]:
    """Count the rows read on this thread inside the block against limit bytes."""
    BUDGET.left = limit
    try:
        yield
    finally:
        BUDGET.left = None


def return_freed_memory() -> None:
    """Have glibc give freed large blocks back to the system at once: a fixed mmap threshold (by
    default it grows up to 32 MB after the first large frees, and freed memory then stays)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc
        return
    libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def error_body(scope: Scope, message: str) -> tuple[bytes, bytes]:
    """The body and content type of an error, as JSON for a .json path, else as text."""
    if str(scope.get("path") or "").endswith(".json"):
        body = {"ok": False, "error": message, "status": 400, "title": "Response too large"}
        return json.dumps(body).encode(), b"application/json; charset=utf-8"
    return message.encode(), b"text/plain; charset=utf-8"


def capped(app: ASGIApp, limit: int = RESPONSE_BYTE_LIMIT) -> ASGIApp:
    """The app with every response body bounded to limit bytes."""

    async def bounded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        held: Message | None = None
        sent = 0
        cut = False

        async def counted(message: Message) -> None:
            nonlocal held, sent, cut
            if cut:
                raise ResponseCut
            if message["type"] == "http.response.start":
                held = message  # sent with the first body, once its size is known
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            body = bytes(message.get("body") or b"")
            if held is not None:
                start, held = held, None
                if not message.get("more_body") and len(body) > limit:
                    cut = True
                    text, kind = error_body(scope, too_large_message(limit))
                    headers = [(b"content-type", kind), (b"content-length", b"%d" % len(text))]
                    await send({"type": "http.response.start", "status": 400, "headers": headers})
                    await send({"type": "http.response.body", "body": text})
                    return
                await send(start)
            if sent + len(body) <= limit:
                sent += len(body)
                await send(message)
                return
            kept = body[: limit - sent]
            kept = kept[: kept.rfind(b"\n") + 1]  # whole lines only: no half row of a CSV
            notice = f"\r\n{too_large_message(limit)}; the response was cut here\r\n".encode()
            cut = True
            await send({"type": "http.response.body", "body": kept + notice, "more_body": False})
            raise ResponseCut

        with suppress(ResponseCut):
            await app(scope, receive, counted)

    return bounded
