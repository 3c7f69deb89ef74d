"""The rows of the per-source resources (the articles, their paragraphs and quotes, the events and
what belongs to them, the persons and their roles, the counts, the sources' records) kept on disk
between extraction and writing, not in memory: each source's rows are appended to one file per
resource as its extraction comes in, and read back a row at a time whenever the table is gone
through (to merge it, review it, check it, write it, count it); the tables derived from them (the
reconciliation, the coverage) are put on disk as they are made.

When the sources come in the order of a resource's key (each source's rows in key order, every key
above the previous source's) and no curated row joins them, the file is already the merged table
(the articles, paragraphs and quotes). Otherwise the rows are merged on disk: sorted by key in runs
of at most RUN_ROWS rows, the runs merged in key order, and each key's first row kept (a curated
row first), with the warnings and conflicts deduplicating in memory gives, in the same order, into a
file of the merged rows; curators' decisions are applied to it in one pass, into another."""

from __future__ import annotations

import hashlib
import heapq
import marshal
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from etl.curate.merge import CITING_COLUMNS, CURATED, EXTRACTED, duplicate, noted, sort_key
from etl.curate.views import Streamed
from etl.memory import give_back
from etl.specs import PackageSpec, ResourceSpec

Row = dict[str, Any]
# The extraction's key of each resource kept on disk (a single row for the article and the source's
# record, lists else): every per-source resource but the post types, which the merge puts after the
# lexicon's, and few articles name. (The network changes, which it restates and links in memory, are
# read from disk when it does: at 100,000 articles, held with the extractions they were a hundred MB.)
IN_MEMORY = ("post_types",)
SPILLED = {
    **{name: key for name, key in EXTRACTED.items() if name not in IN_MEMORY},
    "sources": "source",
}
# The extraction keeps its source's id (by which the build tells the sources apart).
SOURCE = "source"
WARNINGS = "warnings"
# The values of the columns by which rows cite a source are noted as the rows come, so that finding
# what a table cites does not read it again.
CITING = CITING_COLUMNS
# Each record: its length in so many bytes, then the marshalled record.
LENGTH_BYTES = 8
READ_BUFFER = 2**20
# Rows sorted in memory at a time when a table is merged on disk (about the largest sorted whole at
# 10,000 articles: at 100,000, runs of 50,000 rows took the merge's peak 72 MB higher, for no time
# saved), and rows written a record.
RUN_ROWS = 20_000
BATCH_ROWS = 1_000
# The source a derived table's rows are stored under (they belong to no one source).
DERIVED = ""
# Where a row came among the rows merged: curated first, then in the order they were stated.
Position = tuple[bool, int]
# A row with where it came and its source (None for a row that belongs to no source).
Item = tuple[Position, str | None, Row]
# What a differing duplicate calls for (see merge.duplicate): a conflict (source, why) or a warning.
Note = tuple[str, str] | Row


@dataclass
class Track:
    """One resource's file: the rows each source appended (in order), the values they cite, the
    last key, and whether every key so far was above the one before."""

    path: Path
    spec: ResourceSpec | None
    counts: dict[str, int] = field(default_factory=dict)
    cites: dict[str, dict[str, str | set[str]]] = field(default_factory=dict)
    last: tuple[Any, ...] | None = None
    ordered: bool = True
    # Its rows sorted by a key (with some rows joining them), by that key and those rows' hash.
    orders: dict[tuple[tuple[str, ...], str], Path] = field(default_factory=dict)


