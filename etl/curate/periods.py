"""Dates written at the precision a source gives (2019, 2021-03, 2025-02-06, 2026/2027) and the
first and last days of the periods they name, as typed companions tools can read as dates."""

from __future__ import annotations

import calendar
import datetime
import functools
import re
from collections.abc import Sequence
from typing import Any

from etl.curate.views import Mapped
from etl.specs import ResourceSpec

# A year, a month or a day, optionally followed by /YYYY: the period runs to the end of that year.
PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:/(\d{4}))?$")


@functools.lru_cache(maxsize=1 << 16)
def bounds(text: str | None) -> tuple[str, str] | None:
    """The first and the last day (ISO dates) of the period a date at its precision names, or None
    for an empty or unreadable value: 2021-03 → (2021-03-01, 2021-03-31), 2019 → (2019-01-01,
    2019-12-31), 2026/2027 → (2026-01-01, 2027-12-31)."""
    match = PERIOD.match(text or "")
    if match is None:
        return None
    year, month, day, until = match.groups()
    try:
        if day:
            start = end = datetime.date(int(year), int(month), int(day))
        elif month:
            start = datetime.date(int(year), int(month), 1)
            end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
        else:
            start, end = datetime.date(int(year), 1, 1), datetime.date(int(year), 12, 31)
        if until:
            end = datetime.date(int(until), 12, 31)
    except ValueError:  # a month 13 or a 30 February: no period
        return None
    if end < start:
        return None
    return start.isoformat(), end.isoformat()


def with_periods(spec: ResourceSpec, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with the typed companions of the resource's period fields filled in (empty where
    the date is empty or unreadable); rows kept on disk are filled in as they are read."""
    if not spec.periods:
        return rows  # type: ignore[return-value]
    if not isinstance(rows, list):
        return Mapped(functools.partial(filled, spec), rows)  # type: ignore[return-value]
    return [filled(spec, row) for row in rows]


def filled(spec: ResourceSpec, row: dict[str, Any]) -> dict[str, Any]:
    """A row with its period fields' typed companions."""
    row = dict(row)
    for field, first, last in spec.periods:
        found = bounds(row.get(field))
        row[first], row[last] = found if found is not None else (None, None)
    return row
