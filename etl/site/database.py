"""The SQLite database served by Datasette, built from the packages' CSV files with sqlite-utils:
one table per resource, keys kept, full-text search that folds accents."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from etl.digests import same_bytes
from etl.imports import sqlite_utils as import_sqlite_utils
from etl.specs import PackageSpec, ResourceSpec

if TYPE_CHECKING:
    import sqlite_utils

FTS_TOKENIZER = "unicode61 remove_diacritics 2"
# The schema name a previous release's database is attached under, to copy rows from.
PREVIOUS = "previous"
COLUMN_TYPES: dict[str, type] = {"integer": int, "number": float, "boolean": int}


class DatabaseError(Exception):
    """The packages cannot be loaded into one database (a shared table disagrees across packages)."""


# How a CSV cell of a type is stored, as SQL on its text ({} the cell's parameter): an empty cell
# as null, a boolean as 1 or 0; the columns' affinity (INTEGER, FLOAT) stores the text of an
# integer or a number as one, and text stays text. So executemany takes the CSV reader's rows as
# they come, with no Python work per cell.
CELL_SQL: dict[str, str] = {"boolean": "CASE {} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END"}
TEXT_CELL_SQL = "nullif({}, '')"


@contextlib.contextmanager
def csv_rows(folder: Path, spec: ResourceSpec) -> Iterator[tuple[list[str], Iterator[list[str]]]]:
    """A resource's CSV file open: for each column in display order, the SQL of its value on the
    reader's row (a numbered parameter, the column's place in the file), and the rows themselves."""
    fields = {f["name"]: f for f in spec.schema["fields"]}
    from etl.package import long_cells  # the build's (sqlite-utils and the package stage are not served)

    long_cells()
    with (folder / "data" / f"{spec.name}.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        values = [
            CELL_SQL.get(fields[f["name"]]["type"], TEXT_CELL_SQL).format(f"?{header.index(f['name']) + 1}")
            for f in display_order(spec)
        ]
        yield values, reader


def insert_rows(connection: sqlite3.Connection, table: str, spec: ResourceSpec, folder: Path) -> None:
    """Insert the rows of a resource's CSV file into a table, all with one executemany."""
    columns_sql = ", ".join(f"[{f['name']}]" for f in display_order(spec))
    with csv_rows(folder, spec) as (values, rows):
        connection.executemany(f"INSERT INTO [{table}] ({columns_sql}) VALUES ({', '.join(values)})", rows)


def merge_rows(connection: sqlite3.Connection, spec: ResourceSpec, folder: Path) -> None:
    """Add another package's rows of a table already loaded: the keys it does not have yet are
    added, in the package's order; a key whose row differs from the loaded one is refused."""
    staged = f"staged_{spec.name}"
    names = [f["name"] for f in display_order(spec)]
    columns_sql = ", ".join(f"[{n}]" for n in names)
    connection.execute(f"CREATE TEMP TABLE [{staged}] AS SELECT {columns_sql} FROM [{spec.name}] WHERE 0")
    insert_rows(connection, staged, spec, folder)
    joined = " AND ".join(f"s.[{k}] = t.[{k}]" for k in spec.primary_key)
    differs = " OR ".join(f"s.[{n}] IS NOT t.[{n}]" for n in names)
    key_sql = ", ".join(f"s.[{k}]" for k in spec.primary_key)
    found = connection.execute(
        f"SELECT {key_sql} FROM [{staged}] s JOIN [{spec.name}] t ON {joined} WHERE {differs} LIMIT 1"
    ).fetchone()
    if found is not None:
        raise DatabaseError(f"table {spec.name}: row {tuple(found)} differs between packages")
    connection.execute(
        f"INSERT OR IGNORE INTO [{spec.name}] ({columns_sql}) "
        f"SELECT {columns_sql} FROM [{staged}] ORDER BY rowid"
    )
    connection.execute(f"DROP TABLE [{staged}]")