class Spill:
    """The per-source rows of the SPILLED resources of some packages, in files under a folder."""

    def __init__(self, folder: Path, packages: tuple[PackageSpec, ...]) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
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
        files as they were stated, nor its warnings (see warnings)."""
        source = shared(str(extraction["source"]["id"]))
        light = dict(extraction)
        self.append(WARNINGS, source, light.pop(WARNINGS, []))
        for name, track in self.tracks.items():
            found = light.pop(SPILLED[name], [])
            if SPILLED[name] == SOURCE:
                light[SOURCE] = {"id": source}
            rows = found if isinstance(found, list) else [found]
            keys = track.spec.primary_key if track.spec is not None else []
            for row in rows:
                key = sort_key(row, keys)
                try:
                    if track.last is not None and not track.last < key:
                        track.ordered = False
                except TypeError:  # keys of different types cannot be ordered as they come
                    track.ordered = False
                track.last = key
            self.append(name, source, rows)
            if rows:
                track.counts[source] = track.counts.get(source, 0) + len(rows)
                note_cites(track, source, rows)
        return light

    def append(self, name: str, source: str, rows: list[Row]) -> None:
        """Append one source's rows to a file: their length, then the marshalled (source, rows)."""
        write_record(self.handles[name], (source, rows))

    def warnings(self, kept: set[str]) -> Iterator[Row]:
        """The extraction warnings of the kept sources, in the order the extractions came."""
        for source, rows in records(self.notes):
            if source in kept:
                yield from rows

    def close(self) -> None:
        """Finish the files (before they are read; the spill can then be pickled, to be read in
        another process)."""
        for handle in self.handles.values():
            handle.close()
        self.handles = {}

    def store(self, rows: Iterable[Row]) -> SpilledRows:
        """Rows made from the merged ones (a derived table), put on disk as they come, to be merged
        there."""
        handle, name = tempfile.mkstemp(dir=self.folder, prefix="derived-", suffix=".marshal")
        track = Track(Path(name), None, ordered=False)
        with os.fdopen(handle, "wb") as out:
            them = iter(rows)
            while batch := list(islice(them, BATCH_ROWS)):
                write_record(out, (DERIVED, batch))
                track.counts[DERIVED] = track.counts.get(DERIVED, 0) + len(batch)
        return SpilledRows(track, frozenset({DERIVED}))

    def tables(self, kept: set[str]) -> dict[str, SpilledRows]:
        """Each spilled resource's rows of the kept sources, to be read from its file."""
        ids = frozenset(kept)  # (one set for all: at 100,000 sources, 4 MB each)
        return {name: SpilledRows(track, ids) for name, track in self.tracks.items()}


def shared(value: Any) -> Any:
    """A string as the one object every equal string noted is (sys.intern): the source ids noted
    by every track, and the values the rows cite, are each one object in memory (and pickled
    once when the spill is sent to another process), not one for each table that notes them."""
    return sys.intern(value) if type(value) is str else value


def note_cites(track: Track, source: str, rows: list[Row]) -> None:
    """Note the values of the citing columns of a source's rows, each with the source citing it
    (or the sources: most values are cited by one source only, often the source itself)."""
    for column in CITING:
        by_value = track.cites.setdefault(column, {})
        for value in {shared(r[column]) for r in rows if r.get(column)}:
            before = by_value.get(value)
            if before is None:
                by_value[value] = source
            elif isinstance(before, set):
                before.add(source)
            elif before != source:
                by_value[value] = {before, source}


def write_record(handle: Any, record: Any) -> None:
    """Append a record to a file: its length, then its marshalled bytes."""
    data = marshal.dumps(record)
    handle.write(len(data).to_bytes(LENGTH_BYTES, "little") + data)


def records(path: Path) -> Iterator[Any]:
    """The records of a file, in the order they were appended."""
    with path.open("rb", buffering=READ_BUFFER) as handle:
        while header := handle.read(LENGTH_BYTES):
            yield marshal.loads(handle.read(int.from_bytes(header, "little")))


class OnDisk(Streamed[Row]):
    """Rows read from a file each time they are gone through (an index reads up to the row)."""

    folder: Path

    def stored_bytes(self) -> int:
        """The bytes of the file the rows are read from (of every source, for spilled rows)."""
        raise NotImplementedError

    def rewritten(self, rows: Iterable[Row]) -> MergedRows:
        """Rows made from these, in their order (reviewed, say), written to a file beside them."""
        merged = MergedWriter(self.folder)
        for row in rows:
            merged.add(row)
        return merged.close()


