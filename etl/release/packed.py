"""Rows held packed in memory: marshalled and compressed in batches, unpacked a batch at a time as
they are gone through. A build's report holds every warning of its sources (about 500,000 at
100,000 articles, 160 MB as dictionaries): packed, they take a few megabytes, and writing the
report or loading its table reads them in order, as before."""

from __future__ import annotations

import marshal
import zlib
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from etl.curate import Streamed

Row = dict[str, Any]
# Rows a batch: large enough for the repeated words of the rows to compress, small enough that
# looking at one row unpacks little.
BATCH_ROWS = 1_000
# zlib's fastest level: the rows' repetitions compress well at any level.
LEVEL = 1


class Packed(Streamed[Row]):
    """Rows (of str, int, float, bool, None, lists and dicts of them) packed as they came."""

    def __init__(self, rows: Iterable[Row], batch: int = BATCH_ROWS) -> None:
        self.batches: list[bytes] = []
        self.size = 0
        them = iter(rows)
        while chunk := list(islice(them, batch)):
            self.batches.append(zlib.compress(marshal.dumps(chunk), LEVEL))
            self.size += len(chunk)

    @staticmethod
    def unpack(blob: bytes) -> list[Row]:
        rows: list[Row] = marshal.loads(zlib.decompress(blob))
        return rows

    def __iter__(self) -> Iterator[Row]:
        for blob in self.batches:
            yield from self.unpack(blob)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Packed | list | tuple):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Packed({self.size} rows in {len(self.batches)} batches)"
