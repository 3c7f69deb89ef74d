"""The workbooks: written from a package's data files, each cell typed by its field, a table too
long for a sheet given a note, the same bytes whether written in the build's process or in a pool,
and a workbook that fails failing the build."""

from __future__ import annotations

import datetime
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
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


def test_the_processes_and_the_build_process_write_the_same_bytes(release: Path, tmp_path: Path) -> None:
    project, folders = load_project(), release / DATAPACKAGES
    write_workbooks(tmp_path / "here", folders, PACKAGES, project, jobs=1)
    # in a fresh interpreter, which no thread of another test (a Dask client's) keeps from forking
    code = (
        "import json, sys\nfrom pathlib import Path\nfrom etl.package import workbook\n"
        "from etl.specs import load_packages, load_project\nworkbook.POOL_BYTES = 0\nstarted = []\n"
        "start = workbook.Pending.start\n"
        "workbook.Pending.start = lambda self, task: started.append(task[2].name) or start(self, task)\n"
        f"pending = workbook.write_workbooks(Path({str(tmp_path / 'pool')!r}), Path({str(folders)!r}), "
        "load_packages(), load_project(), jobs=2)\n"
        "running = len(pending.running)\npending.wait()\n"
        "print(json.dumps([started, running, len(pending.running)]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    started, running, left = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(started) == 2 and running == 2 and left == 0
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


def sleeping_task(tmp_path: Path) -> module.Task:
    """A workbook's task (what it is written from does not matter to a write_workbook replaced)."""
    return (tmp_path / "x.xlsx", tmp_path, PACKAGES[0], load_project(), None)


def ending_at_once(task: module.Task, progress: Any) -> None:
    """A workbook's work that ends its process without a word (in the process started for it)."""
    os._exit(3)


def sleeping(task: module.Task, progress: Any) -> None:
    """A workbook's work that takes a minute."""
    time.sleep(60)


def test_a_workbook_process_that_ends_without_a_word_is_an_error(tmp_path: Path) -> None:
    pending = module.Pending(ending_at_once)
    pending.start(sleeping_task(tmp_path))
    with pytest.raises(RuntimeError, match=r"child process ended without a result \(exit code 3\)"):
        pending.wait()


def test_stopped_workbooks_are_not_left_writing(tmp_path: Path) -> None:
    pending = module.Pending(sleeping)
    pending.start(sleeping_task(tmp_path))
    process = pending.running[0].process
    started = time.monotonic()
    pending.stop()
    assert not process.is_alive() and not pending.running and time.monotonic() - started < 10


def start_and_wait(task: module.Task, pid_file: Path) -> None:
    """In a process of its own: start a workbook, say its process's id, and wait to be killed."""
    pending = module.Pending(sleeping)
    pending.start(task)
    pid_file.write_text(str(pending.running[0].process.pid))
    time.sleep(60)


def test_a_workbook_process_ends_with_a_killed_build(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    build_process = multiprocessing.get_context("fork").Process(
        target=start_and_wait, args=(sleeping_task(tmp_path), pid_file)
    )
    build_process.start()
    deadline = time.monotonic() + 20
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    child = int(pid_file.read_text())
    os.kill(build_process.pid, signal.SIGKILL)
    build_process.join()
    while (
        Path(f"/proc/{child}").exists() and "zombie" not in Path(f"/proc/{child}/status").read_text().lower()
    ):
        assert time.monotonic() < deadline, "the workbook's process outlived the build"
        time.sleep(0.05)


def test_workbooks_are_written_here_when_this_process_runs_threads(
    release: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(module, "POOL_BYTES", 0)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        pending = write_workbooks(tmp_path, release / DATAPACKAGES, PACKAGES, load_project(), jobs=2)
    finally:
        stop.set()
        thread.join()
    assert not pending.running
    assert all((tmp_path / f"{package.name}.xlsx").is_file() for package in PACKAGES)


@pytest.mark.parametrize("changed", ["first", "second", "none"])
def test_a_workbook_copies_the_sheets_of_unchanged_tables_and_has_a_whole_workbooks_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changed: str
) -> None:
    # the first table's dates come before the second's times only in some rows: the formats are
    # numbered the same whichever sheets are written
    package = typed_package("first", "second")
    before, now = tmp_path / "before", tmp_path / "now"
    write_data(before, package, {"first": ROWS, "second": ROWS[::-1]})
    project = load_project()
    write_workbook(tmp_path / "before.xlsx", before, package, project)
    rows = {"first": ROWS, "second": ROWS[::-1]}
    if changed != "none":
        rows[changed] = [{**row, "integer": 5} for row in rows[changed]]
    write_data(now, package, rows)
    project = {**project, "version": "9.9.9"}
    spliced: list[set[str]] = []
    original = module.splice_sheets

    def noting(written: Path, previous: Path, path: Path, copied: set[str]) -> bool:
        done = original(written, previous, path, copied)
        if done:
            spliced.append(copied)
        return done

    monkeypatch.setattr(module, "splice_sheets", noting)
    write_workbook(tmp_path / "reused.xlsx", now, package, project, (tmp_path / "before.xlsx", before))
    kept = {"first": {"xl/worksheets/sheet3.xml"}, "second": {"xl/worksheets/sheet2.xml"}}
    assert spliced == [kept.get(changed, {"xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"})]
    write_workbook(tmp_path / "whole.xlsx", now, package, project)
    assert (tmp_path / "reused.xlsx").read_bytes() == (tmp_path / "whole.xlsx").read_bytes()
    assert sheet_cells(tmp_path / "reused.xlsx", "first") == sheet_cells(tmp_path / "whole.xlsx", "first")
    assert not list(tmp_path.glob("*.part"))
