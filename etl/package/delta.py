"""A changed resource validated by frictionless on its changed rows alone, when a validated
release has the rest.

A one-article rebuild changes a few rows of the largest tables (the articles, their paragraphs),
and frictionless parsing them whole again was most of its validation: at 10,000 articles, 2.8 s
for the articles and 4.8 s for the paragraphs, of CPU. What frictionless checks of a resource is
either a cell's or a row's (each cell's type and constraints, a row's cell count, a blank row:
the same for the same cells under the same schema), or the whole file's (its header, its bytes
and hash, its encoding, its primary key and unique fields; its foreign keys are ours, see
etl/package/references.py). So, when the validated release has the resource under the same
schema and path (and file format), the rows of the new file whose cells (as frictionless's own
parser reads them) are not those of a row of the validated file are written, under the file's
header, to a file of their own, which frictionless validates with the resource's schema; and the
whole file's checks are made here, in one pass: the bytes and sha256 the descriptor lists, every
record read (its encoding), the primary key's and each unique field's values (read as frictionless
reads them) never twice. The file written is read back by frictionless's parser and must give the
same cells, or the resource is validated whole.

Anything not settled this way (any problem found, a duplicate key, a schema changed, most rows
changed, a file that cannot be read) returns False: the caller validates the resource whole, so a
problem is reported by frictionless itself, with its own row numbers."""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import frictionless

from etl.package.problems import NO_LIMIT
from etl.package.references import cell_readers, key_cells, records

# Below this many bytes a resource is validated whole (the delta's own passes cost more).
DELTA_BYTES = 2**20
# When more than this share of a file's rows changed, it is validated whole.
MOST_ROWS = 0.25
# What of a resource's descriptor must be the validated release's for its rows to be compared.
SAME_ENTRY = ("path", "format", "encoding", "schema", "dialect", "scheme", "mediatype")


def entry(descriptor: Path, resource: str) -> dict[str, Any] | None:
    """A resource's entry in a package descriptor (None when not there or not readable)."""
    try:
        entries = json.loads(descriptor.read_text(encoding="utf-8"))["resources"]
    except (OSError, ValueError, KeyError):
        return None
    return next((e for e in entries if e.get("name") == resource), None)


def table(entry: dict[str, Any], basepath: Path) -> Any:
    """A resource's table read by frictionless, its foreign keys left out (see references)."""
    resource = frictionless.Resource(copy.deepcopy(entry), basepath=str(basepath))
    resource.schema.foreign_keys = []
    return resource


def ordered(key: tuple[Any, ...]) -> tuple[tuple[bool, Any], ...]:
    """A key as the build orders rows by it: empty (None) first."""
    return tuple((value is not None, value) for value in key)


def file_matches(path: Path, listed: dict[str, Any]) -> bool:
    """Whether a file has the bytes and the sha256 its descriptor entry lists (frictionless's
    byte-count and hash-count checks)."""
    if "bytes" not in listed or not str(listed.get("hash", "")).startswith("sha256:"):
        return False
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return bool(path.stat().st_size == listed["bytes"] and listed["hash"] == f"sha256:{digest}")


def changed_records(
    new: dict[str, Any], folder: Path, old: dict[str, Any], validated: Path
) -> tuple[list[Any], list[list[Any]], int] | None:
    """The header, the records of a resource's file that are not a record of the validated file,
    and how many records the file has; None when a key or unique value comes twice (frictionless
    says where). Both files are gone through once, side by side: a record equal to the validated
    file's next one is unchanged; else the validated file's records ordered before it by the key
    (rows taken out) are passed, and one with its key (the row as it was) is passed with it. Only
    a record equal to one the validated file has is ever taken as unchanged, so that a file in
    another order than its key's finds more rows changed, never fewer."""
    schema = new["schema"]
    keys = cell_readers(schema, tuple(schema.get("primaryKey") or ()))
    unique = [
        (cell_readers(schema, (name,)), set[Any]())
        for name in (f["name"] for f in schema["fields"] if f.get("constraints", {}).get("unique"))
    ]
    before = (cells for _, cells in records(table(old, validated)))
    was = next(before, None)
    found_keys: set[tuple[Any, ...]] = set()
    header, changed, count = None, [], 0
    for number, cells in records(table(new, folder), header=True):
        if number == 1:  # (frictionless's header row: checked in the changed rows' file)
            header = cells
            continue
        count += 1
        key = key_cells(cells, keys)
        if keys:
            if key in found_keys:
                return None
            found_keys.add(key)
        for readers, values in unique:
            value = key_cells(cells, readers)[0]
            if value is not None:
                if value in values:
                    return None
                values.add(value)
        while was is not None and cells != was and keys and passed(key_cells(was, keys), key):
            was = next(before, None)
        if was is not None and cells == was:
            was = next(before, None)
            continue
        changed.append(cells)
        if was is not None and keys and key_cells(was, keys) == key:
            was = next(before, None)
    return (header, changed, count) if header is not None else None


def passed(was: tuple[Any, ...], key: tuple[Any, ...]) -> bool:
    """Whether a validated row's key comes before a key (its row was taken out)."""
    try:
        return ordered(was) < ordered(key)
    except TypeError:  # (keys of other types: not ordered, the row taken as changed)
        return False


def written_back(path: Path, header: list[Any], rows: list[list[Any]]) -> Iterator[list[Any]]:
    """Write a header and rows to a CSV file; the records frictionless's parser reads from it."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    resource: Any = frictionless.Resource(str(path))
    with resource:
        yield from resource.cell_stream


def settled_by_changed_rows(descriptor: Path, validated: Path, name: str) -> bool:
    """Whether frictionless finds nothing wrong in a changed resource of a package (its descriptor)
    by checking only the rows not in the validated release's file (validated: that package's
    descriptor), the whole file's checks made here; False when it finds a problem or this cannot
    tell (the resource is then validated whole)."""
    new, old = entry(descriptor, name), entry(validated, name)
    if new is None or old is None or any(new.get(k) != old.get(k) for k in SAME_ENTRY):
        return False
    path = descriptor.parent / new["path"]
    try:
        if path.stat().st_size < DELTA_BYTES or not file_matches(path, new):
            return False
        found = changed_records(new, descriptor.parent, old, validated.parent)
        if found is None:
            return False
        header, rows, count = found
        if len(rows) > MOST_ROWS * count:
            return False
        with tempfile.TemporaryDirectory(prefix="delta-") as folder:
            part = Path(folder) / "changed.csv"
            if list(written_back(part, header, rows)) != [header, *rows]:
                return False  # (frictionless would read other cells there: not the same rows)
            changed = {k: v for k, v in new.items() if k not in ("bytes", "hash")}
            changed["path"] = part.name
            report = table(changed, Path(folder)).validate(limit_errors=NO_LIMIT)
    except (OSError, ValueError, KeyError, csv.Error, frictionless.FrictionlessException):
        return False
    return bool(report.valid)
