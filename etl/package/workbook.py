"""A package as one Excel workbook, for spreadsheets: a sheet describing the package and every
column, then a sheet per table with typed cells (numbers as numbers, dates as dates), read from
the package's CSV files a row at a time and typed by their fields.

A CSV opened by double-click in a spreadsheet goes wrong in Belgium: Excel takes UTF-8 without a
BOM for a local code page ("België" garbled), and Dutch and French locales expect `;` between
fields, so a comma-separated file lands in one column. A workbook has neither problem."""

from __future__ import annotations

import csv
import datetime
import functools
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow.parquet as pq
import xlsxwriter

from etl.apart import Apart, can_fork
from etl.digests import same_bytes
from etl.package.render import copy_entry
from etl.package.rows import long_cells
from etl.specs import PackageSpec, ResourceSpec

# Excel holds at most 32,767 characters in a cell; a longer text (an article's body) is cut there,
# with a note that says so, and is whole in the CSV, Parquet and JSON files.
CELL_LIMIT = 32_767
CUT_NOTE = " […] (cut at Excel's cell limit; the whole text is in the CSV, Parquet and JSON files)"
FIXED_TIME = datetime.datetime(2000, 1, 1)
# A table of more rows than this has a sheet that says where its rows are, rather than the rows:
# Excel opens at most 1,048,576 rows a sheet, and a sheet of this many is already slow to open
# (and to write: XlsxWriter takes about 7 µs a cell).
SHEET_ROWS = 100_000
BOOLEANS = {"true": True, "false": False}
# Below this many bytes of CSV, the workbooks are written in the build's process (a pool costs more
# to start than it saves).
POOL_BYTES = 16 * 2**20
# A workbook whose sheets are spliced (see write_workbook) is first written beside it, so named.
PART_SUFFIX = ".part"


def text_cell(text: str) -> str:
    """A text as its cell holds it: cut at Excel's limit, with a note that says so."""
    return text if len(text) <= CELL_LIMIT else text[: CELL_LIMIT - len(CUT_NOTE)] + CUT_NOTE


def integer_cell(text: str) -> int | float:
    """An integer from its CSV text (the text of a float, which a row may hold, as that float)."""
    try:
        return int(text)
    except ValueError:
        return float(text)


def boolean_cell(text: str) -> bool:
    """A boolean as written in the CSV files (true or false)."""
    return BOOLEANS[text]


def date_cell(text: str) -> datetime.date:
    """A date from its ISO text."""
    return datetime.date.fromisoformat(text)


def datetime_cell(text: str) -> datetime.datetime:
    """A time from its ISO text, as Excel holds it: without its time zone (UTC)."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


# How a non-empty CSV cell of each Table Schema type becomes a cell's value, and the worksheet
# method that writes it (an empty CSV cell is a missing value: no cell).
CELLS: dict[str, tuple[Callable[[str], Any], str]] = {
    "string": (text_cell, "write_string"),
    "integer": (integer_cell, "write_number"),
    "year": (integer_cell, "write_number"),
    "number": (float, "write_number"),
    "boolean": (boolean_cell, "write_boolean"),
    "date": (date_cell, "write_datetime"),
    "datetime": (datetime_cell, "write_datetime"),
}


class Column(NamedTuple):
    """How one column's CSV cells are written into its sheet: converted, then written with a format."""

    convert: Callable[[str], Any]
    write: Callable[..., Any]
    cell_format: Any


def about_rows(package: PackageSpec, project: dict[str, Any]) -> list[list[str]]:
    """The rows of the sheet that describes the package, its licence and every column."""
    licence = project["licenses"][0]
    rows = [
        [package.title],
        [package.description],
        [f"Version {project['version']}; licence {licence['title']} ({licence['path']})."],
        [
            "Each table is a sheet; the columns are described below. Dates are dates, counts numbers. "
            f"A table of more than {SHEET_ROWS:,} rows is in the package's CSV, Parquet and JSON files only."
        ],
        [],
        ["Sheet", "Column", "Type", "Title", "Description"],
    ]
    for spec in package.resources:
        rows.append([spec.name, "", "", spec.title, spec.description])
        for field in spec.schema["fields"]:
            rows.append(
                ["", field["name"], field["type"], field.get("title", ""), field.get("description", "")]
            )
    return rows


def write_workbook(
    path: Path,
    folder: Path,
    package: PackageSpec,
    project: dict[str, Any],
    reuse: tuple[Path, Path] | None = None,
) -> None:
    """Write the XLSX workbook of a package from the data files in its folder (the same bytes for
    the same files: a fixed creation time), a CSV row at a time, each cell typed by its field. With
    reuse, the workbook of the same package made by the same code and the folder it was made from,
    the sheet of a table whose CSV file is that folder's byte for byte is copied from that workbook
    (see splice_sheets): the same bytes as the workbook written whole."""
    kept = kept_sheets(folder, package, reuse)
    if reuse is not None and kept:
        written = path.with_name(path.name + PART_SUFFIX)
        try:
            write_sheets(written, folder, package, project, kept)
            if splice_sheets(written, reuse[0], path, {sheet_file(package, name) for name in kept}):
                return
        finally:
            written.unlink(missing_ok=True)
    write_sheets(path, folder, package, project, frozenset())


