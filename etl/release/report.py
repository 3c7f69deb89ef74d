"""The build report: the inputs a build read (published, superseded or rejected, with the reason), the
facts it published per table, and its warnings. Published twice in each release: as JSON among the
downloads (`downloads/build-report.json`) and as the `build_*` tables of the database, so that users of
the site see the data's quality beside the data. Nothing in it comes from the clock or from where the
build ran, so the same inputs give the same report."""

from __future__ import annotations

import copy
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from etl.imports import sqlite_utils
from etl.raw import RawInputs, SourceError
from etl.release.packed import Packed

STATUS_PUBLISHED = "published"
STATUS_SUPERSEDED = "superseded"
STATUS_REJECTED = "rejected"

# The database tables of the report, described as Datasette's metadata describes a table, so that they
# can be merged into metadata.yml beside the tables of the packages.
REPORT_TABLES: dict[str, dict[str, Any]] = {
    "build_release": {
        "title": "Build: the release",
        "description": "The release this database belongs to: its version, how it follows from the "
        "previous release, its date, and how many inputs and warnings its build had.",
        "columns": {
            "version": "Version of the release (X.Y.Z), also in every datapackage.json.",
            "previous_version": "Version of the release it was compared with; empty for a first release.",
            "bump": "What changed since the previous release: major (a schema broke), minor (data "
            "added), patch (corrections) or none.",
            "created": "Date of the release, taken from its inputs (the newest capture of a source).",
            "sources_read": "Files the build found among the archived sources.",
            "sources_published": "Sources whose facts are published.",
            "sources_superseded": "Older snapshots of an address that a newer snapshot replaces.",
            "sources_rejected": "Files the build could not use, each with its reason in build_sources.",
            "warnings": "Warnings of the build, each in build_warnings.",
        },
    },
    "build_sources": {
        "title": "Build: inputs",
        "description": "Every file among the archived sources and what the build did with it: published, "
        "superseded by a newer snapshot of the same address (kept in raw/ and still citable), or "
        "rejected with the reason.",
        "columns": {
            "file": "Name of the file in raw/.",
            "source": "Identifier of the source (its provenance record's id); empty when unreadable.",
            "url": "Address the source was captured from, as its provenance record gives it.",
            "status": "published, superseded or rejected.",
            "reason": "Why the file was rejected or superseded; empty when published.",
            "superseded_by": "Identifier of the newer snapshot of the same address that is published "
            "instead; empty unless superseded.",
        },
    },
    "build_tables": {
        "title": "Build: facts published",
        "description": "How many rows each table of the database holds (a table shared by several "
        "packages is counted once).",
        "columns": {
            "table_name": "Name of the table (the resource of the data packages).",
            "rows": "Number of rows published.",
        },
    },
    "build_statuses": {
        "title": "Build: facts by status",
        "description": "How many facts of each table the release publishes by how they were obtained: "
        "extracted from an archived text (archived_text), curated from a cited publication "
        "(publication), computed (derived), accepted or corrected by a curator (reviewed); and, among "
        "the extracted ones, how many a person should look at (to_review: a confidence below 0.8 that "
        "no curator decided on).",
        "columns": {
            "id": "The table and the status, joined by a slash.",
            "table_name": "Name of the table.",
            "status": "archived_text, publication, derived, reviewed, or to_review.",
            "rows": "Number of rows of the table with that status (to_review rows are also counted "
            "under archived_text).",
        },
    },
    "build_warnings": {
        "title": "Build: warnings",
        "description": "What the build found unknown or doubtful in a source: a value left empty, a "
        "fact stated differently by two sources. Each names the source, the field and, when it has "
        "one, the character span of the source text it is about.",
        "columns": {
            "id": "Number of the warning, in the order the build raised it.",
            "source": "Identifier of the source the warning is about.",
            "field": "Field (or table.field) the warning is about.",
            "message": "What is unknown or doubtful, and what the build did about it.",
            "char_start": "Character offset (0-based, inclusive) in the source text where the passage "
            "the warning is about starts; empty when it is about no passage.",
            "char_end": "Character offset (exclusive) in the source text where that passage ends.",
        },
    },
}


