"""The foreign keys checked by the project's own pass report what frictionless reports."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import frictionless
import pytest

from etl.layout import DATAPACKAGES, ROOT
from etl.package.problems import Problem, report_problems
from etl.package.references import cell_readers, reference_problems
from etl.specs import load_packages

NEWS = "diplomacy-news"


@pytest.fixture
def news(tmp_path: Path) -> Path:
    """A writable copy of the committed news package."""
    shutil.copytree(ROOT / DATAPACKAGES / NEWS, tmp_path / NEWS)
    return tmp_path / NEWS


def edit(
    folder: Path, resource: str, change: dict[int, dict[str, str]], blank_after: int | None = None
) -> None:
    """Change cells of some rows of a resource's CSV file (by row index), and put a blank line
    after a row; the descriptor left as it is (its bytes and hash are not what is compared)."""
    path = folder / "data" / f"{resource}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for index, cells in change.items():
        rows[index].update(cells)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for index, row in enumerate(rows):
        writer.writerow(row)
        if index == blank_after:
            out.write("\n")
    path.write_text(out.getvalue(), encoding="utf-8")


def frictionless_foreign_keys(folder: Path, resource: str) -> list[Problem]:
    """The foreign-key errors frictionless itself reports for a resource of a package."""
    table = frictionless.Package(str(folder / "datapackage.json")).get_resource(resource)
    found = report_problems(table.validate(limit_errors=2**31 - 1), NEWS)
    return [p for p in found if p.check == "foreign-key"]


def referencing(package: str) -> list[str]:
    spec = next(p for p in load_packages() if p.name == package)
    return [r.name for r in spec.resources if r.schema.get("foreignKeys")]


def test_the_committed_packages_have_no_dangling_reference() -> None:
    for spec in load_packages():
        for name in referencing(spec.name):
            assert (
                reference_problems(ROOT / DATAPACKAGES / spec.name / "datapackage.json", spec.name, name)
                == []
            )


def test_the_problems_found_are_those_frictionless_reports(news: Path) -> None:
    edit(news, "persons", {0: {"id": ""}})  # a referenced row without its key: not found by any
    edit(news, "quotes", {0: {"person": "nobody"}, 1: {"person": ""}, 2: {"article": "no-such-article"}})
    edit(
        news,
        "paragraphs",
        {1: {"article": "elsewhere"}, 4: {"article": "000_03760B43A54F4E20"}},
        blank_after=2,
    )
    for resource in referencing(NEWS):
        ours = reference_problems(news / "datapackage.json", NEWS, resource)
        theirs = frictionless_foreign_keys(news, resource)
        assert ours == theirs, resource
    quotes = reference_problems(news / "datapackage.json", NEWS, "quotes")
    assert {(p.row, p.check) for p in quotes} >= {(2, "foreign-key"), (4, "foreign-key")}
    assert all("nobody" not in p.message or p.row == 2 for p in quotes)
    paragraphs = reference_problems(news / "datapackage.json", NEWS, "paragraphs")
    assert [p.row for p in paragraphs] == [3, 7]  # numbered past the blank line, as frictionless does


def test_a_file_that_cannot_be_read_is_one_problem_saying_so(news: Path) -> None:
    (news / "data" / "articles.csv").unlink()
    problems = reference_problems(news / "datapackage.json", NEWS, "paragraphs")
    assert len(problems) == 1 and problems[0].check == "foreign-key"
    assert "its foreign keys cannot be checked" in problems[0].message


def test_a_cell_is_read_as_frictionless_reads_it() -> None:
    schema = {
        "fields": [
            {"name": "code", "type": "string"},
            {"name": "count", "type": "integer"},
            {"name": "named", "type": "string", "missingValues": ["-"]},
            {"name": "link", "type": "string", "format": "uri"},
        ],
        "missingValues": ["", "n/a"],
    }
    fields = frictionless.Schema.from_descriptor(schema).fields
    readers = cell_readers(schema, ("code", "count", "named", "link"))
    for cell in ("", "n/a", "-", "12", "012", "x", " 3", "https://example.org/a", "3.0"):
        ours = [read(cell) for _, read in readers]
        assert ours == [f.read_cell(cell)[0] for f in fields], cell
    assert [i for i, _ in readers] == [0, 1, 2, 3]
