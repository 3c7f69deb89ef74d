"""Validation of published packages: full frictionless validation plus the project's own checks
(spans reproduce their evidence, totals match their parts, dates in order, CSV and JSON agree)."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import frictionless

from etl.package.render import ARROW_TYPES
from etl.specs import PackageSpec, ResourceSpec, load_packages

NEWS_PACKAGE = "diplomacy-news"
HEADER_ROWS = 1


@dataclass(frozen=True)
class Problem:
    """One validation error, located by package, resource, row and field."""

    package: str
    resource: str | None
    row: int | None
    field: str | None
    message: str
    check: str

    def __str__(self) -> str:
        where = "/".join(p for p in (self.package, self.resource) if p)
        if self.row is not None:
            where += f" row {self.row}"
        if self.field:
            where += f" field {self.field}"
        return f"{where}: {self.message} [{self.check}]"

    def to_dict(self) -> dict[str, Any]:
        """The problem as a JSON-ready dict."""
        return asdict(self)


JSON_SUFFIX = "_json"
PARQUET_SUFFIX = "_parquet"
NO_LIMIT = 2**31 - 1
# Rows of a Parquet file read at once when it is compared with its CSV.
BATCH_ROWS = 10_000
MISSING = object()


def frictionless_problems(
    descriptor: Path, package: str, skip: frozenset[str] = frozenset()
) -> list[Problem]:
    """Every error of a full frictionless validation of the package's resources, CSV and Parquet
    (no row or error limit, hashes and foreign keys checked), those in skip aside (unchanged since
    a validated release); the JSON copies, outside the descriptor, are checked against the CSV
    (check_json_copies)."""
    try:
        loaded = frictionless.Package(str(descriptor))
        # The Parquet twins are checked against the validated CSV value by value, and their columns'
        # Arrow types against the schema (check_parquet_copies): frictionless 5 would read each
        # through pandas row by row, minutes at scale, to check the same (`frictionless validate`
        # on a published package still passes on them, as tests/package/test_packages.py shows).
        skip = skip | {r.name for r in loaded.resources if r.name.endswith(PARQUET_SUFFIX)}
        if skip:
            reports = [r.validate(limit_errors=NO_LIMIT) for r in loaded.resources if r.name not in skip]
            metadata = list(frictionless.Package.metadata_validate(loaded.to_descriptor()))
        else:
            reports, metadata = [loaded.validate(limit_errors=NO_LIMIT)], []
    except Exception as exc:  # frictionless raises its own errors for unreadable descriptors
        return [Problem(package, None, None, None, f"cannot be validated: {exc}", "frictionless")]
    problems = [Problem(package, None, None, None, e.message, e.type) for e in metadata]
    for report in reports:
        problems += report_problems(report, package)
    return problems


def report_problems(report: Any, package: str) -> list[Problem]:
    """The problems of one frictionless report (of a package or of one resource)."""
    problems = [Problem(package, None, None, None, e.message, e.type) for e in report.errors]
    for task in report.tasks:
        for error in task.errors:
            problems.append(
                Problem(
                    package,
                    task.name,
                    getattr(error, "row_number", None),
                    getattr(error, "field_name", None),
                    error.message,
                    error.type,
                )
            )
        problems.extend(Problem(package, task.name, None, None, w, "warning") for w in task.warnings)
    problems.extend(Problem(package, None, None, None, w, "warning") for w in report.warnings)
    return problems


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


def read_rows(folder: Path, resource: str) -> list[dict[str, str]]:
    """Rows of a resource's CSV file as strings."""
    return list(stream_rows(folder, resource))


def stream_rows(folder: Path, resource: str) -> Iterator[dict[str, str]]:
    """Rows of a resource's CSV file as strings, one at a time."""
    with (folder / "data" / f"{resource}.csv").open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


