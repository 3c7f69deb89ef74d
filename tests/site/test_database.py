"""The database built from the packages on disk: tables streamed from their CSV files, a table
several packages hold loaded once with every key, and a row that differs between packages refused."""

from __future__ import annotations

import contextlib
import csv
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from etl.layout import DATABASE, DATAPACKAGES, DOWNLOADS, REPORT
from etl.release import add_report_tables, report_from_dict
from etl.site.database import DatabaseError, build_database
from etl.specs import load_packages


def csv_keys(path: Path, column: str) -> set[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row[column] for row in csv.DictReader(handle)}


def test_build_database_loads_a_shared_table_with_the_keys_of_every_package(release: Path) -> None:
    holders = sorted((release / DATAPACKAGES).glob("*/data/sources.csv"))
    assert len(holders) > 1
    with sqlite3.connect(release / DATABASE) as connection:
        stored = {row[0] for row in connection.execute("select id from sources")}
        assert connection.execute("select count(*) from sources").fetchone()[0] == len(stored)
    assert stored == set().union(*(csv_keys(path, "id") for path in holders))


def test_build_database_refuses_a_row_that_differs_between_packages(release: Path, tmp_path: Path) -> None:
    packages = tmp_path / DATAPACKAGES
    shutil.copytree(release / DATAPACKAGES, packages)
    news = csv_keys(packages / "diplomacy-news" / "data" / "sources.csv", "id")
    other = next(p for p in sorted(packages.glob("*/data/sources.csv")) if "news" not in str(p))
    with other.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = list(reader.fieldnames or []), list(reader)
    shared = next(row for row in rows if row["id"] in news)
    shared["title"] = shared["title"] + " (altered)"
    with other.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with pytest.raises(DatabaseError, match=f"table sources: row \\('{shared['id']}',\\) differs"):
        build_database(packages, load_packages(), tmp_path / DATABASE)


def typed(cell: str, kind: str) -> object:
    """A CSV cell as the database should hold it, cast in Python (the reference the SQL is held to)."""
    if cell == "":
        return None
    return {"integer": int, "number": float, "boolean": lambda v: int(v == "true")}.get(kind, str)(cell)


def test_every_cell_is_stored_with_its_field_s_type_and_an_empty_one_as_null(release: Path) -> None:
    sqlite_type = {int: "integer", float: "real", str: "text", type(None): "null"}
    seen: set[str] = set()  # the field types of the cells checked, empty cells apart
    with sqlite3.connect(release / DATABASE) as connection:
        for package in load_packages():
            for spec in package.resources:
                kinds = {f["name"]: f["type"] for f in spec.schema["fields"]}
                path = release / DATAPACKAGES / package.name / "data" / f"{spec.name}.csv"
                key = spec.primary_key
                with path.open(encoding="utf-8", newline="") as handle:
                    rows = list(csv.DictReader(handle))
                names = list(kinds)
                select = ", ".join(f"[{n}], typeof([{n}])" for n in names)
                where = " AND ".join(f"[{k}] = ?" for k in key)
                for row in rows:
                    stored = connection.execute(
                        f"SELECT {select} FROM [{spec.name}] WHERE {where}",
                        [typed(row[k], kinds[k]) for k in key],
                    ).fetchone()
                    expected = [typed(row[n], kinds[n]) for n in names]
                    assert list(stored[::2]) == expected, (spec.name, row)
                    assert list(stored[1::2]) == [sqlite_type[type(v)] for v in expected], (spec.name, row)
                    seen |= {kinds[n] for n, v in zip(names, expected, strict=True) if v is not None}
    assert {"integer", "number", "boolean", "string"} <= seen


def free_pages(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return int(connection.execute("PRAGMA freelist_count").fetchone()[0])


def test_the_database_has_no_free_pages_when_loaded_afresh_or_with_its_report_replaced(
    release: Path, tmp_path: Path
) -> None:
    path = tmp_path / DATABASE
    build_database(release / DATAPACKAGES, load_packages(), path)
    assert free_pages(path) == 0  # nothing was deleted, so nothing to vacuum
    report = report_from_dict(json.loads((release / DOWNLOADS / REPORT).read_text(encoding="utf-8")))
    assert report.warnings
    report.warnings = list(report.warnings) * 20  # rows enough to fill pages of their own
    add_report_tables(path, report)
    assert free_pages(path) == 0
    before = path.stat().st_size
    report.warnings = []
    add_report_tables(path, report)  # replaced by fewer rows: the pages they no longer fill are given back
    assert free_pages(path) == 0
    assert path.stat().st_size < before


def test_the_report_tables_hold_what_sqlite_utils_would_insert(release: Path, tmp_path: Path) -> None:
    import sqlite_utils

    from etl.release.report import COLUMN_TYPES, PRIMARY_KEYS, insert_rows, report_dict, report_rows

    report = report_from_dict(json.loads((release / DOWNLOADS / REPORT).read_text(encoding="utf-8")))
    report.warnings = [*report.warnings, {"source": "s", "field": None, "message": ["a", 1], "char_start": 3}]
    ours, theirs = sqlite_utils.Database(tmp_path / "ours.db"), sqlite_utils.Database(tmp_path / "theirs.db")
    for name, columns in COLUMN_TYPES.items():
        rows = list(report_rows(report_dict(report))[name])
        assert rows
        for db in (ours, theirs):
            db.table(name).create(columns, pk=PRIMARY_KEYS[name], not_null={PRIMARY_KEYS[name]})
        insert_rows(ours.conn, name, list(columns), rows)
        theirs.table(name).insert_all(rows)
        typed = ", ".join(f"[{c}], typeof([{c}])" for c in columns)
        query = f"SELECT {typed} FROM [{name}] ORDER BY rowid"
        assert ours.execute(query).fetchall() == theirs.execute(query).fetchall()
    with pytest.raises(ValueError, match="has no column nowhere"):
        insert_rows(ours.conn, "build_tables", ["table_name", "rows"], [{"table_name": "t", "nowhere": 1}])
