"""The JSON and Parquet copies of a resource checked against its CSV file, value by value, in order,
each file read a row at a time."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from etl.package.problems import HEADER_ROWS, Problem
from etl.package.render import ARROW_TYPES
from etl.package.rows import stream_rows
from etl.specs import ResourceSpec

JSON_SUFFIX = "_json"
PARQUET_SUFFIX = "_parquet"
# Rows of a Parquet file read at once when it is compared with its CSV.
BATCH_ROWS = 10_000
MISSING = object()


def json_cell(value: Any) -> str:
    """A JSON value as the CSV file writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def copy_problems(
    package: str,
    name: str,
    rows: Iterable[Any],
    csv_rows: Iterable[dict[str, str]],
    fields: list[str],
) -> list[Problem]:
    """Where the rows of a copy (JSON or Parquet, as Python values) differ from the CSV's, both read
    a row at a time; a copy with another number of rows is that one problem."""
    problems: list[Problem] = []
    counts = [0, 0]
    pairs = itertools.zip_longest(rows, csv_rows, fillvalue=MISSING)
    for number, (row, csv_row) in enumerate(pairs, start=HEADER_ROWS + 1):
        counts[0] += row is not MISSING
        counts[1] += csv_row is not MISSING
        if row is MISSING or csv_row is MISSING:
            continue
        if number == HEADER_ROWS + 1 and isinstance(csv_row, dict) and list(csv_row) != fields:
            return [Problem(package, name, None, None, "the CSV's columns are not the fields", "copy")]
        if not isinstance(row, dict) or not isinstance(csv_row, dict) or list(row) != fields:
            problems.append(Problem(package, name, number, None, "the row's keys are not the fields", "copy"))
            continue
        for field in fields:
            if json_cell(row[field]) != csv_row[field]:
                message = f"{row[field]!r} differs from the CSV's {csv_row[field]!r}"
                problems.append(Problem(package, name, number, field, message, "copy"))
    if counts[0] != counts[1]:
        message = f"CSV has {counts[1]} rows, {name} has {counts[0]}"
        return [Problem(package, name, None, None, message, "row-count")]
    return problems


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
    with contextlib.suppress(ValueError):  # not laid out a value a line: parsed whole below
        lines = json_lines(path)
        if lines is not None:
            return copy_problems(package, name, lines, stream_rows(folder, spec.name), spec.field_names)
    try:
        rows = json.loads(path.read_bytes())
    except ValueError as exc:
        return [Problem(package, name, None, None, f"{path.name} is not JSON: {exc}", "copy")]
    if not isinstance(rows, list):
        return [Problem(package, name, None, None, f"{path.name} is not a JSON array", "copy")]
    return copy_problems(package, name, rows, stream_rows(folder, spec.name), spec.field_names)


def parquet_cell(value: Any) -> Any:
    """A Parquet value as the JSON copy holds it (dates and times as ISO text)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


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
    rows = (
        {k: parquet_cell(v) for k, v in row.items()}
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS)
        for row in batch.to_pylist()
    )
    try:
        return copy_problems(package, name, rows, stream_rows(folder, spec.name), spec.field_names)
    except Exception as exc:  # a corrupt page is only found when read
        return [Problem(package, name, None, None, f"{path.name} cannot be read: {exc}", "copy")]
