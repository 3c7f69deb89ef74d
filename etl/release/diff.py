"""Two releases of the data packages compared row by row: rows added, removed and changed by primary
key, resources and packages added or removed, and schema changes. Releases are read in read.py, the
change records are in changes.py, the semantic-version bump the change needs is in versions.py, and
the text report and the Markdown changelog are in changelog.py (all in etl/release/)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from etl.digests import same_bytes
from etl.release.changes import (
    ConstraintChange,
    FieldChange,
    KeyChange,
    KeyedRow,
    PackageDiff,
    PackageSummary,
    ReleaseDiff,
    ResourceDiff,
    ResourceSummary,
    RowChange,
    SchemaDiff,
    TypeChange,
)
from etl.release.read import (
    CsvRows,
    DiffError,
    Key,
    Package,
    Release,
    Table,
    find_duplicate,
    key_of,
    load_release,
    primary_key_of,
)
from etl.release.versions import classify

DEFAULT_TYPE = "string"
DEFAULT_FORMAT = "default"
FLAG_CONSTRAINTS = frozenset({"required", "unique"})
LOWER_BOUNDS = frozenset({"minimum", "exclusiveMinimum", "minLength"})
UPPER_BOUNDS = frozenset({"maximum", "exclusiveMaximum", "maxLength"})


def diff_releases(old: Path, new: Path) -> ReleaseDiff:
    """Compare two releases (datapackages folders, package folders or package zips) row by row."""
    return compare_releases(load_release(old), load_release(new))


# Comparing (pure functions of the releases read in etl/release/read.py).


def matching_key(old: Table, new: Table) -> Key:
    """The key rows are matched by: the new primary key, else the old one, when its fields are
    columns of both files and unique in both; empty when neither is."""
    for key in (new.primary_key, old.primary_key):
        columns = set(old.header) & set(new.header)
        if (
            key
            and set(key) <= columns
            and not find_duplicate(old.rows, key)
            and not find_duplicate(new.rows, key)
        ):
            return key
    return ()


def compare_releases(
    old: Release, new: Release, keep: int | None = None, validated: bool = False
) -> ReleaseDiff:
    """What changed from one release to the other, packages in name order; with keep, only the
    first keep rows added, removed and changed of each resource are kept (with their totals), so
    that comparing large releases holds no more than a changelog shows. With validated (the old
    release is one that passed validation, as a published one did), a file with the bytes of the
    old one is unchanged without its rows being read (see same_file)."""
    return ReleaseDiff(
        old=old.where,
        new=new.where,
        packages_added=tuple(summarize(new.packages[n]) for n in sorted(new.packages.keys() - old.packages)),
        packages_removed=tuple(
            summarize(old.packages[n]) for n in sorted(old.packages.keys() - new.packages)
        ),
        packages=tuple(
            compare_packages(old.packages[n], new.packages[n], keep, validated)
            for n in sorted(old.packages.keys() & new.packages)
        ),
    )


def summarize(package: Package) -> PackageSummary:
    """A package's name, version and the number of rows of each resource."""
    resources = tuple(ResourceSummary(t.name, len(t.rows)) for t in package.tables.values())
    return PackageSummary(package.name, package.version, resources)


def compare_packages(
    old: Package, new: Package, keep: int | None = None, validated: bool = False
) -> PackageDiff:
    """What changed in a package: resources added, removed, and each common resource compared
    (validated: see compare_releases)."""
    return PackageDiff(
        name=new.name,
        old_version=old.version,
        new_version=new.version,
        resources_added=tuple(
            ResourceSummary(t.name, len(t.rows)) for n, t in new.tables.items() if n not in old.tables
        ),
        resources_removed=tuple(
            ResourceSummary(t.name, len(t.rows)) for n, t in old.tables.items() if n not in new.tables
        ),
        resources=tuple(
            compare_tables(old.tables[n], t, keep, validated)
            for n, t in new.tables.items()
            if n in old.tables
        ),
    )