class CsvTables(Mapping[str, Iterable[dict[str, str]]]):
    """The resources of a package folder by name, each a fresh stream of its CSV rows whenever it is
    looked up (so that the checks hold one row at a time, not the package)."""

    def __init__(self, folder: Path, names: Iterable[str]) -> None:
        self.folder, self.names = folder, tuple(names)

    def __getitem__(self, name: str) -> Iterable[dict[str, str]]:
        if name not in self.names:
            raise KeyError(name)
        return stream_rows(self.folder, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


def numbered(rows: Iterable[dict[str, str]]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows with their row number in the file (the header is row 1, as frictionless counts)."""
    return enumerate(rows, start=HEADER_ROWS + 1)


StringRows = dict[str, list[dict[str, str]]]
# What the project's checks read: each resource's rows, held or streamed.
TableRows = Mapping[str, Iterable[dict[str, str]]]


def check_bodies(rows: TableRows, package: str) -> list[Problem]:
    """Each plain-text article's body is the archived text whose sha256 the row records."""
    problems = []
    for number, row in numbered(rows["articles"]):
        if (
            row["format"] == "text/plain"
            and hashlib.sha256(row["body"].encode("utf-8")).hexdigest() != row["sha256"]
        ):
            problems.append(
                Problem(
                    package,
                    "articles",
                    number,
                    "body",
                    "body differs from the archived text (sha256 mismatch)",
                    "body-hash",
                )
            )
    return problems


def check_spans(rows: TableRows, package: str, spec: ResourceSpec, texts: dict[str, str]) -> list[Problem]:
    """The text between char_start and char_end of each row's source is the row's evidence."""
    if spec.span is None:
        return []
    source_column, text_column = spec.span["source"], spec.span["text"]
    problems = []
    for number, row in numbered(rows[spec.name]):
        if not row["char_start"]:
            if row.get("provenance") == "archived_text" and row[text_column]:
                problems.append(
                    Problem(
                        package,
                        spec.name,
                        number,
                        "char_start",
                        "a fact extracted from an archived text has no span",
                        "span",
                    )
                )
            continue
        body = texts.get(row[source_column])
        if body is None:
            problems.append(
                Problem(
                    package,
                    spec.name,
                    number,
                    source_column,
                    f"no archived text for source {row[source_column]!r}",
                    "span",
                )
            )
            continue
        start, end = int(row["char_start"]), int(row["char_end"])
        if body[start:end] != row[text_column]:
            problems.append(
                Problem(
                    package,
                    spec.name,
                    number,
                    text_column,
                    f"text at [{start}, {end}) is {body[start:end][:60]!r}, "
                    f"not the evidence {row[text_column][:60]!r}",
                    "span",
                )
            )
    return problems


def check_event_dates(rows: TableRows, package: str) -> list[Problem]:
    """No event ends before it starts."""
    problems = []
    for number, row in numbered(rows["events"]):
        if (
            row["start_date"]
            and row["end_date"]
            and (dt.date.fromisoformat(row["end_date"]) < dt.date.fromisoformat(row["start_date"]))
        ):
            problems.append(
                Problem(
                    package,
                    "events",
                    number,
                    "end_date",
                    f"ends {row['end_date']}, before it starts {row['start_date']}",
                    "dates",
                )
            )
    return problems


def check_speaker_days(rows: TableRows, package: str) -> list[Problem]:
    """A speaker's day falls inside the dates of the event they spoke at."""
    events = {row["id"]: row for row in rows["events"]}
    problems = []
    for number, row in numbered(rows["event_speakers"]):
        event = events.get(row["event"])
        if not row["day"] or event is None:
            continue
        start, end = event["start_date"] or row["day"], event["end_date"] or row["day"]
        if not start <= row["day"] <= end:
            problems.append(
                Problem(
                    package,
                    "event_speakers",
                    number,
                    "day",
                    f"{row['day']} is outside {row['event']} ({start} to {end})",
                    "dates",
                )
            )
    return problems


def check_totals(rows: TableRows, package: str) -> list[Problem]:
    """A total's parts_sum is the sum of its counts, and consistent says whether the total equals it."""
    sums: dict[tuple[str, str, str], int] = {}
    for row in rows["post_counts"]:
        key = (row["source"], row["as_of"], row["typology"])
        sums[key] = sums.get(key, 0) + int(row["count"])
    problems = []
    for number, row in numbered(rows["post_totals"]):
        parts = sums.get((row["source"], row["as_of"], row["typology"]))
        if row["parts_sum"] and parts != int(row["parts_sum"]):
            problems.append(
                Problem(
                    package,
                    "post_totals",
                    number,
                    "parts_sum",
                    f"parts_sum {row['parts_sum']} but the counts sum to {parts}",
                    "totals",
                )
            )
        if not row["parts_sum"]:
            if row["consistent"]:
                problems.append(
                    Problem(
                        package,
                        "post_totals",
                        number,
                        "consistent",
                        "a total without parts cannot be consistent or not; leave it empty",
                        "totals",
                    )
                )
            continue
        agrees = int(row["total"]) == int(row["parts_sum"])
        if (row["consistent"] == "true") != agrees:
            problems.append(
                Problem(
                    package,
                    "post_totals",
                    number,
                    "consistent",
                    f"total {row['total']} and parts {row['parts_sum']} but consistent is "
                    f"{row['consistent']}; flag the mismatch",
                    "totals",
                )
            )
    return problems


def archived_texts(root: Path) -> dict[str, str]:
    """Article bodies by id, from the news package of a datapackages folder."""
    folder = root / NEWS_PACKAGE
    if not (folder / "data" / "articles.csv").exists():
        return {}
    return {row["id"]: row["body"] for row in stream_rows(folder, "articles")}


def project_problems(rows: TableRows, spec: PackageSpec, texts: dict[str, str]) -> list[Problem]:
    """The project's own checks on the rows of a package (each value the string of its CSV cell):
    spans reproduce their evidence, bodies their hash, dates in order, totals their parts."""
    problems = []
    for resource in spec.resources:
        problems += check_spans(rows, spec.name, resource, texts)
    names = spec.resource_names
    if "articles" in names:
        problems += check_bodies(rows, spec.name)
    if "events" in names:
        problems += check_event_dates(rows, spec.name)
        if "event_speakers" in names:
            problems += check_speaker_days(rows, spec.name)
    if "post_totals" in names and "post_counts" in names:
        problems += check_totals(rows, spec.name)
    return problems


def unchanged_resources(descriptor: Path, previous: Path | None) -> frozenset[str]:
    """The CSV resources of a package whose bytes, hash and schema are those of the same package
    in a validated release (previous: its datapackage.json), which need no second validation."""
    if previous is None or not previous.exists():
        return frozenset()
    try:
        before = {r["name"]: r for r in json.loads(previous.read_text(encoding="utf-8"))["resources"]}
        now = json.loads(descriptor.read_text(encoding="utf-8"))["resources"]
    except (OSError, ValueError, KeyError):
        return frozenset()
    keys = ("path", "bytes", "hash", "schema")
    return frozenset(
        r["name"]
        for r in now
        if r["name"] in before and all(r.get(k) == before[r["name"]].get(k) for k in keys)
    )


def validate_package(
    folder: Path, spec: PackageSpec, texts: dict[str, str], previous: Path | None = None
) -> list[Problem]:
    """Every problem of one package folder (its resources unchanged since the validated release
    in previous, when given, not validated by frictionless again)."""
    descriptor = folder / "datapackage.json"
    if not descriptor.exists():
        return [Problem(spec.name, None, None, None, f"{descriptor} is missing", "missing")]
    problems = frictionless_problems(descriptor, spec.name, unchanged_resources(descriptor, previous))
    if any(p.check in ("hash-count", "byte-count", "scheme-error") for p in problems):
        return problems
    for resource in spec.resources:
        problems += check_json_copies(folder, spec.name, resource)
        problems += check_parquet_copies(folder, spec.name, resource)
    rows = CsvTables(folder, spec.resource_names)
    return problems + project_problems(rows, spec, texts)


def validate_release(
    root: Path, names: list[str] | None = None, validated: Path | None = None
) -> list[Problem]:
    """Every problem of the packages of a datapackages folder (all packages, or those named); a
    resource unchanged since the release in validated (a datapackages folder that passed) is not
    parsed by frictionless again."""
    texts = archived_texts(root)
    problems = []
    for spec in load_packages():
        if names and spec.name not in names:
            continue
        previous = validated / spec.name / "datapackage.json" if validated is not None else None
        problems += validate_package(root / spec.name, spec, texts, previous)
    return problems
