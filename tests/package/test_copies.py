"""The JSON and Parquet copies of a resource checked against its CSV file: sound copies pass, and
every kind of difference is found at its row and field, with the copy's own value."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.package.copies import (
    check_json_copies,
    check_parquet_copies,
    parquet_cell,
    parquet_cells,
)
from etl.package.render import ARROW_TYPES, arrow_schema, csv_value, write_csv, write_json, write_parquet
from etl.specs import ResourceSpec

FIELDS = [
    {"name": "id", "type": "string"},
    {"name": "count", "type": "integer"},
    {"name": "share", "type": "number"},
    {"name": "open", "type": "boolean"},
    {"name": "day", "type": "date"},
    {"name": "seen", "type": "datetime"},
    {"name": "year", "type": "year"},
    {"name": "note", "type": "string"},
]
SPEC = ResourceSpec("things", "Things", "Things for the test.", {"fields": FIELDS}, None, {})
ROWS: list[dict[str, Any]] = [
    {
        "id": f"thing-{i}",
        "count": i * 7 - 20,
        "share": i / 4,
        "open": i % 2 == 0,
        "day": f"2025-01-{i + 1:02d}",
        "seen": f"2025-01-{i + 1:02d}T10:00:00Z",
        "year": 1990 + i,
        "note": "a line,\nanother" if i == 3 else ("" if i == 4 else None),
    }
    for i in range(12)
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A resource written as the build writes it: CSV, JSON and Parquet."""
    (tmp_path / "data").mkdir()
    write_files(tmp_path, ROWS)
    return tmp_path


def write_files(
    folder: Path, rows: list[dict[str, Any]], which: tuple[str, ...] = ("csv", "json", "parquet")
) -> None:
    for kind, writer in (("csv", write_csv), ("json", write_json)):
        if kind in which:
            with (folder / "data" / f"things.{kind}").open("wb") as handle:
                writer(SPEC, rows, handle)
    if "parquet" in which:
        write_parquet(SPEC, rows, str(folder / "data" / "things.parquet"))


def both(folder: Path) -> tuple[list[Any], list[Any]]:
    return check_json_copies(folder, "pkg", SPEC), check_parquet_copies(folder, "pkg", SPEC)


def test_sound_copies_have_no_problem(folder: Path) -> None:
    assert both(folder) == ([], [])


def edited(row: int, **cells: Any) -> list[dict[str, Any]]:
    return [{**r, **cells} if i == row else r for i, r in enumerate(ROWS)]


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("count", 5, "5"),
        ("share", 0.3, "0.3"),
        ("open", None, "None"),
        ("day", "2025-02-01", "'2025-02-01'"),
        ("seen", "2025-01-04T10:00:01Z", "'2025-01-04T10:00:01Z'"),
        ("note", "other", "'other'"),
        ("id", "", "''"),
    ],
)
def test_a_copys_changed_value_is_found_at_its_row_and_field(
    folder: Path, field: str, value: Any, shown: str
) -> None:
    write_files(folder, edited(3, **{field: value}), ("json", "parquet"))
    for problems in both(folder):
        assert [(p.row, p.field, p.check) for p in problems] == [(5, field, "copy")]
        assert problems[0].message.startswith(f"{shown} differs from the CSV's ")


def test_a_changed_csv_is_found_against_both_copies(folder: Path) -> None:
    write_files(folder, edited(0, count=999), ("csv",))
    for problems in both(folder):
        assert [(p.row, p.field) for p in problems] == [(2, "count")]
        assert problems[0].message.endswith("differs from the CSV's '999'")


def test_a_copy_with_fewer_rows_is_one_row_count_problem(folder: Path) -> None:
    write_files(folder, ROWS[:-2], ("json", "parquet"))
    for problems, name in zip(both(folder), ("things_json", "things_parquet"), strict=True):
        assert [p.check for p in problems] == ["row-count"]
        assert problems[0].message == f"CSV has 12 rows, {name} has 10"


def test_a_csv_with_fewer_rows_is_one_row_count_problem(folder: Path) -> None:
    write_files(folder, ROWS[:5], ("csv",))
    for problems, name in zip(both(folder), ("things_json", "things_parquet"), strict=True):
        assert [p.message for p in problems] == [f"CSV has 5 rows, {name} has 12"]


