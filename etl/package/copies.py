"""The JSON and Parquet copies of a resource checked against its CSV file, value by value, in order,
each file read a row at a time.

A copy's value is compared as the CSV file writes it (by the writer's own csv_value: empty for
null, true/false for booleans; the Parquet twin's dates and times as the JSON copy's ISO text):
each row's cells are made at once (a JSON row's strings as they are; a Parquet batch's columns
cast by Arrow where its cast writes what csv_value writes, see parquet_cells) and compared with
the CSV record whole, cell by cell only when they differ."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from etl.package.problems import HEADER_ROWS, Problem
from etl.package.render import ARROW_TYPES, csv_value
from etl.package.rows import stream_records
from etl.specs import ResourceSpec

JSON_SUFFIX = "_json"
PARQUET_SUFFIX = "_parquet"
# Rows of a Parquet file read at once when it is compared with its CSV.
BATCH_ROWS = 10_000
# The Table Schema types whose Parquet columns Arrow casts to the text csv_value writes (integers
# in decimal, booleans as true/false, strings as they are); the others are made by csv_value.
ARROW_CAST = frozenset({"string", "integer", "year", "boolean"})

# A row of a copy: its cells as the CSV file writes them (None when the row is not laid out as the
# fields), and what gives the copy's own value of a field by its index, for a message.
CopyRow = tuple[list[str] | None, Callable[[int], Any]]


def copy_problems(
    package: str, name: str, rows: Iterable[CopyRow], records: Iterable[list[str]], fields: list[str]
) -> list[Problem]:
    """Where the rows of a copy differ from the CSV file's records (its header first), both read a
    row at a time; a copy with another number of rows than the CSV is that one problem."""
    records = iter(records)
    if next(records, fields) != fields:
        return [Problem(package, name, None, None, "the CSV's columns are not the fields", "copy")]
    problems: list[Problem] = []
    missing = [0, 0]  # (rows of the copy, of the CSV, past the other's end)
    number = HEADER_ROWS
    pairs = itertools.zip_longest(rows, records)  # (None past the end of one: neither holds None)
    for number, (row, record) in enumerate(pairs, start=HEADER_ROWS + 1):
        if row is None or record is None:
            missing[0] += row is None
            missing[1] += record is None
            continue
        cells, shown = row
        if cells == record:
            continue
        if cells is None:
            problems.append(Problem(package, name, number, None, "the row's keys are not the fields", "copy"))
            continue
        for index, field in enumerate(fields):
            cell = record[index] if index < len(record) else None
            if cells[index] != cell:
                message = f"{shown(index)!r} differs from the CSV's {cell!r}"
                problems.append(Problem(package, name, number, field, message, "copy"))
    total = number - HEADER_ROWS
    if missing[0] != missing[1]:
        message = f"CSV has {total - missing[1]} rows, {name} has {total - missing[0]}"
        return [Problem(package, name, None, None, message, "row-count")]
    return problems


def unlaid(index: int) -> None:
    """The value shown for a row not laid out as the fields (never asked for)."""
    return None


def json_rows(values: Iterable[Any], fields: list[str]) -> Iterator[CopyRow]:
    """The rows of a JSON copy (objects with the fields as keys, in their order) as cells."""
    keys = tuple(fields)
    for value in values:
        if value.__class__ is not dict or tuple(value) != keys:
            yield None, unlaid
            continue
        shown = list(value.values())
        yield [v if v.__class__ is str else csv_value(v) for v in shown], shown.__getitem__


def json_lines(path: Path) -> Iterator[Any] | None:
    """The values of a JSON array written one value a line (as the build writes its copies), a line
    at a time; None when the file is not laid out so (it is then parsed whole)."""
    with path.open(encoding="utf-8") as handle:
        first = handle.readline()
        if first == "[]\n":
            return iter([]) if handle.read() == "" else None
        if first != "[\n":
            return None
    return json_values(path)


def json_values(path: Path) -> Iterator[Any]:
    """The values of a JSON array laid out one a line (ValueError for a line that breaks it)."""
    with path.open(encoding="utf-8") as handle:
        handle.readline()
        ended = False
        for line in handle:
            if ended:
                raise ValueError("text after the end of the array")
            if line == "]\n":
                ended = True
                continue
            if line.endswith(",\n"):
                yield json.loads(line[:-2])
                continue
            yield json.loads(line)
            if handle.readline() != "]\n":
                raise ValueError("a value without a comma before the next one")
            ended = True
        if not ended:
            raise ValueError("the array is not closed")


def check_json_copies(folder: Path, package: str, spec: ResourceSpec) -> list[Problem]:
    """The JSON copy of a resource (a download outside the descriptor) holds the CSV's rows,
    field by field, in order; read a line at a time."""
    name, path = spec.name + JSON_SUFFIX, folder / "data" / f"{spec.name}.json"
    if not path.is_file():
        return [Problem(package, name, None, None, f"{path.name} is missing", "copy")]
    fields = spec.field_names
    with contextlib.suppress(ValueError):  # not laid out a value a line: parsed whole below
        lines = json_lines(path)
        if lines is not None:
            records = stream_records(folder, spec.name)
            return copy_problems(package, name, json_rows(lines, fields), records, fields)
    try:
        rows = json.loads(path.read_bytes())
    except ValueError as exc:
        return [Problem(package, name, None, None, f"{path.name} is not JSON: {exc}", "copy")]
    if not isinstance(rows, list):
        return [Problem(package, name, None, None, f"{path.name} is not a JSON array", "copy")]
    return copy_problems(package, name, json_rows(rows, fields), stream_records(folder, spec.name), fields)


def parquet_cell(value: Any) -> Any:
    """A Parquet value as the JSON copy holds it (dates and times as ISO text)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def parquet_cells(column: Any, kind: str) -> list[str]:
    """A Parquet column's values as the CSV file writes them (csv_value of parquet_cell), cast by
    Arrow for the types whose cast writes the same text (ARROW_CAST)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if kind in ARROW_CAST:
        cells: list[str] = pc.fill_null(pc.cast(column, pa.string()), "").to_pylist()
        return cells
    return [csv_value(parquet_cell(value)) for value in column.to_pylist()]


def parquet_value(columns: list[Any], row: int, index: int) -> Any:
    """A Parquet value of a batch's row (by the field's index) as the JSON copy holds it."""
    return parquet_cell(columns[index][row].as_py())


def parquet_rows(batches: Iterable[Any], kinds: list[str]) -> Iterator[CopyRow]:
    """The rows of a Parquet file's batches as cells, made a column at a time."""
    for batch in batches:
        columns = batch.columns
        cells = [parquet_cells(column, kind) for column, kind in zip(columns, kinds, strict=True)]
        for row, values in enumerate(zip(*cells, strict=True)):
            yield list(values), functools.partial(parquet_value, columns, row)


