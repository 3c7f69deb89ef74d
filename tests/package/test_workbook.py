"""The workbooks: written from a package's data files, each cell typed by its field, a table too
long for a sheet given a note, the same bytes whether written in the build's process or in a pool,
and a workbook that fails failing the build."""

from __future__ import annotations

import datetime
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import etl.build
from etl.build import build
from etl.layout import DATAPACKAGES, DOWNLOADS, RAW_DIR
from etl.package import workbook as module
from etl.package.render import write_data
from etl.package.workbook import CELL_LIMIT, CUT_NOTE, write_workbook, write_workbooks
from etl.release import staging_folder
from etl.specs import PackageSpec, ResourceSpec, load_packages, load_project

PACKAGES = load_packages()
KINDS = ("string", "integer", "number", "boolean", "date", "datetime")
LONG = "word " * (CELL_LIMIT // 4)
# Rows of one column of each type, as the build holds them, and the values their cells read back as.
ROWS: list[dict[str, Any]] = [
    {
        "string": "007",
        "integer": 42,
        "number": 2.5,
        "boolean": True,
        "date": "2024-05-01",
        "datetime": "2024-05-01T10:20:30Z",
    },
    {
        "string": "=1+2",
        "integer": 2**40,
        "number": 3,
        "boolean": False,
        "date": "1999-12-31",
        "datetime": None,
    },
    {"string": "true", "integer": -7, "number": 0.1, "boolean": None, "date": None, "datetime": ""},
    {"string": LONG, "integer": None, "number": -1e-7, "boolean": None, "date": None, "datetime": None},
    {"string": "", "integer": 0, "number": None, "boolean": None, "date": None, "datetime": None},
    {"string": None, "integer": None, "number": None, "boolean": None, "date": None, "datetime": None},
]
CELLS = [
    ("007", 42, 2.5, True, datetime.datetime(2024, 5, 1), datetime.datetime(2024, 5, 1, 10, 20, 30)),
    ("=1+2", 2**40, 3, False, datetime.datetime(1999, 12, 31), None),
    ("true", -7, 0.1, None, None, None),
    (LONG[: CELL_LIMIT - len(CUT_NOTE)] + CUT_NOTE, None, -1e-7, None, None, None),
    (None, 0, None, None, None, None),
]  # a row of missing values only has no cells: no row to read back
TYPES = {
    "string": {str},
    "integer": {int},
    "number": {int, float},  # openpyxl reads 3 as an int, whatever wrote it
    "boolean": {bool},
    "date": {datetime.datetime},
    "datetime": {datetime.datetime},
}


def typed_package(*names: str) -> PackageSpec:
    """A package of tables of these names, each with a column of each type."""
    fields = [{"name": kind, "type": kind} for kind in KINDS]
    resources = tuple(
        ResourceSpec(name, name.title(), f"The {name}.", {"fields": fields}, None, {}) for name in names
    )
    return PackageSpec("typed-package", "Typed", "A package of every type.", resources)


def sheet_cells(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    return list(workbook[sheet].iter_rows(values_only=True))


def test_the_cells_of_each_field_type_are_typed_as_the_rows_were(tmp_path: Path) -> None:
    package = typed_package("typed", "empty")
    write_data(tmp_path / "typed", package, {"typed": ROWS, "empty": []})
    write_workbook(tmp_path / "typed.xlsx", tmp_path / "typed", package, load_project())
    cells = sheet_cells(tmp_path / "typed.xlsx", "typed")
    assert cells[0] == KINDS
    assert cells[1:] == CELLS
    for row in cells[1:]:  # == holds for True and 1, 1.0 and 1: the types themselves
        assert all(v is None or type(v) in TYPES[k] for k, v in zip(KINDS, row, strict=True)), row
    sheet = openpyxl.load_workbook(tmp_path / "typed.xlsx")["typed"]
    assert [sheet.cell(2, column).number_format for column in (5, 6)] == ["yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss"]
    assert sheet.auto_filter.ref == "A1:F7"
    assert sheet_cells(tmp_path / "typed.xlsx", "empty") == [KINDS]


def test_a_table_too_long_for_a_sheet_gets_a_note_of_where_its_rows_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = typed_package("long", "fits")
    write_data(tmp_path / "package", package, {"long": ROWS, "fits": ROWS[:5]})
    monkeypatch.setattr(module, "SHEET_ROWS", 5)
    write_workbook(tmp_path / "package.xlsx", tmp_path / "package", package, load_project())
    assert sheet_cells(tmp_path / "package.xlsx", "long") == [
        (
            "long has 6 rows, more than a sheet of this workbook holds (5): its rows are in "
            "data/long.csv, data/long.parquet and data/long.json of the package.",
        )
    ]
    assert sheet_cells(tmp_path / "package.xlsx", "fits") == [KINDS, *CELLS]


def test_the_pool_and_the_build_process_write_the_same_bytes(
    release: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, folders = load_project(), release / DATAPACKAGES
    write_workbooks(tmp_path / "here", folders, PACKAGES, project, jobs=1)
    pools: list[int] = []

    class Pool(ProcessPoolExecutor):
        def __init__(self, max_workers: int) -> None:
            pools.append(max_workers)
            super().__init__(max_workers)

    monkeypatch.setattr(module, "POOL_BYTES", 0)
    monkeypatch.setattr(module, "ProcessPoolExecutor", Pool)
    write_workbooks(tmp_path / "pool", folders, PACKAGES, project, jobs=2)
    assert pools == [2]
    for package in PACKAGES:
        here = (tmp_path / "here" / f"{package.name}.xlsx").read_bytes()
        assert here == (tmp_path / "pool" / f"{package.name}.xlsx").read_bytes(), package.name
        assert len(sheet_cells(tmp_path / "here" / f"{package.name}.xlsx", package.resources[0].name)) > 1


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_workbook_that_fails_fails_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    root = tmp_path / "out"
    chosen = etl.build.choose_version

    def broken_header(*args: Any) -> Any:
        """Choose the version, then break the header of a CSV file (as a disk might): the data
        files are written, the workbooks not yet."""
        csv = staging_folder(root) / DATAPACKAGES / "diplomacy-network" / "data" / "post_types.csv"
        versioning = chosen(*args)
        csv.write_bytes(b"not,the,fields\n" + csv.read_bytes().split(b"\n", 1)[1])
        return versioning

    monkeypatch.setattr(etl.build, "choose_version", broken_header)
    monkeypatch.setattr(module, "POOL_BYTES", 0)
    with pytest.raises(
        ValueError, match=r"post_types\.csv: its header \['not', 'the', 'fields'\] is not the fields"
    ):
        build(root=root, raw_dir=RAW_DIR, jobs=jobs)
    assert not (root / DOWNLOADS).exists() and not staging_folder(root).exists()