def compare_tables(old: Table, new: Table, keep: int | None = None, validated: bool = False) -> ResourceDiff:
    """Rows added, removed and changed (in the columns both files have), and schema changes: by a
    merge join when both tables are in the order of their key (as a release writes them), in
    constant memory; else with the old rows indexed by key. With keep, only the first keep rows of
    each kind of change are kept, with the totals. With validated (the old table passed
    validation), a file with the old one's bytes, header and key is unchanged at once."""
    schema = compare_schemas(old.schema, new.schema)
    key = unchanged_key(old, new) if validated else None
    if key is not None:
        totals = (0, 0, 0) if keep is not None else None
        return ResourceDiff(new.name, key, (), (), (), len(new.rows), schema, totals)
    joined = merge_join(old, new, schema, keep)
    if joined is not None:
        return joined
    found = compare_indexed(old, new, schema)
    return found if keep is None else kept(found, keep)


def unchanged_key(old: Table, new: Table) -> Key | None:
    """The key two tables' rows are matched by when both are read from files of the same bytes,
    under the same header and primary key (so that the rows are the same and, the old table having
    passed validation, the key unique: what comparing them row by row would find); else None.
    Which rows a file holds is counted without comparing them when the count is known (a build's
    staged files: see etl/release/versioning.py staged_release)."""
    if not (isinstance(old.rows, CsvRows) and isinstance(new.rows, CsvRows)):
        return None
    if old.header != new.header or not new.primary_key or old.primary_key != new.primary_key:
        return None
    if (old.rows.encoding, old.rows.dialect) != (new.rows.encoding, new.rows.dialect):
        return None
    if not set(new.primary_key) <= set(new.header):
        return None
    # (a file that cannot be read is not the same: reading it row by row names it and what is wrong)
    return new.primary_key if same_bytes(old.rows.path, new.rows.path) else None


def kept(diff: ResourceDiff, keep: int) -> ResourceDiff:
    """A resource's diff with only the first keep rows of each kind of change, and the totals."""
    totals = (diff.added_count, diff.removed_count, diff.changed_count)
    return dataclasses.replace(
        diff, added=diff.added[:keep], removed=diff.removed[:keep], changed=diff.changed[:keep], totals=totals
    )


class Unordered(Exception):
    """A table is not strictly in the order of its key (or a key value does not parse as its type)."""


# How a key field's CSV strings sort, as the build sorted the typed values: empty first, numbers
# as numbers, the other types (strings, ISO dates and times) as strings.
NUMERIC = {"integer": int, "number": float, "year": int}
# A row as its cells, in the order of its table's header.
Cells = Sequence[str]


def key_order(
    schema: dict[str, Any], key: Key, header: tuple[str, ...]
) -> Callable[[Cells], tuple[Any, ...]]:
    """The sort key of a row's key values (its cells in the order of header: see cells_of), by the
    types of a schema's key fields."""
    kinds = fields_by_name(schema)
    convert = [NUMERIC.get(str(kinds.get(name, {}).get("type")), str) for name in key]
    positions = [header.index(name) for name in key]

    def order(cells: Cells) -> tuple[Any, ...]:
        try:
            return tuple(
                (value != "", to(value) if value != "" else "")
                for value, to in zip((cells[at] for at in positions), convert, strict=True)
            )
        except ValueError:
            raise Unordered from None

    return order


def cells_of(table: Table) -> Iterable[Cells]:
    """A table's rows as their cells in the order of its header (a file's records as they are
    read, with no row made of them)."""
    if isinstance(table.rows, CsvRows):
        return table.rows.records()
    header = table.header
    return ([row[name] for name in header] for row in table.rows)


def ascending(
    rows: Iterable[Cells], order: Callable[[Cells], tuple[Any, ...]]
) -> Iterator[tuple[Any, Cells]]:
    """Each row with its sort key, checking that the keys strictly increase (Unordered otherwise:
    out of order, or a key given twice)."""
    last: tuple[Any, ...] | None = None
    for row in rows:
        value = order(row)
        try:
            if last is not None and not last < value:
                raise Unordered
        except TypeError:
            raise Unordered from None
        last = value
        yield value, row