@dataclass
class BuildReport:
    """What a build read, published, superseded and rejected, what it warned about, and its release."""

    read: int = 0
    published: list[str] = field(default_factory=list)
    rejected: list[SourceError] = field(default_factory=list)
    # (packed in memory by the build, see etl/release/packed.py)
    warnings: Sequence[dict[str, Any]] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    # (packed in memory by the build too: one for every file of raw/)
    inputs: Sequence[dict[str, Any]] = field(default_factory=list)
    version: str | None = None
    previous_version: str | None = None
    bump: str | None = None
    created: str | None = None

    @property
    def superseded(self) -> list[dict[str, Any]]:
        """The inputs that a newer snapshot of the same address replaces."""
        return [entry for entry in self.inputs if entry["status"] == STATUS_SUPERSEDED]

    def summary(self) -> str:
        """One line: sources read, published, rejected and superseded, and warnings."""
        superseded = f", {len(self.superseded)} superseded" if self.superseded else ""
        return (
            f"{self.read} source(s) read, {len(self.published)} published, "
            f"{len(self.rejected)} rejected{superseded}, {len(self.warnings)} warning(s)"
        )


# Below this confidence, an extracted fact is one a person should look at (the build warns of it).
REVIEW_BELOW = 0.8


def count_statuses(tables: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, int]]:
    """For each table with a provenance, how many rows have each provenance, and how many
    extracted ones have a confidence below REVIEW_BELOW (to_review)."""
    found: dict[str, dict[str, int]] = {}
    for name, rows in sorted(tables.items()):
        if not rows or "provenance" not in rows[0]:
            continue
        counts: dict[str, int] = {}
        for row in rows:
            counts[row["provenance"]] = counts.get(row["provenance"], 0) + 1
            confidence = row.get("confidence")
            if (
                row["provenance"] == "archived_text"
                and isinstance(confidence, int | float)
                and confidence < REVIEW_BELOW
            ):
                counts["to_review"] = counts.get("to_review", 0) + 1
        found[name] = counts
    return found


def input_entry(
    file: str,
    status: str,
    source: str | None = None,
    url: str | None = None,
    reason: str | None = None,
    superseded_by: str | None = None,
) -> dict[str, Any]:
    """One input of the report."""
    return {
        "file": file,
        "source": source,
        "url": url,
        "status": status,
        "reason": reason,
        "superseded_by": superseded_by,
    }


def report_inputs(raw: RawInputs) -> BuildReport:
    """A new build report of the inputs of a raw folder, each published, superseded or rejected."""
    report = BuildReport(read=raw.found, rejected=list(raw.rejected))
    published = (input_entry(s.file, STATUS_PUBLISHED, s.id, s.record.get("url")) for s in raw.sources)
    superseded = (
        input_entry(
            old.source.file,
            STATUS_SUPERSEDED,
            old.source.id,
            old.source.record.get("url"),
            old.reason,
            old.newer.id,
        )
        for old in raw.superseded
    )
    report.inputs = Packed(chain(published, superseded))
    return report


def rejected_entry(error: SourceError) -> dict[str, Any]:
    """The report's entry of a rejected file, named without the folder it was read from."""
    return input_entry(Path(error.path).name, STATUS_REJECTED, reason=error.reason)


def warning_entry(warning: dict[str, Any]) -> dict[str, Any]:
    """A warning with exactly the report's keys."""
    return {key: warning.get(key) for key in ("source", "field", "message", "char_start", "char_end")}


