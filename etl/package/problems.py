"""A problem found in a package, located by package, resource, row and field."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

HEADER_ROWS = 1
# frictionless's limit of errors, set to none (it stops at 1,000 by default).
NO_LIMIT = 2**31 - 1


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
