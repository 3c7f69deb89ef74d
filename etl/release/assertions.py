"""Assertions as data: the bounds of reference/assertions.yml checked on the rows a release would
publish. A breached minimum (a count below its series' floor, a table with fewer rows than it
must hold) stops the publish; a breached maximum, or a change between consecutive snapshots of the
same source and typology beyond its bound, warns. Each breach names its table, series, source and
value, so that a '12 embassies' snapshot after '87 embassies' cannot reach the site unnoticed."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

Row = dict[str, Any]
ERROR = "error"
WARNING = "warning"
VALUE_COLUMNS = {"post_counts": "count", "post_totals": "total"}


@dataclass(frozen=True)
class Breach:
    """One assertion a release breaks: how grave (error stops the publish, warning warns), the
    table, the source to blame (None for a whole table) and what is wrong."""

    level: str
    table: str
    source: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.table}: {self.message}"

    def warning(self) -> Row:
        """The breach as a build warning."""
        return {
            "source": self.source,
            "field": f"assertions.{self.table}",
            "message": self.message,
            "char_start": None,
            "char_end": None,
        }


def matches(row: Row, series: dict[str, Any]) -> bool:
    """Whether a row belongs to a series (every column of the series has its value)."""
    return all(row.get(column) == value for column, value in series.items())


def label(series: dict[str, Any]) -> str:
    """A series as words: 'fps embassy'."""
    return " ".join(str(v) for v in series.values())


def bound_breaches(table: str, rows: list[Row], entry: dict[str, Any]) -> list[Breach]:
    """The rows of a series outside its minimum (errors) or maximum (warnings)."""
    column = VALUE_COLUMNS[table]
    found = []
    for row in rows:
        value, where = row[column], f"{row['source']} ({row['as_of']})"
        if "min" in entry and value < entry["min"]:
            found.append(
                Breach(
                    ERROR,
                    table,
                    row["source"],
                    f"{label(entry['series'])}: {value} in {where} is below the minimum {entry['min']}",
                )
            )
        if "max" in entry and value > entry["max"]:
            found.append(
                Breach(
                    WARNING,
                    table,
                    row["source"],
                    f"{label(entry['series'])}: {value} in {where} is above the maximum {entry['max']}",
                )
            )
    return found


def change_breaches(table: str, rows: list[Row], entry: dict[str, Any]) -> list[Breach]:
    """Consecutive snapshots of one source and typology whose value changes by more than the
    series allows (warnings)."""
    if "max_change" not in entry:
        return []
    column = VALUE_COLUMNS[table]
    by_source: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        by_source.setdefault((row["source"], row["typology"]), []).append(row)
    found = []
    for (source, _), snapshots in sorted(by_source.items()):
        for before, after in pairwise(sorted(snapshots, key=lambda r: str(r["as_of"]))):
            if not before[column]:
                continue
            change = (after[column] - before[column]) / before[column]
            if abs(change) > entry["max_change"]:
                found.append(
                    Breach(
                        WARNING,
                        table,
                        source,
                        f"{label(entry['series'])}: {before[column]} ({before['as_of']}) to "
                        f"{after[column]} ({after['as_of']}) in {source} is a change of {change:+.0%}, "
                        f"beyond ±{entry['max_change']:.0%}",
                    )
                )
    return found


def check_assertions(assertions: dict[str, Any], tables: dict[str, list[Row]]) -> list[Breach]:
    """Every breach of the assertions by the rows of a release (tables: rows by resource name)."""
    found: list[Breach] = []
    for table in VALUE_COLUMNS:
        for entry in assertions.get(table) or []:
            rows = [r for r in tables.get(table, []) if matches(r, entry["series"])]
            found += bound_breaches(table, rows, entry)
            found += change_breaches(table, rows, entry)
    for table, minimum in (assertions.get("min_rows") or {}).items():
        held = len(tables.get(table, []))
        if held < minimum:
            found.append(Breach(ERROR, table, None, f"holds {held} rows, fewer than the minimum {minimum}"))
    return found


def resource_rows(tables: dict[str, dict[str, list[Row]]]) -> dict[str, list[Row]]:
    """The rows of each resource of the packages of a release (a resource several packages share
    taken once)."""
    found: dict[str, list[Row]] = {}
    for package in tables.values():
        for name, rows in package.items():
            found.setdefault(name, rows)
    return found