def keyed(cells: Cells, key: list[int], header: tuple[str, ...]) -> KeyedRow:
    """A row (its cells in the order of header) with its key (the key fields' places in header)."""
    return KeyedRow(tuple(cells[at] for at in key), dict(zip(header, cells, strict=True)))


def merge_join(old: Table, new: Table, schema: SchemaDiff, keep: int | None = None) -> ResourceDiff | None:
    """The comparison of two tables both in the order of the key they are matched by (the new
    primary key, else the old one, when its fields are columns of both), read once side by side
    (with keep, holding only the first keep rows of each kind of change); None when a table is not
    in that order or repeats a key (the indexed comparison then applies the same rules to them in
    memory). Rows are compared as their cells (see cells_of): a row is made only of an added or a
    removed row that is kept."""
    columns = set(old.header) & set(new.header)
    key = next((k for k in (new.primary_key, old.primary_key) if k and set(k) <= columns), ())
    if not key:
        return None
    shared = [f for f in new.header if f in set(old.header)]
    pairs = [(f, old.header.index(f), new.header.index(f)) for f in shared]
    same_order = old.header == new.header  # (most rows then compared at once)
    old_key, new_key = ([header.index(f) for f in key] for header in (old.header, new.header))
    added: list[KeyedRow] = []
    removed: list[KeyedRow] = []
    changed: list[RowChange] = []
    limit = keep if keep is not None else -1
    totals = [0, 0, 0]  # rows added, removed, changed
    count = 0
    olds = ascending(cells_of(old), key_order(new.schema, key, old.header))
    news = ascending(cells_of(new), key_order(new.schema, key, new.header))
    try:
        before, after = next(olds, None), next(news, None)
        while before is not None or after is not None:
            if after is not None and (before is None or after[0] < before[0]):
                if len(added) != limit:
                    added.append(keyed(after[1], new_key, new.header))
                totals[0] += 1
                after, count = next(news, None), count + 1
            elif before is not None and (after is None or before[0] < after[0]):
                if len(removed) != limit:
                    removed.append(keyed(before[1], old_key, old.header))
                totals[1] += 1
                before = next(olds, None)
            else:
                assert before is not None and after is not None
                was, now = before[1], after[1]
                cells = (
                    ()
                    if same_order and was == now
                    else tuple(FieldChange(f, was[o], now[n]) for f, o, n in pairs if was[o] != now[n])
                )
                if cells:
                    if len(changed) != limit:
                        changed.append(RowChange(tuple(now[at] for at in new_key), cells))
                    totals[2] += 1
                before, after, count = next(olds, None), next(news, None), count + 1
    except Unordered:
        return None
    unchanged = count - totals[0] - totals[2]
    return ResourceDiff(
        new.name,
        key,
        tuple(added),
        tuple(removed),
        tuple(changed),
        unchanged,
        schema,
        (totals[0], totals[1], totals[2]) if keep is not None else None,
    )


def compare_indexed(old: Table, new: Table, schema: SchemaDiff) -> ResourceDiff:
    """The comparison of two tables in any order, the old rows indexed by the matching key."""
    old, new = in_memory(old), in_memory(new)
    key = matching_key(old, new)
    if not key:
        added = tuple(KeyedRow(key_of(r, new.primary_key), r) for r in new.rows)
        removed = tuple(KeyedRow(key_of(r, old.primary_key), r) for r in old.rows)
        return ResourceDiff(new.name, (), added, removed, (), 0, schema)
    old_columns = set(old.header)
    shared = [field for field in new.header if field in old_columns]
    before = {key_of(row, key): row for row in old.rows}
    seen: set[Key] = set()
    added_rows, changed = [], []
    for row in new.rows:
        value = key_of(row, key)
        seen.add(value)
        previous = before.get(value)
        if previous is None:
            added_rows.append(KeyedRow(value, row))
            continue
        cells = tuple(FieldChange(f, previous[f], row[f]) for f in shared if previous[f] != row[f])
        if cells:
            changed.append(RowChange(value, cells))
    removed_rows = tuple(KeyedRow(value, row) for value, row in before.items() if value not in seen)
    unchanged = len(new.rows) - len(added_rows) - len(changed)
    return ResourceDiff(new.name, key, tuple(added_rows), removed_rows, tuple(changed), unchanged, schema)


