"""The SQLite database served by Datasette, built from the packages' CSV files with sqlite-utils:
one table per resource, keys kept, full-text search that folds accents."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import sqlite_utils

from etl.specs import PackageSpec, ResourceSpec

FTS_TOKENIZER = "unicode61 remove_diacritics 2"
COLUMN_TYPES: dict[str, type] = {"integer": int, "number": float, "boolean": int}
BATCH = 10_000


class DatabaseError(Exception):
    """The packages cannot be loaded into one database (a shared table disagrees across packages)."""


def cast(value: str, field: dict[str, Any]) -> Any:
    """A CSV string as the value stored in SQLite: null, integer, 0/1 or text."""
    if value == "":
        return None
    if field["type"] == "integer":
        return int(value)
    if field["type"] == "number":
        return float(value)
    if field["type"] == "boolean":
        return 1 if value == "true" else 0
    return value


def read_table(folder: Path, spec: ResourceSpec) -> list[dict[str, Any]]:
    """Typed rows of a resource's CSV file."""
    fields = {f["name"]: f for f in spec.schema["fields"]}
    with (folder / "data" / f"{spec.name}.csv").open(encoding="utf-8", newline="") as handle:
        return [{k: cast(v, fields[k]) for k, v in row.items()} for row in csv.DictReader(handle)]


def merge_rows(
    name: str, spec: ResourceSpec, tables: dict[str, list[dict[str, Any]]], rows: list[dict[str, Any]]
) -> None:
    """Add a package's rows of a table, refusing a key whose row differs from another package's."""
    existing = {tuple(r[k] for k in spec.primary_key): r for r in tables.get(name, [])}
    for row in rows:
        key = tuple(row[k] for k in spec.primary_key)
        if key in existing and existing[key] != row:
            raise DatabaseError(f"table {name}: row {key} differs between packages")
        existing.setdefault(key, row)
    tables[name] = list(existing.values())


def foreign_keys(spec: ResourceSpec) -> list[tuple[str, str, str]]:
    """The single-column foreign keys of a resource as (column, table, column)."""
    return [
        (fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
        for fk in spec.schema.get("foreignKeys", [])
    ]


def build_database(packages_dir: Path, packages: tuple[PackageSpec, ...], path: Path) -> dict[str, int]:
    """Build the database from packages on disk; returns the row count of each table."""
    specs: dict[str, ResourceSpec] = {}
    tables: dict[str, list[dict[str, Any]]] = {}
    for package in packages:
        for spec in package.resources:
            specs.setdefault(spec.name, spec)
            merge_rows(spec.name, spec, tables, read_table(packages_dir / package.name, spec))
    path.unlink(missing_ok=True)
    db = sqlite_utils.Database(path)
    created: set[str] = set()
    pending = list(specs)
    while pending:
        ready = [n for n in pending if all(t in created or t == n for _, t, _ in foreign_keys(specs[n]))]
        if not ready:
            raise DatabaseError(f"foreign keys form a cycle among {', '.join(pending)}")
        for name in ready:
            create_table(db, specs[name], tables[name])
            created.add(name)
            pending.remove(name)
    db.vacuum()
    db.close()
    return {name: len(rows) for name, rows in sorted(tables.items())}


def display_order(spec: ResourceSpec) -> list[dict[str, Any]]:
    """The fields in the order the database (and so Datasette's table page) shows them: the
    resource's `lead` columns first (the fact a row states, such as post_counts.count), then the
    others in the package's order."""
    lead = [str(name) for name in spec.datasette.get("lead") or []]
    fields = {f["name"]: f for f in spec.schema["fields"]}
    unknown = [name for name in lead if name not in fields]
    if unknown:
        raise DatabaseError(f"{spec.name}: datasette.lead names no field {', '.join(unknown)}")
    return [fields[name] for name in lead] + [f for name, f in fields.items() if name not in lead]


def create_table(db: sqlite_utils.Database, spec: ResourceSpec, rows: list[dict[str, Any]]) -> None:
    """Create one table with its types, keys and full-text index, and insert its rows."""
    ordered = display_order(spec)
    columns = {f["name"]: COLUMN_TYPES.get(f["type"], str) for f in ordered}
    table = db.table(spec.name)
    table.create(
        columns,
        pk=spec.primary_key[0] if len(spec.primary_key) == 1 else tuple(spec.primary_key),
        not_null={f["name"] for f in spec.schema["fields"] if f.get("constraints", {}).get("required")},
        foreign_keys=foreign_keys(spec),
    )
    names = [f["name"] for f in ordered]
    columns_sql = ", ".join(f"[{n}]" for n in names)
    marks = ", ".join("?" for _ in names)
    insert = f"INSERT INTO [{spec.name}] ({columns_sql}) VALUES ({marks})"
    for start in range(0, len(rows), BATCH):  # executemany in batches: no per-row Python work
        db.conn.executemany(insert, [tuple(r.get(n) for n in names) for r in rows[start : start + BATCH]])
    db.conn.commit()
    if spec.datasette.get("fts"):
        table.enable_fts(spec.datasette["fts"], tokenize=FTS_TOKENIZER)
    for column in indexed_columns(spec):
        table.create_index([column], if_not_exists=True)


def indexed_columns(spec: ResourceSpec) -> list[str]:
    """The columns a table is sorted or faceted by, or links by (a foreign key), each of which gets
    an index, so that Datasette's default sort and its facet counts use one; the first column of
    the primary key has its own."""
    wanted = [spec.datasette.get("sort"), spec.datasette.get("sort_desc"), *spec.datasette.get("facets", [])]
    wanted += [column for column, _, _ in foreign_keys(spec)]
    return [c for c in dict.fromkeys(wanted) if c and c not in spec.primary_key[:1]]


def inspect_data(database: Path) -> dict[str, Any]:
    """Datasette's inspect data (sha256, size, row counts), so an immutable start does not hash the
    file; computed here as `datasette inspect` does, without an event loop (a caller may run one)."""
    data = database.read_bytes()
    with contextlib.closing(sqlite3.connect(database)) as connection:
        names = [row[0] for row in connection.execute("select name from sqlite_master where type = 'table'")]
        counts = {name: connection.execute(f'select count(*) from "{name}"').fetchone()[0] for name in names}
    return {
        database.stem: {
            "hash": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "file": database.name,
            "tables": {name: {"count": count} for name, count in sorted(counts.items())},
        }
    }
