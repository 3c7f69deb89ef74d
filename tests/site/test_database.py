"""The database built from the packages on disk: tables streamed from their CSV files, a table
several packages hold loaded once with every key, and a row that differs between packages refused."""

from __future__ import annotations

import csv
import shutil
import sqlite3
from pathlib import Path

import pytest

from etl.layout import DATABASE, DATAPACKAGES
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