def kept_sheets(folder: Path, package: PackageSpec, reuse: tuple[Path, Path] | None) -> frozenset[str]:
    """The tables of a package whose sheets can be copied from the workbook in reuse: their CSV
    file that of reuse's folder byte for byte, and their rows within a sheet."""
    if reuse is None or not reuse[0].is_file():
        return frozenset()
    return frozenset(
        spec.name
        for spec in package.resources
        if same_bytes(folder / "data" / f"{spec.name}.csv", reuse[1] / "data" / f"{spec.name}.csv")
        and row_count(folder, spec) <= SHEET_ROWS
    )


def sheet_file(package: PackageSpec, name: str) -> str:
    """The part of a package's workbook that holds a table's sheet (the first sheet is about)."""
    return f"xl/worksheets/sheet{[r.name for r in package.resources].index(name) + 2}.xml"


def splice_sheets(written: Path, previous: Path, path: Path, copied: set[str]) -> bool:
    """Write at path the workbook written with the parts copied (sheets left without their rows)
    replaced by the previous workbook's, every part copied as it is compressed; whether it could
    (False: a part missing from one of them, or one copy_entry does not copy)."""
    with zipfile.ZipFile(written) as new, zipfile.ZipFile(previous) as old, zipfile.ZipFile(path, "w") as out:
        for info in new.infolist():
            if not copy_entry(old if info.filename in copied else new, out, info.filename):
                return False
    return True


def write_sheets(
    path: Path, folder: Path, package: PackageSpec, project: dict[str, Any], kept: frozenset[str]
) -> None:
    """Write a package's workbook, the sheets of the tables kept without their rows (their header,
    panes and filter written, which the workbook's other parts describe)."""
    options = {
        "constant_memory": True,
        "tmpdir": str(path.parent),
        "strings_to_numbers": False,
        "strings_to_formulas": False,  # a value that begins with = is text, never a formula
        "strings_to_urls": False,
        "default_date_format": "yyyy-mm-dd",
    }
    workbook = xlsxwriter.Workbook(str(path), options)
    workbook.set_properties({"title": package.title, "created": FIXED_TIME, "author": project["title"]})
    bold = workbook.add_format({"bold": True})
    stamp = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    # Each format numbered now, in this order, not by the first cell that uses it: a sheet's cells
    # refer to formats by number, so that a sheet copied from another workbook refers to the same.
    for cell_format in (bold, workbook.default_date_format, stamp):
        cell_format._get_xf_index()
    about = workbook.add_worksheet("about")
    for number, row in enumerate(about_rows(package, project)):
        about.write_row(number, 0, row, bold if number in (0, 5) else None)
    about.set_column(0, 1, 24)
    about.set_column(3, 3, 28)
    about.set_column(4, 4, 100)
    for spec in package.resources:
        sheet = workbook.add_worksheet(spec.name[:31])
        count = row_count(folder, spec)
        if count > SHEET_ROWS:
            sheet.write_string(0, 0, too_long_note(spec, count))
            continue
        if spec.name in kept:
            write_sheet(sheet, spec, iter(()), bold, stamp, count)
        else:
            write_sheet(sheet, spec, csv_records(folder, spec), bold, stamp)
    workbook.close()


def row_count(folder: Path, spec: ResourceSpec) -> int:
    """How many rows a resource has: its Parquet twin's, read from the file's footer."""
    return int(pq.read_metadata(folder / "data" / f"{spec.name}.parquet").num_rows)


