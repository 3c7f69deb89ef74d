"""Every package opens as it is, with the tools people use: frictionless (descriptor and zip),
pandas through frictionless and from Parquet, DuckDB, sqlite-utils and a spreadsheet's workbook;
and the types that come out are the Table Schema's."""

from __future__ import annotations

import datetime
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import frictionless
import openpyxl
import pandas as pd
import pytest

from etl.layout import DATAPACKAGES, DOWNLOADS
from etl.specs import load_packages

PACKAGES = load_packages()
NAMES = [p.name for p in PACKAGES]
# Table Schema types as DuckDB reads them from Parquet, and as pandas holds them (numpy_nullable).
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP WITH TIME ZONE",
}


def fields(package: str, resource: str) -> dict[str, str]:
    spec = next(p for p in PACKAGES if p.name == package).resource(resource)
    return {f["name"]: f["type"] for f in spec.schema["fields"]}


@pytest.mark.parametrize("package", NAMES)
def test_the_zip_opens_with_frictionless_as_it_is(release: Path, package: str) -> None:
    loaded = frictionless.Package(str(release / DOWNLOADS / f"{package}.zip"))
    spec = next(p for p in PACKAGES if p.name == package)
    names = [r.name for r in loaded.resources]
    assert names == [r.name for r in spec.resources] + [f"{r.name}_parquet" for r in spec.resources]
    report = loaded.validate()
    assert report.valid, report.flatten(["taskName", "rowNumber", "fieldName", "message"])


@pytest.mark.parametrize("package", NAMES)
def test_pandas_through_frictionless_gets_the_schema_types(release: Path, package: str) -> None:
    loaded = frictionless.Package(str(release / DATAPACKAGES / package / "datapackage.json"))
    spec = next(p for p in PACKAGES if p.name == package)
    for resource in spec.resources:
        frame = loaded.get_resource(resource.name).to_pandas().reset_index()
        for name, kind in fields(package, resource.name).items():
            dtype = frame[name].dtype
            if kind == "integer":
                assert pd.api.types.is_integer_dtype(dtype), (resource.name, name, dtype)
            elif kind in ("date", "datetime") and frame[name].notna().any():
                assert pd.api.types.is_datetime64_any_dtype(dtype), (resource.name, name, dtype)
            elif kind == "boolean":  # with empty cells pandas has no boolean dtype but object
                values = frame[name].dropna()
                assert all(isinstance(v, bool) for v in values), (resource.name, name, dtype)


def test_pandas_reads_parquet_with_integers_and_dates(release: Path) -> None:
    path = release / DATAPACKAGES / "diplomacy-network" / "data" / "post_counts.parquet"
    frame = pd.read_parquet(path, dtype_backend="numpy_nullable")
    assert str(frame["count"].dtype) == "Int64" and str(frame["char_start"].dtype) == "Int64"
    assert isinstance(frame["as_of_start"].iloc[0], datetime.date)
    frame = pd.read_parquet(path, dtype_backend="pyarrow")
    assert str(frame["as_of_start"].dtype).startswith("date32")
    assert (frame["as_of_start"] <= frame["as_of_end"]).all()


@pytest.mark.parametrize("package", NAMES)
def test_duckdb_reads_every_parquet_file_with_the_schema_types(release: Path, package: str) -> None:
    spec = next(p for p in PACKAGES if p.name == package)
    for resource in spec.resources:
        path = release / DATAPACKAGES / package / "data" / f"{resource.name}.parquet"
        described = duckdb.sql(f"describe select * from '{path}'").fetchall()
        types = {row[0]: row[1] for row in described}
        expected = {name: DUCKDB_TYPES[kind] for name, kind in fields(package, resource.name).items()}
        assert types == expected, resource.name
        count = duckdb.sql(f"select count(*) from '{path}'").fetchall()
        csv_path = path.with_suffix(".csv")
        assert count == duckdb.sql(f"select count(*) from read_csv('{csv_path}', header=true)").fetchall()


def test_duckdb_reads_typed_dates_from_the_csv(release: Path) -> None:
    path = release / DATAPACKAGES / "diplomacy-network" / "data" / "post_counts.csv"
    described = duckdb.sql(f"describe select * from read_csv('{path}')").fetchall()
    types = {row[0]: row[1] for row in described}
    assert types["as_of"] == "VARCHAR" and types["as_of_start"] == types["as_of_end"] == "DATE"
    assert types["count"] == "BIGINT"
    [(latest,)] = duckdb.sql(f"select max(as_of_end) from read_csv('{path}')").fetchall()
    assert isinstance(latest, datetime.date)


def test_sqlite_utils_with_empty_null_stores_nulls(release: Path, tmp_path: Path) -> None:
    database = tmp_path / "counts.db"
    path = release / DATAPACKAGES / "diplomacy-network" / "data" / "post_counts.csv"
    command = [sys.executable, "-m", "sqlite_utils", "insert", str(database), "post_counts", str(path)]
    subprocess.run([*command, "--csv", "--empty-null"], check=True)
    with sqlite3.connect(database) as connection:
        nulls = connection.execute("select count(*) from post_counts where review is null").fetchone()
        empty = connection.execute("select count(*) from post_counts where review = ''").fetchone()
        kind = connection.execute("select typeof(count) from post_counts limit 1").fetchone()
    assert nulls[0] > 0 and empty[0] == 0 and kind[0] == "integer"


@pytest.mark.parametrize("package", NAMES)
def test_the_workbook_opens_with_a_sheet_per_table_and_typed_cells(release: Path, package: str) -> None:
    workbook = openpyxl.load_workbook(release / DOWNLOADS / f"{package}.xlsx", read_only=True)
    spec = next(p for p in PACKAGES if p.name == package)
    assert workbook.sheetnames == ["about", *(r.name[:31] for r in spec.resources)]
    for resource in spec.resources:
        rows = list(workbook[resource.name].iter_rows(values_only=True))
        kinds = fields(package, resource.name)
        assert list(rows[0]) == list(kinds)
        csv_rows = (release / DATAPACKAGES / package / "data" / f"{resource.name}.json").read_text()
        assert len(rows) - 1 == len(json.loads(csv_rows))
        for row in rows[1:]:
            for (name, kind), value in zip(kinds.items(), row, strict=True):
                if value is None:
                    continue
                if kind == "integer":
                    assert isinstance(value, int), (resource.name, name, value)
                elif kind in ("date", "datetime"):
                    assert isinstance(value, datetime.datetime), (resource.name, name, value)
    labels = list(workbook["post_types"].iter_rows(values_only=True)) if "post_types" in workbook else []
    assert all("Ã" not in str(cell) for row in labels for cell in row)  # België stays België


def test_cited_sources_groups_many_archived_articles_by_site_and_lists_publications() -> None:
    from etl.package.render import SOURCES_LISTED, cited_sources

    articles = [
        {
            "id": f"a{n}",
            "kind": "archived_text",
            "title": f"A{n}",
            "url": f"https://diplomatie.belgium.be/en/{n}",
        }
        for n in range(SOURCES_LISTED + 1)
    ]
    publication = {"id": "p", "kind": "publication", "title": "A report", "url": "https://example.org/report"}
    assert len(cited_sources([*articles[:SOURCES_LISTED], publication])) == SOURCES_LISTED + 1
    assert cited_sources([*articles, publication]) == [
        {
            "title": f"{SOURCES_LISTED + 1} archived articles of https://diplomatie.belgium.be/ "
            "(each in the package's sources table)",
            "path": "https://diplomatie.belgium.be/",
        },
        {"title": "A report", "path": "https://example.org/report"},
    ]
