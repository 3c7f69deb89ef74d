"""The rows of one resource checked against its Table Schema before anything is written: each cell
read as its field's type, and the field's constraints (required, enum, minimum, maximum, pattern,
length). The same rules as frictionless, on the strings the CSV files will hold, so that one
source's bad row is found, and quarantined, before it could fail the release."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from etl.specs import ResourceSpec

INTEGER = re.compile(r"-?\d+")
URI = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:\S+")
BOOLEANS = {"true", "false"}


@dataclass(frozen=True)
class CellProblem:
    """A cell that does not fit its field: the row's index among the rows checked, the field, what
    is wrong, and whether it is a value outside the field's enum (the row alone is quarantined)."""

    index: int
    field: str
    message: str
    enum: bool = False


def parse(value: str, field: dict[str, Any]) -> Any:
    """The value of a non-empty cell as its field's type; ValueError when it is not one."""
    kind = field.get("type", "string")
    if kind == "integer":
        if not INTEGER.fullmatch(value):
            raise ValueError("not an integer")
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        if value not in BOOLEANS:
            raise ValueError("not true or false")
        return value == "true"
    if kind == "date":
        return dt.date.fromisoformat(value) if len(value) == len("YYYY-MM-DD") else _bad("not a date")
    if kind == "datetime":
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if kind == "string" and field.get("format") == "uri" and not URI.fullmatch(value):
        raise ValueError("not a URI")
    return value


def _bad(message: str) -> Any:
    raise ValueError(message)


@functools.cache
def pattern(text: str) -> re.Pattern[str]:
    """A field's pattern, compiled once."""
    return re.compile(text)


def cell_problems(value: str, field: dict[str, Any]) -> list[tuple[str, bool]]:
    """What is wrong with one cell (as written in the CSV), each with whether it is an enum miss."""
    constraints = field.get("constraints") or {}
    if value == "":
        return [("is required but empty", False)] if constraints.get("required") else []
    try:
        parsed = parse(value, field)
    except ValueError:
        return [(f"{value[:60]!r} is not a {field.get('type', 'string')}", False)]
    problems: list[tuple[str, bool]] = []
    enum = constraints.get("enum")
    if enum is not None and parsed not in enum:
        problems.append((f"{value[:60]!r} is not one of {', '.join(map(str, enum))}", True))
    if "minimum" in constraints and parsed < constraints["minimum"]:
        problems.append((f"{value} is below the minimum {constraints['minimum']}", False))
    if "maximum" in constraints and parsed > constraints["maximum"]:
        problems.append((f"{value} is above the maximum {constraints['maximum']}", False))
    if "pattern" in constraints and not pattern(constraints["pattern"]).fullmatch(value):
        problems.append((f"{value[:60]!r} does not match {constraints['pattern']}", False))
    if "minLength" in constraints and len(value) < constraints["minLength"]:
        problems.append((f"{value[:60]!r} is shorter than {constraints['minLength']}", False))
    if "maxLength" in constraints and len(value) > constraints["maxLength"]:
        problems.append((f"is longer than {constraints['maxLength']} characters", False))
    return problems


# What a field's cells are checked with: what is wrong with one (see cell_problems).
Check = Callable[[str], list[tuple[str, bool]]]
REQUIRED = [("is required but empty", False)]
NOTHING: list[tuple[str, bool]] = []
# Constraints that cell_problems does not check (unique is checked over the whole table).
UNCHECKED = frozenset({"unique"})


def required(value: str) -> list[tuple[str, bool]]:
    """What is wrong with a cell of a required text field of no other constraint."""
    return REQUIRED if value == "" else NOTHING


def field_check(field: dict[str, Any]) -> Check | None:
    """How a field's cells are checked: None for a text of no format or constraint (any cell fits),
    a test of emptiness for a required one, else cell_problems."""
    constraints = set(field.get("constraints") or {}) - UNCHECKED
    if (
        field.get("type", "string") == "string"
        and field.get("format") != "uri"
        and constraints <= {"required"}
    ):
        return required if constraints else None
    return functools.partial(cell_problems, field=field)


# Each spec's checks, worked out once (held with the spec, so that its id is not another's).
_CHECKS: dict[int, tuple[ResourceSpec, list[tuple[str, Check]]]] = {}


def field_checks(spec: ResourceSpec) -> list[tuple[str, Check]]:
    """The name and check of each field of a resource whose cells can be wrong, in field order."""
    held = _CHECKS.get(id(spec))
    if held is None or held[0] is not spec:
        if len(_CHECKS) > 512:
            _CHECKS.clear()
        checks = [(f["name"], c) for f in spec.schema["fields"] if (c := field_check(f)) is not None]
        held = _CHECKS[id(spec)] = (spec, checks)
    return held[1]


def row_problems(spec: ResourceSpec, rows: list[dict[str, str]]) -> list[CellProblem]:
    """Every cell of some rows of a resource that does not fit its field."""
    found = []
    checks = field_checks(spec)
    for index, row in enumerate(rows):
        for name, check in checks:
            for message, enum in check(row.get(name, "")):
                found.append(CellProblem(index, name, message, enum))
    return found