class SpilledRows(OnDisk):
    """A spilled resource's rows of the kept sources, read from its file each time they are gone
    through (then the rows given to join them, and those keep keeps, when asked). `ordered` says
    whether they are the merged table as they are (in key order, each key once); if not, they
    are merged on disk (deduplicated) or read into memory."""

    def __init__(
        self,
        track: Track,
        kept: frozenset[str],
        extra: tuple[Row, ...] = (),
        keep: Callable[[Row], bool] | None = None,
    ) -> None:
        self.track, self.kept, self.extra, self.keep = track, kept, extra, keep
        self.folder = track.path.parent
        self.counted: int | None = None

    def __len__(self) -> int:
        if self.counted is None:
            stored = sum(n for source, n in self.track.counts.items() if source in self.kept)
            self.counted = stored + len(self.extra) if self.keep is None else sum(1 for _ in self)
        return self.counted

    @property
    def ordered(self) -> bool:
        return self.track.ordered and not self.extra

    def stored_bytes(self) -> int:
        return self.track.path.stat().st_size

    def cited(self, column: str) -> set[str]:
        """The values of a citing column over the rows (noted when they were put on disk)."""
        if self.extra or self.keep is not None:
            return {r[column] for r in self if r.get(column)}
        kept = self.kept
        return {
            value
            for value, by in self.track.cites.get(column, {}).items()
            if (by in kept if isinstance(by, str) else not by.isdisjoint(kept))
        }

    def __iter__(self) -> Iterator[Row]:
        rows = self.stored()
        return rows if self.keep is None else filter(self.keep, rows)

    def stored(self) -> Iterator[Row]:
        for source, rows in records(self.track.path):
            if source in self.kept:
                yield from rows
        yield from self.extra

    def plus(self, rows: list[Row]) -> SpilledRows:
        """These rows and some more after them (the curated rows of the resource)."""
        return SpilledRows(self.track, self.kept, self.extra + tuple(rows), self.keep)

    def where(self, keep: Callable[[Row], bool]) -> SpilledRows:
        """The rows that keep keeps (and the earlier condition, if any)."""
        before = self.keep
        both = keep if before is None else (lambda row: before(row) and keep(row))
        return SpilledRows(self.track, self.kept, self.extra, both)

    def deduplicated(
        self, spec: ResourceSpec, warnings: list[Row], conflicts: dict[str, str] | None
    ) -> MergedRows:
        """The rows merged on disk, one per key in key order, as merge.deduplicate merges rows in
        memory: the same rows kept, the same warnings and conflicts noted, in the same order."""
        rows, notes = self.merged_with_notes(spec, conflicts is not None)
        for note in notes:
            noted(note, warnings, conflicts)
        return rows

    def merged_with_notes(self, spec: ResourceSpec, conflicts: bool) -> tuple[MergedRows, list[Note]]:
        """The rows merged on disk (see deduplicated), and what each differing duplicate calls for
        (merge.duplicate: a conflict, when they are looked for, or a warning), in the order they
        are to be noted."""
        keys = spec.primary_key
        merged = MergedWriter(self.folder)
        found: list[tuple[Position, Any]] = []
        last: tuple[Any, ...] | None = None
        first: Row = {}
        for position, source, row in self.sorted_items(keys):
            if (source is not None and source not in self.kept) or (self.keep and not self.keep(row)):
                continue
            key = tuple(row.get(k) for k in keys)
            if last is None or key != last:
                last, first = key, row
                merged.add(row)
            elif (note := duplicate(spec, first, row, conflicts)) is not None:
                found.append((position, note))
        give_back()  # what sorting the runs took (see etl/memory.py)
        return merged.close(), [note for _, note in sorted(found, key=lambda item: item[0])]

    def sorted_items(self, keys: list[str]) -> Iterator[Item]:
        """Every source's rows and the extra ones, each with where it came and its source (None
        for an extra row), in key order, then in the order they came: sorted once (see
        in_key_order) into a file, which the merges of later rounds, with fewer sources kept or
        other rows wanted, read again."""
        name = (tuple(keys), hashlib.sha256(marshal.dumps(self.extra)).hexdigest())
        done = self.track.orders.get(name)
        if done is not None:
            yield from run_items(done)
            return
        handle, path = tempfile.mkstemp(dir=self.folder, prefix="sorted-", suffix=".marshal")
        with os.fdopen(handle, "wb") as out:
            batch: list[Item] = []
            for item in in_key_order(self.everyone(), keys, self.folder):
                batch.append(item)
                yield item
                if len(batch) >= BATCH_ROWS:
                    write_record(out, batch)
                    batch = []
            write_record(out, batch)
        self.track.orders[name] = Path(path)

    def everyone(self) -> Iterator[Item]:
        """The rows of every source (kept or not), then the extra ones, each with where it came
        (a curated row before the others) and its source."""
        number = 0
        for source, rows in records(self.track.path):
            for row in rows:
                yield (row.get("provenance") != CURATED, number), source, row
                number += 1
        for row in self.extra:
            yield (row.get("provenance") != CURATED, number), None, row
            number += 1


