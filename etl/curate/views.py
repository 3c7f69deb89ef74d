"""Rows seen through a function, made a row at a time when looked at: a merged table as another
shape of it (with its periods filled in, as the CSV files will hold it) without a copy of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
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