def report_dict(report: BuildReport, warnings: bool = True) -> dict[str, Any]:
    """The report as JSON-ready data (without its warnings' entries, when warnings is false: they
    are written one at a time, see report_chunks)."""
    inputs = sorted([*report.inputs, *(rejected_entry(e) for e in report.rejected)], key=lambda e: e["file"])
    return {
        "release": {
            "version": report.version,
            "previous_version": report.previous_version,
            "bump": report.bump,
            "created": report.created,
        },
        "counts": {
            "read": report.read,
            "published": len(report.published),
            "superseded": len(report.superseded),
            "rejected": len(report.rejected),
            "warnings": len(report.warnings),
        },
        "inputs": inputs,
        "tables": dict(sorted(report.tables.items())),
        "statuses": {t: dict(sorted(c.items())) for t, c in sorted(report.statuses.items())},
        "warnings": [warning_entry(w) for w in report.warnings] if warnings else [],
    }


# The report's keys whose entries (hundreds of thousands at 100,000 articles) are rendered one at
# a time, indented as json.dumps indents them, so that the report is never one string.
INDENT = "  "
# The types of a value json renders on one line.
SCALARS = frozenset({str, int, float, bool, type(None)})


def report_chunks(report: BuildReport) -> Iterator[str]:
    """The report as JSON text (indented, keys in a fixed order), an input and a warning at a time:
    the same text as json.dumps of report_dict with indent 2, ending in a newline."""
    data = report_dict(report, warnings=False)
    entries = {"inputs": data["inputs"], "warnings": map(warning_entry, report.warnings)}
    yield "{"
    for number, (key, value) in enumerate(data.items()):
        yield ("," if number else "") + "\n" + INDENT + json.dumps(key) + ": "
        if key in entries:
            yield from list_chunks(entries[key], INDENT)
        else:
            yield indented(json.dumps(value, indent=2, ensure_ascii=False), INDENT)
    yield "\n}\n"


def list_chunks(items: Iterable[Any], indent: str) -> Iterator[str]:
    """A JSON list, as json.dumps with indent 2 renders it at that indent, an item at a time."""
    inner = indent + INDENT
    flat = json.JSONEncoder(ensure_ascii=False, separators=(",\n" + inner + INDENT, ": "))
    empty = True
    for item in items:
        if item.__class__ is dict and item and all(v.__class__ in SCALARS for v in item.values()):
            # (json's C encoder, which does not indent, with the indent as what separates the items:
            # the same text, a string's line breaks being escaped; json.dumps's indent is Python's)
            text = "{\n" + inner + INDENT + flat.encode(item)[1:-1] + "\n" + inner + "}"
        else:
            text = indented(json.dumps(item, indent=2, ensure_ascii=False), inner)
        yield ("[" if empty else ",") + "\n" + inner + text
        empty = False
    yield "[]" if empty else "\n" + indent + "]"


def indented(text: str, indent: str) -> str:
    """JSON text rendered at the top, as it reads nested at an indent."""
    return text.replace("\n", "\n" + indent)


def render_report(report: BuildReport) -> bytes:
    """The report as JSON bytes (UTF-8, indented, keys in a fixed order)."""
    return "".join(report_chunks(report)).encode("utf-8")


