"""The cells of a row checked against their fields before anything is written: the checks worked
out once a field give what checking every cell against every field gives."""

from __future__ import annotations

from etl.package.checks import CellProblem, cell_problems, field_checks, row_problems
from etl.specs import load_packages

# Cells of every kind, fitting or not: empty, texts, numbers, dates, enum values, addresses.
CELLS = [
    "", "x", "ok", "12", "-3", "0", "1.5", "abc", "true", "false", "2024-02-30", "2024-02-29",
    "2024-02", "2024-02-29T10:00:00Z", "https://diplomatie.belgium.be/en", "not a uri", "ambassador",
    "embassy", "BE", "be", "000001_0123456789abcdef", "9" * 30, "x" * 400,
]  # fmt: skip


def test_the_checks_of_every_field_find_what_checking_every_cell_finds() -> None:
    checked = 0
    for package in load_packages():
        for spec in package.resources:
            fields = {f["name"]: f for f in spec.schema["fields"]}
            values = CELLS + [
                str(v) for f in fields.values() for v in (f.get("constraints") or {}).get("enum", [])
            ]
            rows = [{name: value for name in fields} for value in values]
            expected = [
                CellProblem(index, name, message, enum)
                for index, row in enumerate(rows)
                for name, field in fields.items()
                for message, enum in cell_problems(row[name], field)
            ]
            assert row_problems(spec, rows) == expected
            checked += len(expected)
            assert [name for name, _ in field_checks(spec)] == [
                name for name, field in fields.items() if any(cell_problems(v, field) for v in values)
            ]
    assert checked > 1000