def foreign_keys(spec: ResourceSpec) -> list[tuple[str, str, str]]:
    """The single-column foreign keys of a resource as (column, table, column)."""
    return [
        (fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
        for fk in spec.schema.get("foreignKeys", [])
    ]


def build_database(
    packages_dir: Path,
    packages: tuple[PackageSpec, ...],
    path: Path,
    timings: dict[str, float] | None = None,
    compact: bool = True,
    reuse: tuple[Path, Path] | None = None,
) -> dict[str, int]:
    """Build the database from packages on disk, one table at a time, each streamed from its CSV
    files (a table several packages hold is loaded from the first and completed from the others);
    returns the row count of each table. The seconds spent loading rows, indexing and compacting
    are added to timings, when given (for benchmarks/stages.py). Compact: vacuum it at the end if
    pages were freed (the build leaves that to the report's tables, added after). With reuse, a
    database and the datapackages folder it was built from by the same code (the published
    release's), a table whose CSV files are that folder's byte for byte has its rows copied from
    that database, as they were loaded from the same files (its indexes made again)."""
    sqlite_utils = import_sqlite_utils()  # the build's: the site serves the database without it

    spent = timings if timings is not None else {}
    specs: dict[str, ResourceSpec] = {}
    holders: dict[str, list[Path]] = {}
    for package in packages:
        for spec in package.resources:
            specs.setdefault(spec.name, spec)
            holders.setdefault(spec.name, []).append(packages_dir / package.name)
    path.unlink(missing_ok=True)
    db = sqlite_utils.Database(path)
    # A new file in the staging folder: a failed build discards it, so no journal or sync is needed.
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    previous = attach_previous(db, reuse[0]) if reuse is not None else None
    created: set[str] = set()
    pending = list(specs)
    while pending:
        ready = [n for n in pending if all(t in created or t == n for _, t, _ in foreign_keys(specs[n]))]
        if not ready:
            raise DatabaseError(f"foreign keys form a cycle among {', '.join(pending)}")
        for name in ready:
            same = previous is not None and reuse is not None and same_files(holders[name], reuse[1], name)
            create_table(db, specs[name], holders[name], spent, PREVIOUS if same else None)
            created.add(name)
            pending.remove(name)
    if previous is not None:
        db.execute(f"DETACH DATABASE {PREVIOUS}")
    counts = {name: db.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0] for name in sorted(specs)}
    started = time.perf_counter()
    if compact and db.execute("PRAGMA freelist_count").fetchone()[0]:
        db.vacuum()
    db.close()
    spent["vacuum"] = spent.get("vacuum", 0.0) + time.perf_counter() - started
    return counts


def attach_previous(db: sqlite_utils.Database, path: Path) -> str | None:
    """Attach the database of a previous release to read rows from (PREVIOUS), if there is one."""
    if not path.is_file():
        return None
    db.execute(f"ATTACH DATABASE ? AS {PREVIOUS}", [str(path)])
    return PREVIOUS


def same_files(folders: list[Path], previous: Path, resource: str) -> bool:
    """Whether a resource's CSV file in each package folder has the bytes of the same package's in
    a previous datapackages folder."""
    return all(
        same_bytes(folder / "data" / f"{resource}.csv", previous / folder.name / "data" / f"{resource}.csv")
        for folder in folders
    )


def copy_rows(connection: sqlite3.Connection, spec: ResourceSpec, schema: str) -> bool:
    """Copy a table's rows, in their order, from the same table of an attached database, when it has
    the same columns; whether it did."""
    names = [f["name"] for f in display_order(spec)]
    found = [row[1] for row in connection.execute(f"PRAGMA {schema}.table_info([{spec.name}])")]
    if found != names:
        return False
    columns_sql = ", ".join(f"[{n}]" for n in names)
    connection.execute(
        f"INSERT INTO main.[{spec.name}] ({columns_sql}) "
        f"SELECT {columns_sql} FROM {schema}.[{spec.name}] ORDER BY rowid"
    )
    return True


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


def create_table(
    db: sqlite_utils.Database,
    spec: ResourceSpec,
    folders: list[Path],
    spent: dict[str, float],
    previous: str | None = None,
) -> None:
    """Create one table with its types, keys and full-text index, and load its rows from the CSV
    files of the packages that hold it, or copy them from the same table of the attached database
    previous, loaded from the same files (the seconds of each part added to spent)."""
    started = time.perf_counter()
    ordered = display_order(spec)
    columns = {f["name"]: COLUMN_TYPES.get(f["type"], str) for f in ordered}
    table = db.table(spec.name)
    table.create(
        columns,
        pk=spec.primary_key[0] if len(spec.primary_key) == 1 else tuple(spec.primary_key),
        not_null={f["name"] for f in spec.schema["fields"] if f.get("constraints", {}).get("required")},
        foreign_keys=foreign_keys(spec),
    )
    if previous is None or not copy_rows(db.conn, spec, previous):
        insert_rows(db.conn, spec.name, spec, folders[0])
        for folder in folders[1:]:
            merge_rows(db.conn, spec, folder)
    db.conn.commit()
    loaded = time.perf_counter()
    spent["rows"] = spent.get("rows", 0.0) + loaded - started
    if spec.datasette.get("fts"):
        table.enable_fts(spec.datasette["fts"], tokenize=FTS_TOKENIZER)
    for column in indexed_columns(spec):
        table.create_index([column], if_not_exists=True)
    spent["indexes"] = spent.get("indexes", 0.0) + time.perf_counter() - loaded


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
    with database.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    with contextlib.closing(sqlite3.connect(database)) as connection:
        names = [row[0] for row in connection.execute("select name from sqlite_master where type = 'table'")]
        counts = {name: connection.execute(f'select count(*) from "{name}"').fetchone()[0] for name in names}
    return {
        database.stem: {
            "hash": digest,
            "size": database.stat().st_size,
            "file": database.name,
            "tables": {name: {"count": count} for name, count in sorted(counts.items())},
        }
    }