def in_memory(table: Table) -> Table:
    """A table with its rows in memory, checked for a repeated primary key as reading it whole does."""
    if isinstance(table.rows, tuple):
        return table
    rows = tuple(table.rows)
    duplicate = find_duplicate(rows, table.primary_key)
    if duplicate is not None:
        first, second, value = duplicate
        raise DiffError(
            table.rows.where,
            f"duplicate primary key {'/'.join(value)} ({', '.join(table.primary_key)}) "
            f"in rows {first} and {second}",
        )
    return dataclasses.replace(table, rows=rows)


def fields_by_name(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A schema's field descriptors by name, in order."""
    return {f["name"]: f for f in schema.get("fields", []) if isinstance(f, dict) and "name" in f}


def type_of(field: dict[str, Any]) -> str:
    """A field's type, with its format when it is not the default one."""
    kind = str(field.get("type", DEFAULT_TYPE))
    form = field.get("format", DEFAULT_FORMAT)
    return kind if form == DEFAULT_FORMAT else f"{kind} ({form})"


def compare_schemas(old: dict[str, Any], new: dict[str, Any]) -> SchemaDiff:
    """Fields added and removed, types and constraints changed, and a changed primary key."""
    before, after = fields_by_name(old), fields_by_name(new)
    common = [name for name in after if name in before]
    old_key, new_key = primary_key_of(old), primary_key_of(new)
    return SchemaDiff(
        fields_added=tuple(name for name in after if name not in before),
        fields_removed=tuple(name for name in before if name not in after),
        types_changed=tuple(
            TypeChange(n, type_of(before[n]), type_of(after[n]))
            for n in common
            if type_of(before[n]) != type_of(after[n])
        ),
        constraints_changed=tuple(c for n in common for c in compare_constraints(n, before[n], after[n])),
        primary_key=KeyChange(old_key, new_key) if old_key != new_key else None,
    )


def compare_constraints(name: str, old: dict[str, Any], new: dict[str, Any]) -> Iterator[ConstraintChange]:
    """Each constraint of a field that was added, removed or changed, in name order."""
    before, after = old.get("constraints") or {}, new.get("constraints") or {}
    for constraint in sorted(before.keys() | after.keys()):
        was, now = before.get(constraint), after.get(constraint)
        if was != now:
            yield ConstraintChange(name, constraint, was, now, tightens(constraint, was, now))


def is_number(value: Any) -> bool:
    """True for an int or float (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def tightens(constraint: str, old: Any, new: Any) -> bool:
    """True when data valid under the old constraint may fail the new one (unknown changes count)."""
    if new is None or (constraint in FLAG_CONSTRAINTS and not new):
        return False
    if old is None or constraint in FLAG_CONSTRAINTS:
        return True
    comparable = (is_number(old) and is_number(new)) or (isinstance(old, str) and isinstance(new, str))
    if constraint in LOWER_BOUNDS:
        return not comparable or new > old
    if constraint in UPPER_BOUNDS:
        return not comparable or new < old
    if constraint == "enum" and isinstance(old, list) and isinstance(new, list):
        allowed = {json.dumps(value, sort_keys=True) for value in new}
        return any(json.dumps(value, sort_keys=True) not in allowed for value in old)
    return True


# JSON.


def jsonable(value: Any) -> Any:
    """Dataclasses as dicts and tuples as lists, recursively."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def diff_to_dict(diff: ReleaseDiff) -> dict[str, Any]:
    """The diff as JSON-ready dicts and lists, with its bump and each resource's counts."""
    result: dict[str, Any] = {"bump": classify(diff), **jsonable(diff)}
    for package, entry in zip(diff.packages, result["packages"], strict=True):
        for resource, resource_entry in zip(package.resources, entry["resources"], strict=True):
            resource_entry["counts"] = resource.counts
            del resource_entry["totals"]
    return result
