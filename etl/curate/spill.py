"""The rows of the largest per-source resources (the articles, their paragraphs and quotes) kept on
disk between extraction and writing, not in memory: each source's rows are appended to one file per
resource as its extraction comes in, and read back a row at a time whenever the merged table is
gone through (to check it, write it, count it).

Those rows are merged by key order alone: no curated row, review or other source restates them, so
when the sources come in the order of the resource's key (each source's rows sorted, every key
above the previous source's), the files are already the merged table. The order is checked as the
rows come in; a resource found out of order (or with a key given twice) is read back into memory
and merged like the others, so the result is the same either way."""

from __future__ import annotations

import marshal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, overload

from etl.curate.merge import CITING_COLUMNS, sort_key
from etl.specs import PackageSpec, ResourceSpec

Row = dict[str, Any]
# The extraction's key of each resource kept on disk (a single row for the article, lists else).
SPILLED = {"articles": "article", "paragraphs": "paragraphs", "quotes": "quotes"}
WARNINGS = "warnings"
# The values of the columns by which rows cite a source are noted as the rows come, so that finding
# what a table cites does not read it again.
CITING = CITING_COLUMNS
# Each record: its length in so many bytes, then the marshalled (source, rows).
LENGTH_BYTES = 8
READ_BUFFER = 2**20


@dataclass
class Track:
    """One resource's file: the rows each source appended (in order), the last key, and whether
    every key so far was above the one before."""

    path: Path
    spec: ResourceSpec
    counts: dict[str, int] = field(default_factory=dict)
    cites: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    last: tuple[Any, ...] | None = None
    ordered: bool = True


class Spill:
    """The per-source rows of the SPILLED resources of some packages, in files under a folder."""

    def __init__(self, folder: Path, packages: tuple[PackageSpec, ...]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        specs = {r.name: r for p in packages for r in p.resources}
        self.tracks = {
            name: Track(folder / f"{name}.marshal", specs[name]) for name in SPILLED if name in specs
        }
        self.handles = {name: track.path.open("wb") for name, track in self.tracks.items()}
        # and each extraction's warnings, which only the build's report reads, at its end
        self.notes = folder / "warnings.marshal"
        self.handles[WARNINGS] = self.notes.open("wb")

    def take(self, extraction: dict[str, Any]) -> dict[str, Any]:
        """The extraction without the rows of the spilled resources, which are appended to their
        files (each source's rows in key order), nor its warnings (see warnings)."""
        source = str(extraction["source"]["id"])
        light = dict(extraction)
        self.append(WARNINGS, source, light.pop(WARNINGS, []))
        for name, track in self.tracks.items():
            found = light.pop(SPILLED[name], [])
            rows = found if isinstance(found, list) else [found]
            keys = track.spec.primary_key
            rows = sorted(rows, key=lambda r: sort_key(r, keys))
            for row in rows:
                key = sort_key(row, keys)
                try:
                    if track.last is not None and not track.last < key:
                        track.ordered = False
                except TypeError:  # keys of different types cannot be ordered as they come
                    track.ordered = False
                track.last = key
            self.append(name, source, rows)
            track.counts[source] = track.counts.get(source, 0) + len(rows)
            cites = track.cites.setdefault(source, {})
            for column in CITING:
                cites.setdefault(column, set()).update(r[column] for r in rows if r.get(column))
        return light

    def append(self, name: str, source: str, rows: list[Row]) -> None:
        """Append one source's rows to a file: their length, then the marshalled (source, rows)."""
        data = marshal.dumps((source, rows))
        self.handles[name].write(len(data).to_bytes(LENGTH_BYTES, "little") + data)

    def warnings(self, kept: set[str]) -> Iterator[Row]:
        """The extraction warnings of the kept sources, in the order the extractions came."""
        for source, rows in batches(self.notes):
            if source in kept:
                yield from rows

    def close(self) -> None:
        """Finish the files (before they are read)."""
        for handle in self.handles.values():
            handle.close()

    def tables(self, kept: set[str]) -> dict[str, SpilledRows]:
        """Each spilled resource's rows of the kept sources, to be read from its file."""
        return {name: SpilledRows(track, frozenset(kept)) for name, track in self.tracks.items()}


def batches(path: Path) -> Iterator[tuple[str, list[Row]]]:
    """The (source, rows) records of a spill file, in the order they were appended."""
    with path.open("rb", buffering=READ_BUFFER) as handle:
        while header := handle.read(LENGTH_BYTES):
            yield marshal.loads(handle.read(int.from_bytes(header, "little")))


class SpilledRows(Sequence[Row]):
    """A spilled resource's rows of the kept sources, read from its file each time they are gone
    through. `ordered` says whether they are the merged table as they are (in key order, each key
    once); if not, the merge reads them into memory and sorts them."""

    def __init__(self, track: Track, kept: frozenset[str]) -> None:
        self.track, self.kept = track, kept
        self.size = sum(n for source, n in track.counts.items() if source in kept)

    @property
    def ordered(self) -> bool:
        return self.track.ordered

    def cited(self, column: str) -> set[str]:
        """The values of a citing column over the rows (noted when they were put on disk)."""
        found: set[str] = set()
        for source, cites in self.track.cites.items():
            if source in self.kept:
                found |= cites.get(column, set())
        return found

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[Row]:
        for source, rows in batches(self.track.path):
            if source in self.kept:
                yield from rows

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return list(islice(self, *index.indices(self.size)))
        position = index + self.size if index < 0 else index
        if not 0 <= position < self.size:
            raise IndexError(index)
        return next(islice(self, position, None))
