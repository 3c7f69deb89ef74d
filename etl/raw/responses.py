"""HTTP replies of a fetch: the errors naming a URL, a reply, and bodies read within the size cap."""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus

import httpx

COMPRESSED = ("gzip", "x-gzip", "deflate")
CHUNK = 64 * 1024


class FetchError(Exception):
    """A page that could not be archived; str() is one line naming the URL and the reason."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = " ".join(reason.split())
        super().__init__(f"{url}: {self.reason}")


class FetchRefused(FetchError):
    """A page this fetcher may not or will not archive: robots.txt forbids it, or it is not HTML."""


class TransientError(FetchError):
    """A failure worth another attempt: a timeout, a dropped connection, a truncated body."""


class BodyError(ValueError):
    """A response body that cannot be accepted; `transient` when another attempt may succeed."""

    def __init__(self, reason: str, *, transient: bool = False) -> None:
        super().__init__(reason)
        self.transient = transient


@dataclass(frozen=True)
class Reply:
    """One HTTP response, its body read (empty unless the status was 2xx)."""

    url: str
    status: int
    headers: httpx.Headers
    body: bytes
    retrieved: dt.datetime


def describe_status(status: int) -> str:
    """An HTTP status with its phrase, e.g. 'HTTP 404 Not Found'."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def decode_body(
    chunks: Iterable[bytes], content_encoding: str | None, max_bytes: int, declared: int | None = None
) -> bytes:
    """A response body from its raw chunks: decompressed (gzip, deflate), never more than max_bytes
    after decompression, and complete (as long as the Content-Length it declared, a whole gzip stream)."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding not in ("", "identity", *COMPRESSED):
        raise BodyError(f"unsupported Content-Encoding {encoding!r}")
    if declared is not None and declared > max_bytes:
        raise BodyError(f"Content-Length {declared} exceeds the size cap of {max_bytes} bytes")
    decoder = zlib.decompressobj(wbits=47) if encoding in COMPRESSED else None
    parts: list[bytes] = []
    received = size = 0
    for chunk in chunks:
        received += len(chunk)
        pending = chunk
        while pending:
            if decoder is None:
                out, pending = pending, b""
            else:
                if decoder.eof:  # another gzip member follows
                    decoder = zlib.decompressobj(wbits=47)
                try:
                    out = decoder.decompress(pending, max_bytes - size + 1)
                except zlib.error as exc:
                    raise BodyError(f"corrupt {encoding} body ({exc})") from None
                pending = decoder.unconsumed_tail or decoder.unused_data
            size += len(out)
            if size > max_bytes:
                raise BodyError(f"body larger than the size cap of {max_bytes} bytes after decompression")
            parts.append(out)
    if declared is not None and received < declared:
        raise BodyError(f"truncated body: received {received} of {declared} bytes", transient=True)
    if decoder is not None and not decoder.eof:
        raise BodyError(f"truncated body: the {encoding} stream ends early", transient=True)
    return b"".join(parts)


def raw_chunks(response: httpx.Response) -> Iterator[bytes]:
    """The raw bytes of a streamed response; a connection closed too early is a truncated body."""
    try:
        yield from response.iter_raw(CHUNK)
    except httpx.RemoteProtocolError as exc:
        raise BodyError(f"truncated body: {exc}", transient=True) from None