def test_a_json_row_with_other_keys_is_found(folder: Path) -> None:
    path = folder / "data" / "things.json"
    values = json.loads(path.read_text(encoding="utf-8"))
    values[2] = {k: values[2][k] for k in reversed(list(values[2]))}  # the keys out of order
    values[5] = ["not", "an", "object"]
    path.write_text(json.dumps(values, indent=1), encoding="utf-8")  # (not a value a line)
    problems = check_json_copies(folder, "pkg", SPEC)
    assert [(p.row, p.message) for p in problems] == [
        (4, "the row's keys are not the fields"),
        (7, "the row's keys are not the fields"),
    ]


def test_a_csv_header_other_than_the_fields_is_one_problem(folder: Path) -> None:
    path = folder / "data" / "things.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("id,count", "count,id", 1), encoding="utf-8")
    for problems in both(folder):
        assert [p.message for p in problems] == ["the CSV's columns are not the fields"]


def test_a_blank_csv_line_is_left_out_and_a_short_record_is_found(folder: Path) -> None:
    path = folder / "data" / "things.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines.insert(2, "")  # a blank line after the first row: read as no row
    lines[3] = lines[3].rsplit(",", 2)[0]  # the second row without its last two cells
    path.write_text("\n".join(lines), encoding="utf-8")
    for problems in both(folder):
        assert [(p.row, p.field) for p in problems] == [(3, "year"), (3, "note")]
        assert problems[0].message.endswith("differs from the CSV's None")


def test_a_parquet_column_of_another_type_is_one_problem(folder: Path) -> None:
    table = pq.read_table(folder / "data" / "things.parquet")
    index = table.schema.get_field_index("count")
    table = table.set_column(index, pa.field("count", pa.string()), table.column("count").cast(pa.string()))
    pq.write_table(table, folder / "data" / "things.parquet")
    problems = check_parquet_copies(folder, "pkg", SPEC)
    assert [(p.field, p.message) for p in problems] == [
        ("count", "column count is string, not int64 (integer)")
    ]


def test_missing_or_broken_copies_are_found(folder: Path) -> None:
    (folder / "data" / "things.json").unlink()
    (folder / "data" / "things.parquet").write_bytes(b"PAR1 not parquet")
    json_problems, parquet_problems = both(folder)
    assert [p.message for p in json_problems] == ["things.json is missing"]
    assert parquet_problems[0].message.startswith("things.parquet cannot be read")


VALUES: dict[str, list[Any]] = {
    "string": ["", None, "a", 'é, "quoted"\nline', "0"],
    "integer": [0, -5, 2**62, None, 7],
    "year": [1990, None, -1, 2025, 0],
    "number": [0.1, -2.5, 1.0, None, 1e20],
    "boolean": [True, False, None, True, False],
    "date": [dt.date(2025, 1, 31), None, dt.date(1, 1, 1), dt.date(999, 12, 31), dt.date(2024, 2, 29)],
    "datetime": [
        dt.datetime(2025, 1, 31, 10, 0, tzinfo=dt.UTC),
        None,
        dt.datetime(2025, 6, 1, 23, 59, 59, tzinfo=dt.UTC),
        dt.datetime(1999, 12, 31, tzinfo=dt.UTC),
        dt.datetime(2025, 1, 1, 0, 0, 0, 999000, tzinfo=dt.UTC),
    ],
}


@pytest.mark.parametrize("kind", sorted(ARROW_TYPES))
def test_a_columns_cells_are_what_the_csv_writer_makes_of_each_value(kind: str) -> None:
    column = pa.array(VALUES[kind], type=ARROW_TYPES[kind])
    read: Callable[[Any], Any] = lambda value: csv_value(parquet_cell(value))  # noqa: E731
    assert parquet_cells(column, kind) == [read(v) for v in column.to_pylist()]


def test_the_arrow_schema_covers_every_field() -> None:
    assert arrow_schema(SPEC).names == [f["name"] for f in FIELDS]