def in_key_order(items: Iterable[Item], keys: list[str], folder: Path) -> Iterator[Item]:
    """Rows (with where each came and its source) in key order, then in the order they came:
    sorted in memory RUN_ROWS at a time, each run written to a file under folder, and the runs
    merged."""

    def order(item: Item) -> tuple[Any, ...]:
        return (sort_key(item[2], keys), item[0])

    runs: list[Path] = []
    try:
        buffer: list[Item] = []
        for item in items:
            buffer.append(item)
            if len(buffer) >= RUN_ROWS:
                runs.append(write_run(sorted(buffer, key=order), folder))
                buffer = []
        buffer.sort(key=order)
        if not runs:
            yield from buffer
            return
        runs.append(write_run(buffer, folder))
        del buffer
        yield from heapq.merge(*(run_items(run) for run in runs), key=order)
    finally:
        for run in runs:
            run.unlink(missing_ok=True)


def write_run(items: list[Item], folder: Path) -> Path:
    """Write sorted rows (with where each came) to a new file under folder, BATCH_ROWS a record."""
    handle, name = tempfile.mkstemp(dir=folder, prefix="run-", suffix=".marshal")
    with os.fdopen(handle, "wb") as out:
        for start in range(0, len(items), BATCH_ROWS):
            write_record(out, items[start : start + BATCH_ROWS])
    return Path(name)


def run_items(path: Path) -> Iterator[Item]:
    """The rows of a run file, in its order."""
    for batch in records(path):
        yield from batch


class MergedRows(OnDisk):
    """A merged table on disk, in key order, each key once, with the values its rows cite."""

    ordered = True

    def __init__(self, path: Path, size: int, cites: dict[str, set[str]]) -> None:
        self.path, self.size, self.cites = path, size, cites
        self.folder = path.parent

    def cited(self, column: str) -> set[str]:
        return set(self.cites.get(column, set()))

    def stored_bytes(self) -> int:
        return self.path.stat().st_size

    def __iter__(self) -> Iterator[Row]:
        for batch in records(self.path):
            yield from batch


class MergedWriter:
    """Writes the rows of a merged table to a new file under a folder, in the order given."""

    def __init__(self, folder: Path) -> None:
        handle, name = tempfile.mkstemp(dir=folder, prefix="merged-", suffix=".marshal")
        self.out, self.path = os.fdopen(handle, "wb"), Path(name)
        self.batch: list[Row] = []
        self.size = 0
        self.cites: dict[str, set[str]] = {c: set() for c in CITING}

    def add(self, row: Row) -> None:
        self.batch.append(row)
        self.size += 1
        for column in CITING:
            if row.get(column):
                self.cites[column].add(shared(row[column]))
        if len(self.batch) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            write_record(self.out, self.batch)
            self.batch = []

    def close(self) -> MergedRows:
        self.flush()
        self.out.close()
        return MergedRows(self.path, self.size, self.cites)
