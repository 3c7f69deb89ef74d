"""A package as one Excel workbook, for spreadsheets: a sheet describing the package and every
column, then a sheet per table with typed cells (numbers as numbers, dates as dates).

A CSV opened by double-click in a spreadsheet goes wrong in Belgium: Excel takes UTF-8 without a
BOM for a local code page ("België" garbled), and Dutch and French locales expect `;` between
fields, so a comma-separated file lands in one column. A workbook has neither problem."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import xlsxwriter

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


def cell_value(kind: str, value: Any) -> Any:
    """A value as its cell holds it: dates and times as such, long text cut to Excel's limit."""
    if value is None or value == "":
        return None
    if kind == "date":
        return datetime.date.fromisoformat(str(value))
    if kind == "datetime":
        return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00")).replace(tzinfo=None)
    if isinstance(value, str) and len(value) > CELL_LIMIT:
        return value[: CELL_LIMIT - len(CUT_NOTE)] + CUT_NOTE
    return value


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
    path: Path, package: PackageSpec, rows: dict[str, list[dict[str, Any]]], project: dict[str, Any]
) -> None:
    """Write the XLSX workbook of a package (the same bytes for the same rows: a fixed creation
    time), row by row with XlsxWriter's constant memory mode, each sheet flushed to a temporary file
    as it is written."""
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
    about = workbook.add_worksheet("about")
    for number, row in enumerate(about_rows(package, project)):
        about.write_row(number, 0, row, bold if number in (0, 5) else None)
    about.set_column(0, 1, 24)
    about.set_column(3, 3, 28)
    about.set_column(4, 4, 100)
    for spec in package.resources:
        sheet = workbook.add_worksheet(spec.name[:31])
        if len(rows[spec.name]) > SHEET_ROWS:
            sheet.write_string(0, 0, too_long_note(spec, len(rows[spec.name])))
            continue
        write_sheet(sheet, spec, rows[spec.name], bold, stamp)
    workbook.close()


def too_long_note(spec: ResourceSpec, count: int) -> str:
    """What the sheet of a table too long for the workbook says instead of its rows."""
    return (
        f"{spec.name} has {count:,} rows, more than a sheet of this workbook holds ({SHEET_ROWS:,}): "
        f"its rows are in data/{spec.name}.csv, data/{spec.name}.parquet and data/{spec.name}.json "
        "of the package."
    )


def write_sheet(sheet: Any, spec: ResourceSpec, rows: list[dict[str, Any]], bold: Any, stamp: Any) -> None:
    """One table's sheet: a frozen header of column names, then its rows as typed cells."""
    fields = spec.schema["fields"]
    sheet.write_row(0, 0, [f["name"] for f in fields], bold)
    sheet.freeze_panes(1, 0)
    kinds = [(column, field["type"], field["name"]) for column, field in enumerate(fields)]
    for number, row in enumerate(rows, start=1):  # row by row: constant memory mode writes rows in order
        for column, kind, name in kinds:
            value = cell_value(kind, row.get(name))
            if value is None:
                continue
            if kind == "datetime":
                sheet.write_datetime(number, column, value, stamp)
            elif kind == "date":
                sheet.write_datetime(number, column, value)
            elif isinstance(value, str):
                sheet.write_string(number, column, value)
            else:
                sheet.write(number, column, value)
    if rows:
        sheet.autofilter(0, 0, len(rows), len(fields) - 1)
