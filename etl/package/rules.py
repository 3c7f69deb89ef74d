"""The project's own checks on the rows of a package (each value the string of its CSV cell): spans
reproduce their evidence, bodies their hash, dates in order, totals their parts."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path

from etl.package.problems import HEADER_ROWS, Problem
from etl.package.rows import stream_rows
from etl.package.texts import Bodies
from etl.specs import PackageSpec, ResourceSpec

NEWS_PACKAGE = "diplomacy-news"


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


def check_spans(rows: TableRows, package: str, spec: ResourceSpec, texts: Mapping[str, str]) -> list[Problem]:
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


def archived_texts(root: Path) -> Mapping[str, str]:
    """Article bodies by id, from the news package of a datapackages folder (in a file, see Bodies)."""
    folder = root / NEWS_PACKAGE
    if not (folder / "data" / "articles.csv").exists():
        return {}
    return Bodies((row["id"], row["body"]) for row in stream_rows(folder, "articles"))


def project_problems(
    rows: TableRows, spec: PackageSpec, texts: Mapping[str, str], settled: Collection[str] = ()
) -> list[Problem]:
    """The project's own checks on the rows of a package (each value the string of its CSV cell):
    spans reproduce their evidence, bodies their hash, dates in order, totals their parts. A check
    whose resources are all settled (each one's rows, and the texts its spans are in, those of a
    release that passed these checks) is not run again: it finds what it found there, nothing."""
    problems = []
    for resource in spec.resources:
        if resource.name not in settled:
            problems += check_spans(rows, spec.name, resource, texts)
    names = spec.resource_names

    def due(*resources: str) -> bool:
        return all(name in names for name in resources) and not set(resources) <= set(settled)

    if due("articles"):
        problems += check_bodies(rows, spec.name)
    if due("events"):
        problems += check_event_dates(rows, spec.name)
    if due("events", "event_speakers"):
        problems += check_speaker_days(rows, spec.name)
    if due("post_totals", "post_counts"):
        problems += check_totals(rows, spec.name)
    return problems