def write_report(path: Path, report: BuildReport) -> None:
    """Write the report's JSON (render_report's bytes) to a file, a warning at a time."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for chunk in report_chunks(report):
            out.write(chunk)


def report_rows(
    data: dict[str, Any], warnings: Iterable[dict[str, Any]] | None = None
) -> dict[str, Iterable[dict[str, Any]]]:
    """The rows of each report table, from the report's JSON data (its warnings given apart, to
    be read one at a time, when given)."""
    release, counts = data["release"], data["counts"]
    return {
        "build_release": [
            {
                **release,
                "sources_read": counts["read"],
                "sources_published": counts["published"],
                "sources_superseded": counts["superseded"],
                "sources_rejected": counts["rejected"],
                "warnings": counts["warnings"],
            }
        ],
        "build_sources": [dict(entry) for entry in data["inputs"]],
        "build_tables": [{"table_name": name, "rows": rows} for name, rows in data["tables"].items()],
        "build_statuses": [
            {"id": f"{name}/{status}", "table_name": name, "status": status, "rows": rows}
            for name, counts in data["statuses"].items()
            for status, rows in counts.items()
        ],
        "build_warnings": (
            {"id": i, **warning}
            for i, warning in enumerate(data["warnings"] if warnings is None else warnings, start=1)
        ),
    }


COLUMN_TYPES: dict[str, dict[str, type]] = {
    "build_release": {
        "version": str,
        "previous_version": str,
        "bump": str,
        "created": str,
        "sources_read": int,
        "sources_published": int,
        "sources_superseded": int,
        "sources_rejected": int,
        "warnings": int,
    },
    "build_sources": {
        "file": str,
        "source": str,
        "url": str,
        "status": str,
        "reason": str,
        "superseded_by": str,
    },
    "build_tables": {"table_name": str, "rows": int},
    "build_statuses": {"id": str, "table_name": str, "status": str, "rows": int},
    "build_warnings": {
        "id": int,
        "source": str,
        "field": str,
        "message": str,
        "char_start": int,
        "char_end": int,
    },
}
PRIMARY_KEYS = {
    "build_release": "version",
    "build_sources": "file",
    "build_tables": "table_name",
    "build_statuses": "id",
    "build_warnings": "id",
}


def cell(value: Any) -> Any:
    """A value as a report table stores it: text, numbers and nulls as they are, anything else as
    its JSON (as sqlite-utils stores it)."""
    if value is None or isinstance(value, str | int | float):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def insert_rows(
    connection: sqlite3.Connection, table: str, columns: list[str], rows: Iterable[dict[str, Any]]
) -> None:
    """Insert rows (dicts of the table's columns, a missing one null) with one executemany: tens of
    thousands of warnings at 10,000 articles, for which sqlite-utils' insert_all took several
    times as long. A row with a key that is no column is an error, as it is for insert_all."""
    marks = ", ".join("?" for _ in columns)
    names = ", ".join(f"[{c}]" for c in columns)
    known = set(columns)

    def values(row: dict[str, Any]) -> tuple[Any, ...]:
        if not row.keys() <= known:
            raise ValueError(f"table {table} has no column {', '.join(sorted(row.keys() - known))}")
        return tuple(cell(row.get(c)) for c in columns)

    connection.executemany(f"INSERT INTO [{table}] ({names}) VALUES ({marks})", map(values, rows))
    connection.commit()


def add_report_tables(path: Path, report: BuildReport) -> None:
    """Add the report's tables to a built database (replacing them if present) and compact it
    when that freed pages (a database loaded afresh has none: vacuuming it would copy it whole)."""
    rows = report_rows(report_dict(report, warnings=False), map(warning_entry, report.warnings))
    db = sqlite_utils().Database(path)
    try:
        for name, columns in COLUMN_TYPES.items():
            table = db.table(name)
            if table.exists():
                table.drop()
            table.create(columns, pk=PRIMARY_KEYS[name], not_null={PRIMARY_KEYS[name]})
            insert_rows(db.conn, name, list(columns), rows[name])
        if db.execute("PRAGMA freelist_count").fetchone()[0]:  # pages freed by a replaced table
            db.vacuum()
    finally:
        db.close()


def report_tables_metadata() -> dict[str, dict[str, Any]]:
    """Datasette metadata (title, description, columns) of the report's tables, to merge into the
    database's `tables` of metadata.yml."""
    return copy.deepcopy(REPORT_TABLES)


def report_from_dict(data: dict[str, Any]) -> BuildReport:
    """A build report read back from its JSON (a release's downloads/build-report.json)."""
    release, counts = data["release"], data["counts"]
    inputs = [i for i in data["inputs"] if i["status"] != STATUS_REJECTED]
    return BuildReport(
        read=counts["read"],
        published=[i["source"] for i in inputs if i["status"] == STATUS_PUBLISHED],
        rejected=[
            SourceError(i["file"], i["reason"]) for i in data["inputs"] if i["status"] == STATUS_REJECTED
        ],
        warnings=list(data["warnings"]),
        tables=dict(data["tables"]),
        statuses={t: dict(c) for t, c in (data.get("statuses") or {}).items()},
        inputs=inputs,
        version=release["version"],
        previous_version=release["previous_version"],
        bump=release["bump"],
        created=release["created"],
    )
