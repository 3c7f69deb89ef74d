"""A changed resource validated on its changed rows reports what validating it whole reports."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import etl.package.delta
from etl.layout import DATAPACKAGES, ROOT
from etl.package.delta import changed_records, entry, settled_by_changed_rows
from etl.package.validate import check_task

NEWS = "diplomacy-news"
VALIDATED = ROOT / DATAPACKAGES / NEWS / "datapackage.json"
Rows = list[dict[str, str]]


@pytest.fixture
def news(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the committed news package, its resources small enough for a delta."""
    monkeypatch.setattr(etl.package.delta, "DELTA_BYTES", 0)
    shutil.copytree(ROOT / DATAPACKAGES / NEWS, tmp_path / NEWS)
    return tmp_path / NEWS


def rewrite(folder: Path, resource: str, change: Callable[[Rows], Rows], header: str | None = None) -> None:
    """Rewrite a resource's CSV file with its rows changed (and its header, when given), and its
    bytes and sha256 in the descriptor."""
    path = folder / "data" / f"{resource}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    names = list(rows[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(change(rows))
    text = out.getvalue() if header is None else header + "\n" + out.getvalue().split("\n", 1)[1]
    path.write_text(text, encoding="utf-8")
    refresh(folder, resource)


def refresh(folder: Path, resource: str) -> None:
    """Put a resource's CSV file's bytes and sha256 in the descriptor."""
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    data = (folder / "data" / f"{resource}.csv").read_bytes()
    for item in descriptor["resources"]:
        if item["path"] == f"data/{resource}.csv":
            item["bytes"], item["hash"] = len(data), "sha256:" + hashlib.sha256(data).hexdigest()
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


def changed(rows: Rows, index: int, **cells: str) -> Rows:
    rows[index] = {**rows[index], **cells}
    return rows


def moved(rows: Rows) -> Rows:
    """One row taken out and a row of a new key put at the end."""
    fresh = {**rows[-1], "position": str(max(int(r["position"]) for r in rows) + 1)}
    return [r for i, r in enumerate(rows) if i != 2] + [fresh]


# (resource, change, header, whether the changed rows settle it)
CASES = {
    "a cell changed": ("paragraphs", lambda rows: changed(rows, 3, text="Another text."), None, True),
    "a row out, another in": ("paragraphs", moved, None, True),
    "rows in another order": ("paragraphs", lambda rows: rows[::-1], None, None),
    "a cell of the wrong type": ("paragraphs", lambda rows: changed(rows, 3, position="x"), None, False),
    "a key twice": (
        "paragraphs",
        lambda rows: changed(rows, 4, article=rows[3]["article"], position=rows[3]["position"]),
        None,
        False,
    ),
    "a unique value twice": ("quotes", lambda rows: changed(rows, 1, id=rows[0]["id"]), None, False),
    "a constraint broken": ("quotes", lambda rows: changed(rows, 0, id="Not An Id"), None, False),
    "a required cell empty": ("paragraphs", lambda rows: changed(rows, 2, text=""), None, False),
    "a value not in its enum": ("paragraphs", lambda rows: changed(rows, 5, language="de"), None, False),
    "another header": ("paragraphs", lambda rows: rows, "not,the,fields", False),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_changed_resource_has_the_problems_a_whole_validation_finds(news: Path, case: str) -> None:
    resource, change, header, settles = CASES[case]
    rewrite(news, resource, change, header)
    descriptor = news / "datapackage.json"
    whole = check_task(descriptor, NEWS, "frictionless", resource)
    assert check_task(descriptor, NEWS, "frictionless", resource, VALIDATED) == whole
    assert (whole == []) == (settles is not False)
    if settles is not None:
        assert settled_by_changed_rows(descriptor, VALIDATED, resource) is settles


def test_only_the_rows_not_in_the_validated_file_are_validated_again(news: Path) -> None:
    rewrite(news, "paragraphs", moved)
    with (news / "data" / "paragraphs.csv").open(encoding="utf-8", newline="") as handle:
        first, *others = csv.reader(handle)
    now, before = entry(news / "datapackage.json", "paragraphs"), entry(VALIDATED, "paragraphs")
    assert now is not None and before is not None
    found = changed_records(now, news, before, VALIDATED.parent)
    assert found is not None
    assert found == (first, [others[-1]], len(others))  # the header, the new row, the rows counted


def test_what_the_validated_release_cannot_vouch_for_is_validated_whole(news: Path) -> None:
    descriptor = news / "datapackage.json"
    path = news / "data" / "paragraphs.csv"
    path.write_bytes(path.read_bytes().replace(b"Belgium", b"Belgique", 1))  # bytes, hash not listed
    assert settled_by_changed_rows(descriptor, VALIDATED, "paragraphs") is False
    assert {p.check for p in check_task(descriptor, NEWS, "frictionless", "paragraphs", VALIDATED)} >= {
        "hash-count"
    }
    refresh(news, "paragraphs")
    assert settled_by_changed_rows(descriptor, VALIDATED, "paragraphs") is True
    data = json.loads(descriptor.read_text(encoding="utf-8"))  # another schema: nothing to compare
    table = next(r for r in data["resources"] if r["name"] == "paragraphs")
    table["schema"]["fields"][-1]["description"] += " (changed)"
    descriptor.write_text(json.dumps(data), encoding="utf-8")
    assert settled_by_changed_rows(descriptor, VALIDATED, "paragraphs") is False