def csv_records(folder: Path, spec: ResourceSpec) -> Iterator[list[str]]:
    """The rows of a resource's CSV file as lists of strings in field order, one at a time (its
    header checked against the fields)."""
    long_cells()
    with (folder / "data" / f"{spec.name}.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if header != spec.field_names:
            raise ValueError(f"{spec.name}.csv: its header {header} is not the fields {spec.field_names}")
        yield from reader


def too_long_note(spec: ResourceSpec, count: int) -> str:
    """What the sheet of a table too long for the workbook says instead of its rows."""
    return (
        f"{spec.name} has {count:,} rows, more than a sheet of this workbook holds ({SHEET_ROWS:,}): "
        f"its rows are in data/{spec.name}.csv, data/{spec.name}.parquet and data/{spec.name}.json "
        "of the package."
    )


def sheet_columns(sheet: Any, spec: ResourceSpec, stamp: Any) -> list[Column]:
    """How each column of a resource is written into its sheet (times with the time's format,
    dates with the workbook's default one)."""
    columns = []
    for field in spec.schema["fields"]:
        convert, method = CELLS[field["type"]]
        columns.append(
            Column(convert, getattr(sheet, method), stamp if field["type"] == "datetime" else None)
        )
    return columns


def write_sheet(
    sheet: Any,
    spec: ResourceSpec,
    records: Iterator[list[str]],
    bold: Any,
    stamp: Any,
    rows: int | None = None,
) -> None:
    """One table's sheet: a frozen header of column names, then its CSV rows as typed cells, and
    a filter over them (over rows many, for a sheet whose rows are not written here)."""
    sheet.write_row(0, 0, spec.field_names, bold)
    sheet.freeze_panes(1, 0)
    columns = sheet_columns(sheet, spec, stamp)
    number = 0
    for number, record in enumerate(records, start=1):  # constant memory mode writes rows in order
        for column, text in enumerate(record):
            if text:
                convert, write, cell_format = columns[column]
                write(number, column, convert(text), cell_format)
    number = number if rows is None else rows
    if number:
        sheet.autofilter(0, 0, number, len(columns) - 1)


def workbook_size(folder: Path, package: PackageSpec) -> int:
    """How much a workbook reads (its package's CSV files' bytes), to start the largest first."""
    return sum((folder / "data" / f"{spec.name}.csv").stat().st_size for spec in package.resources)


# What writing one workbook takes: its path, its package's folder, the package and the project,
# and the previous workbook with its folder to copy sheets from (see write_workbook).
Task = tuple[Path, Path, PackageSpec, dict[str, Any], tuple[Path, Path] | None]


def write_task(task: Task, progress: Callable[[str], None]) -> None:
    """Write one workbook (the work of a child process, see Pending)."""
    write_workbook(*task)


class Pending:
    """Workbooks being written each in a child process of its own (etl/apart.py), while the
    build goes on (they read only the data files, which nothing changes any more): wait() for
    them, which raises the error of the first that failed as it would have been raised in this
    process, once all ended; stop() ends those still running, so that a build that fails does not
    leave them writing (nor does one that is killed: they die with it)."""

    def __init__(self, write: Callable[[Task, Callable[[str], None]], None] | None = None) -> None:
        self.running: list[Apart[None]] = []
        self.write = write or write_task  # (a module-level function: it is pickled)

    def start(self, task: Task) -> None:
        """Start writing a workbook in a child process started fresh (etl/apart.py fresh_context):
        it reads only the data files, and forked from the build it would carry the build's memory."""
        self.running.append(Apart(functools.partial(self.write, task), fresh=True))

    def wait(self) -> None:
        """Wait for every workbook; raise the error of the first that failed, once all ended."""
        error: BaseException | None = None
        while self.running:
            try:
                self.running.pop(0).result()
            except Exception as exc:
                error = error or exc
        if error is not None:
            raise error

    def stop(self) -> None:
        """End the workbooks still being written (their files are left as they are)."""
        while self.running:
            self.running.pop().stop()


def write_workbooks(
    downloads: Path,
    datapackages: Path,
    packages: Sequence[PackageSpec],
    project: dict[str, Any],
    jobs: int,
    meanwhile: Callable[[], None] = lambda: None,
    reuse: Path | None = None,
) -> Pending:
    """Write the workbook of every package (downloads/<package>.xlsx) from its folder under
    datapackages: in this process, or for large packages the largest jobs of them each in a process
    of its own (when this one can be forked), left running as the build goes on (the Pending
    returned: wait for it before the workbooks are read), the others here once meanwhile ran (it
    runs first without processes). A workbook that fails raises, here or when waited for, as it
    would in this process. With reuse, a datapackages folder made by the same code, the sheets of
    the tables whose CSV files are its are copied from its release's workbooks (write_workbook)."""
    downloads.mkdir(parents=True, exist_ok=True)

    def previous(name: str) -> tuple[Path, Path] | None:
        return None if reuse is None else (reuse.parent / downloads.name / f"{name}.xlsx", reuse / name)

    tasks: list[Task] = [
        (downloads / f"{p.name}.xlsx", datapackages / p.name, p, project, previous(p.name)) for p in packages
    ]
    sizes = [workbook_size(folder, package) for _, folder, package, _, _ in tasks]
    pending = Pending()
    if jobs <= 1 or len(tasks) <= 1 or sum(sizes) < POOL_BYTES or not can_fork():
        meanwhile()
        for task in tasks:
            write_workbook(*task)
        return pending
    order = sorted(range(len(tasks)), key=lambda i: -sizes[i])
    try:
        for i in order[:jobs]:
            pending.start(tasks[i])
        meanwhile()
        for i in order[jobs:]:
            write_workbook(*tasks[i])
    except BaseException:
        pending.stop()
        raise
    return pending
