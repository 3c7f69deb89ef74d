"""The rows of a package folder's CSV files as strings, held or streamed one at a time."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

# A cell may be as long as an article's body (a source may be megabytes): the csv module refuses a
# field over 128 KiB unless told otherwise, as frictionless tells it when it reads a CSV file.
FIELD_LIMIT = 2**31 - 1


def long_cells() -> None:
    """Let the csv module read cells of any length (a process-wide setting)."""
    csv.field_size_limit(FIELD_LIMIT)


def read_rows(folder: Path, resource: str) -> list[dict[str, str]]:
    """Rows of a resource's CSV file as strings."""
    return list(stream_rows(folder, resource))


def stream_rows(folder: Path, resource: str) -> Iterator[dict[str, str]]:
    """Rows of a resource's CSV file as strings, one at a time."""
    long_cells()
    with (folder / "data" / f"{resource}.csv").open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def stream_records(folder: Path, resource: str) -> Iterator[list[str]]:
    """The records of a resource's CSV file as lists of strings, its header first, one at a time;
    blank lines left out (as csv.DictReader leaves them out)."""
    long_cells()
    with (folder / "data" / f"{resource}.csv").open(encoding="utf-8", newline="") as handle:
        yield from filter(None, csv.reader(handle))


class CsvTables(Mapping[str, Iterable[dict[str, str]]]):
    """The resources of a package folder by name, each a fresh stream of its CSV rows whenever it is
    looked up (so that the checks hold one row at a time, not the package)."""

    def __init__(self, folder: Path, names: Iterable[str]) -> None:
        self.folder, self.names = folder, tuple(names)

    def __getitem__(self, name: str) -> Iterable[dict[str, str]]:
        if name not in self.names:
            raise KeyError(name)
        return stream_rows(self.folder, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)