def check_parquet_copies(folder: Path, package: str, spec: ResourceSpec) -> list[Problem]:
    """The Parquet twin of a resource has a typed column per field and holds the CSV's rows,
    value by value, in order (frictionless checks it against the Table Schema too)."""
    import pyarrow.parquet as pq

    name, path = spec.name + PARQUET_SUFFIX, folder / "data" / f"{spec.name}.parquet"
    if not path.is_file():
        return [Problem(package, name, None, None, f"{path.name} is missing", "copy")]
    try:
        parquet = pq.ParquetFile(path)
        schema = parquet.schema_arrow
    except Exception as exc:  # pyarrow raises several kinds of errors for a broken file
        return [Problem(package, name, None, None, f"{path.name} cannot be read: {exc}", "copy")]
    if schema.names != spec.field_names:
        return [Problem(package, name, None, None, "its columns are not the fields", "copy")]
    for field in spec.schema["fields"]:
        found, wanted = schema.field(field["name"]).type, ARROW_TYPES[field["type"]]
        if found != wanted:
            message = f"column {field['name']} is {found}, not {wanted} ({field['type']})"
            return [Problem(package, name, None, field["name"], message, "copy")]
    kinds = [field["type"] for field in spec.schema["fields"]]
    rows = parquet_rows(parquet.iter_batches(batch_size=BATCH_ROWS), kinds)
    try:
        return copy_problems(package, name, rows, stream_records(folder, spec.name), spec.field_names)
    except Exception as exc:  # a corrupt page is only found when read
        return [Problem(package, name, None, None, f"{path.name} cannot be read: {exc}", "copy")]
