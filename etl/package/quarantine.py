"""Quarantine, not failure: a source whose facts would fail the release is set aside by name, with
the reason, and the others are published.

Each source's rows are checked on their own before they are merged (every cell against its field,
spans against the source's text, its events' dates, its totals): a value outside a field's enum
quarantines its row (with a warning), anything else the whole source. The merged rows are then
checked together, so that an article contradicting a curated fact (its event's days against the
curated speakers' days) is found: the curated fact wins and the article is quarantined. A problem
that no archived source is to blame for is the project's own (curated data, reference tables or
code) and fails the build."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from etl.curate import CITING_COLUMNS, EXTRACTED, Mapped, with_periods
from etl.package.checks import row_problems
from etl.package.problems import HEADER_ROWS, Problem
from etl.package.render import csv_value
from etl.package.rules import project_problems
from etl.specs import PackageSpec, ResourceSpec

Row = dict[str, Any]
NEWS = "diplomacy-news"
MAX_REASONS = 2


@dataclass
class Screened:
    """The extractions to merge (rows outside an enum taken out), the sources quarantined with
    their reason, and the warnings about quarantined rows."""

    extractions: list[dict[str, Any]] = field(default_factory=list)
    quarantined: dict[str, str] = field(default_factory=dict)
    warnings: list[Row] = field(default_factory=list)


def resource_specs(packages: tuple[PackageSpec, ...]) -> dict[str, ResourceSpec]:
    """The spec of each resource name (the first package's, for a resource several share)."""
    specs: dict[str, ResourceSpec] = {}
    for package in packages:
        for spec in package.resources:
            specs.setdefault(spec.name, spec)
    return specs


def strings(spec: ResourceSpec, rows: list[Row]) -> list[dict[str, str]]:
    """Rows as the CSV files will hold them: each value the string of its cell."""
    return [{name: csv_value(row.get(name)) for name in spec.field_names} for row in rows]


def snapshot(row: Row) -> tuple[Any, ...]:
    """The snapshot a count or a total belongs to: its source, date and typology."""
    return (row.get("source"), row.get("as_of"), row.get("typology"))


def summary(reasons: list[str]) -> str:
    """Reasons on one line: the first few, and how many more."""
    more = f"; and {len(reasons) - MAX_REASONS} more" if len(reasons) > MAX_REASONS else ""
    return "; ".join(reasons[:MAX_REASONS]) + more


def screen_source(
    extraction: dict[str, Any], packages: tuple[PackageSpec, ...]
) -> tuple[dict[str, Any], list[Row], list[str]]:
    """One source's extraction with its rows outside an enum taken out, the warnings about them,
    and the reasons to quarantine the whole source (none when it may be published)."""
    specs = resource_specs(packages)
    source = extraction["source"]["id"]
    cleaned = dict(extraction)
    warnings: list[Row] = []
    reasons: list[str] = []
    own: dict[str, list[Row]] = {}
    written: dict[str, list[dict[str, str]]] = {}  # own rows as the CSV files will hold them
    for resource, key in EXTRACTED.items():
        spec = specs.get(resource)
        found = extraction.get(key, [])
        rows = found if isinstance(found, list) else [found]
        if spec is None:
            continue
        rows = with_periods(spec, rows)  # the typed companions, as the merge fills them in
        cells = strings(spec, rows)
        problems = row_problems(spec, cells)
        outside = {p.index for p in problems if p.enum and isinstance(found, list)}
        for problem in problems:
            where = f"{resource} row {problem.index + 1} field {problem.field}: {problem.message}"
            if problem.index in outside:
                row = rows[problem.index]
                warnings.append(
                    {
                        "source": source,
                        "field": f"{resource}.{problem.field}",
                        "message": f"{problem.message}; the row is quarantined, not published",
                        "char_start": row.get("char_start"),
                        "char_end": row.get("char_end"),
                    }
                )
            else:
                reasons.append(where)
        kept = [r for i, r in enumerate(rows) if i not in outside]
        if isinstance(found, list):
            cleaned[key] = kept
        own[resource] = kept
        written[resource] = [c for i, c in enumerate(cells) if i not in outside] if outside else cells
    counts = with_periods(specs["post_counts"], extraction.get("post_counts", []))
    dropped = {snapshot(r) for r in counts if r not in own.get("post_counts", [])}
    if dropped:  # a total whose parts lost a count is no longer checked against them
        totals = own.get("post_totals", [])
        for row in totals:
            if snapshot(row) in dropped:
                warnings.append(
                    {
                        "source": source,
                        "field": "post_totals.parts_sum",
                        "message": "one of its counts is quarantined; the total is quarantined with it",
                        "char_start": row.get("char_start"),
                        "char_end": row.get("char_end"),
                    }
                )
        cleaned["post_totals"] = own["post_totals"] = [r for r in totals if snapshot(r) not in dropped]
        written["post_totals"] = [
            c
            for r, c in zip(totals, written.get("post_totals", []), strict=True)
            if snapshot(r) not in dropped
        ]
    body = extraction["article"].get("body") or ""
    texts = {source: body}
    for package in packages:
        tables = {
            spec.name: written[spec.name]
            if spec.name in written and spec.field_names == specs[spec.name].field_names
            else strings(spec, own.get(spec.name, []))
            for spec in package.resources
        }
        reasons += [
            f"{p.resource} row {p.row - HEADER_ROWS if p.row else '?'}"
            f"{f' field {p.field}' if p.field else ''}: {p.message}"
            for p in project_problems(tables, package, texts)
        ]
    return cleaned, warnings, reasons


# What screening one source gives: the reason to quarantine it (None: it may be published), the
# warnings about the rows taken out, and its cleaned extraction (None when it is quarantined).
Verdict = tuple[str | None, list[Row], dict[str, Any] | None]


def verdict(extraction: dict[str, Any], packages: tuple[PackageSpec, ...]) -> Verdict:
    """One source's extraction screened (see screen_source), the reasons summed up on one line."""
    cleaned, warnings, reasons = screen_source(extraction, packages)
    return (summary(reasons), warnings, None) if reasons else (None, warnings, cleaned)


def gather(
    verdicts: Iterable[tuple[str, Verdict]], keep: Callable[[dict[str, Any]], dict[str, Any]] | None = None
) -> Screened:
    """The screened sources from each one's id and verdict, in order; keep is given each extraction
    to be merged and says what of it to hold (by default, all of it)."""
    screened = Screened()
    for source, (reason, warnings, cleaned) in verdicts:
        screened.warnings += warnings
        if reason is not None:
            screened.quarantined[source] = reason
        elif cleaned is not None:
            screened.extractions.append(keep(cleaned) if keep is not None else cleaned)
    return screened


def screen(
    extractions: Iterable[dict[str, Any]],
    packages: tuple[PackageSpec, ...],
    keep: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Screened:
    """Every source's extraction screened on its own, as it comes; keep is given each one to be
    merged and says what of it to hold (by default, all of it)."""
    return gather(((e["source"]["id"], verdict(e, packages)) for e in extractions), keep)


def cells(names: list[str], row: Row) -> dict[str, str]:
    """A row as the CSV file will hold it: each value the string of its cell."""
    return {name: csv_value(row.get(name)) for name in names}


def string_view(spec: ResourceSpec, rows: Sequence[Row]) -> Mapped[dict[str, str]]:
    """A resource's merged rows as the CSV file will hold them, made a row at a time when looked
    at, so that checking them costs no copy of the table."""
    return Mapped(functools.partial(cells, spec.field_names), rows)


StringTables = Mapping[str, Sequence[dict[str, str]]]


def package_strings(
    packages: tuple[PackageSpec, ...], tables: dict[str, dict[str, list[Row]]]
) -> dict[str, StringTables]:
    """The merged rows of every package as the CSV files will hold them (views, not copies)."""
    return {
        package.name: {
            spec.name: string_view(spec, tables[package.name][spec.name]) for spec in package.resources
        }
        for package in packages
    }


def blamed_sources(problem: Problem, rows: StringTables, archived: set[str]) -> tuple[set[str], bool]:
    """The archived sources a problem of merged rows is to be blamed on, and whether a curated or
    derived fact is involved (which then wins): the sources the row cites, and for a curated
    speaker's day outside an article's event, the source of the event."""
    if problem.resource is None or problem.row is None:
        return set(), False
    table = rows.get(problem.resource, [])
    index = problem.row - HEADER_ROWS - 1
    if not 0 <= index < len(table):
        return set(), False
    row = table[index]
    cited = {row[c] for c in CITING_COLUMNS if row.get(c)}
    if problem.resource in ("articles", "sources") and row.get("id"):
        cited.add(row["id"])
    if problem.resource == "event_speakers" and not cited & archived:
        # a curated speaker's day outside an article's event: the article is to blame
        event = next((e for e in rows.get("events", []) if e["id"] == row.get("event")), None)
        if event is not None and event.get("source"):
            cited.add(event["source"])
    curated = bool(cited - archived) or row.get("provenance") not in (None, "", "archived_text")
    return cited & archived, curated


def blame(
    problems: list[Problem], rows: Mapping[str, StringTables], archived: set[str]
) -> tuple[dict[str, str], list[Problem]]:
    """The archived sources to quarantine for some problems of the merged rows, with the reason,
    and the problems no archived source is to blame for (the project's own)."""
    quarantined: dict[str, list[str]] = {}
    unexplained: list[Problem] = []
    for problem in problems:
        if problem.check == "warning":
            continue
        sources, curated = blamed_sources(problem, rows.get(problem.package, {}), archived)
        if not sources:
            unexplained.append(problem)
            continue
        reason = str(problem)
        if curated:
            reason += " (a curated fact, which wins over the article)"
        for source in sources:
            quarantined.setdefault(source, []).append(reason)
    return {s: summary(r) for s, r in quarantined.items()}, unexplained
