"""Rows made a row at a time when they are looked at, never held as a list: seen through a function
(a merged table as another shape of it, with its periods filled in, as the CSV files will hold
it), or read again whenever they are gone through (rows on disk, rows packed in memory)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar, overload

Seen = TypeVar("Seen")


class Mapped(Sequence[Seen]):
    """Each row of a sequence as a function makes it, when it is looked at."""

    def __init__(self, function: Callable[[Any], Seen], rows: Sequence[Any]) -> None:
        self.function, self.rows = function, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Seen]:
        return map(self.function, self.rows)

    @overload
    def __getitem__(self, index: int) -> Seen: ...
    @overload
    def __getitem__(self, index: slice) -> list[Seen]: ...
    def __getitem__(self, index: int | slice) -> Seen | list[Seen]:
        if isinstance(index, slice):
            return [self.function(row) for row in self.rows[index]]
        return self.function(self.rows[index])


class Streamed(Sequence[Seen]):
    """Rows made again each time they are gone through, in order (size of them): an index or a
    slice goes through them up to the rows asked for."""

    size = 0

    def __len__(self) -> int:
        return self.size

    @abstractmethod
    def __iter__(self) -> Iterator[Seen]: ...

    @overload
    def __getitem__(self, index: int) -> Seen: ...
    @overload
    def __getitem__(self, index: slice) -> list[Seen]: ...
    def __getitem__(self, index: int | slice) -> Seen | list[Seen]:
        if isinstance(index, slice):
            return list(islice(self, *index.indices(len(self))))
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError(index)
        return next(islice(self, position, None))
