"""Comparing releases row by row: rows, resources, packages and schemas that changed, the version
bump they need, the text report and the Markdown changelog of the data."""

from __future__ import annotations

import csv
import itertools
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from etl.layout import DATAPACKAGES, ROOT
from etl.release.changelog import (
    CHANGELOG_HEADING,
    render_changelog_section,
    render_text,
    update_changelog,
)
from etl.release.changes import (
    ConstraintChange,
    FieldChange,
    KeyChange,
    ReleaseDiff,
    ResourceDiff,
    RowChange,
    TypeChange,
)
from etl.release.diff import (
    compare_indexed,
    compare_schemas,
    diff_releases,
    diff_to_dict,
    merge_join,
    tightens,
)
from etl.release.read import CsvRows, DiffError, Table
from etl.release.versions import classify, next_version

NETWORK = "diplomacy-network"
EVENTS = "diplomacy-events"
NEWS = "diplomacy-news"
POST_COUNTS = "post_counts"

Rows = list[dict[str, str]]
Key = tuple[str, ...]

# The tests read the shape of the data (row counts, keys, values, schemas) from the copies they make,
# so that they hold whatever rows and resources the committed release has.


def copy_release(tmp_path: Path, name: str) -> Path:
    """A copy of the committed datapackages folder."""
    return Path(shutil.copytree(ROOT / DATAPACKAGES, tmp_path / name))


def old_and_new(tmp_path: Path) -> tuple[Path, Path]:
    """Two identical copies of the committed release (the second copied from the first), to edit the
    second."""
    old = copy_release(tmp_path, "old")
    return old, Path(shutil.copytree(old, tmp_path / "new"))


def csv_path(release: Path, resource: str, package: str = NETWORK) -> Path:
    """The CSV file of a resource."""
    return release / package / "data" / f"{resource}.csv"


def read_rows(release: Path, resource: str, package: str = NETWORK) -> Rows:
    """The rows of a resource's CSV."""
    with csv_path(release, resource, package).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def row_count(release: Path, resource: str, package: str = NETWORK) -> int:
    """The number of rows of a resource's CSV."""
    return len(read_rows(release, resource, package))


def edit_rows(release: Path, resource: str, edit: Callable[[Rows], Rows], package: str = NETWORK) -> None:
    """Rewrite a resource's CSV with its rows passed through edit (the header follows the rows)."""
    path = csv_path(release, resource, package)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows, header = list(reader), list(reader.fieldnames or [])
    rows = edit(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]) if rows else header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def descriptor_of(release: Path, package: str = NETWORK) -> dict[str, Any]:
    """A package's datapackage.json."""
    descriptor: dict[str, Any] = json.loads((release / package / "datapackage.json").read_text("utf-8"))
    return descriptor


def csv_resources(release: Path, package: str = NETWORK) -> list[str]:
    """The names of a package's CSV resources, in descriptor order (without their JSON twins)."""
    return [r["name"] for r in descriptor_of(release, package)["resources"] if r["path"].endswith(".csv")]


def schema_of(release: Path, resource: str, package: str = NETWORK) -> dict[str, Any]:
    """The schema of a resource."""
    entry = next(r for r in descriptor_of(release, package)["resources"] if r["name"] == resource)
    schema: dict[str, Any] = entry["schema"]
    return schema


def key_fields(release: Path, resource: str = POST_COUNTS, package: str = NETWORK) -> Key:
    """The primary key fields of a resource."""
    return tuple(schema_of(release, resource, package)["primaryKey"])


class Picked(NamedTuple):
    """A row of the copied data that a test edits: the key fields of its resource and its values."""

    fields: Key
    values: dict[str, str]

    @property
    def key(self) -> Key:
        """The row's values of the key fields."""
        return tuple(self.values[field] for field in self.fields)

    @property
    def shown(self) -> str:
        """The key as reports show it."""
        return "/".join(self.key)

    def matches(self, row: dict[str, str]) -> bool:
        """True for the row with this key."""
        return all(row[field] == self.values[field] for field in self.fields)


def pick(release: Path, index: int = 0, resource: str = POST_COUNTS, package: str = NETWORK) -> Picked:
    """A row of a resource, by position."""
    return Picked(key_fields(release, resource, package), read_rows(release, resource, package)[index])


def row_number(release: Path, picked: Picked, resource: str = POST_COUNTS) -> int:
    """The number of a row in its CSV file, from 1 after the header, found by its key."""
    return next(i for i, row in enumerate(read_rows(release, resource), start=1) if picked.matches(row))


def set_cell(picked: Picked, field: str, value: str) -> Callable[[Rows], Rows]:
    """An edit setting one cell of the row with the picked row's key."""

    def edit(rows: Rows) -> Rows:
        for row in rows:
            if picked.matches(row):
                row[field] = value
        return rows

    return edit


def bumped(count: str) -> str:
    """A count plus one."""
    return str(int(count) + 1)


def bump_count(picked: Picked) -> Callable[[Rows], Rows]:
    """An edit adding one to the count of the picked post_counts row."""
    return set_cell(picked, "count", bumped(picked.values["count"]))


def count_change(picked: Picked) -> RowChange:
    """The change bump_count makes."""
    count = picked.values["count"]
    return RowChange(picked.key, (FieldChange("count", count, bumped(count)),))


def count_line(picked: Picked) -> str:
    """The changelog line of the change bump_count makes."""
    count = picked.values["count"]
    return f"- post_counts: changed `{picked.shown}`: count {count} → {bumped(count)}"


def unused_dates(rows: Rows, count: int) -> list[str]:
    """Years that no row has as its as_of."""
    used = {row["as_of"] for row in rows}
    return list(itertools.islice((d for d in map(str, itertools.count(1900)) if d not in used), count))


def moved_rows(rows: Rows, count: int) -> Rows:
    """Copies of the first row dated when no row is, so that each has a key of its own."""
    return [{**rows[0], "as_of": date} for date in unused_dates(rows, count)]


def rows_phrase(name: str, rows: int) -> str:
    """'name (1 row)', 'name (2 rows)'."""
    return f"{name} ({rows} row{'' if rows == 1 else 's'})"


def edit_descriptor(release: Path, edit: Callable[[dict[str, Any]], None], package: str = NETWORK) -> None:
    """Rewrite a package's datapackage.json through edit."""
    path = release / package / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    edit(descriptor)
    path.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")


def edit_schema(release: Path, resource: str, edit: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite the schema of a network resource (its CSV entry) through edit."""

    def apply(descriptor: dict[str, Any]) -> None:
        edit(next(r for r in descriptor["resources"] if r["name"] == resource)["schema"])

    edit_descriptor(release, apply)


def field_of(schema: dict[str, Any], name: str) -> dict[str, Any]:
    """A field descriptor of a schema."""
    return next(f for f in schema["fields"] if f["name"] == name)


def constraints_of(field: dict[str, Any]) -> dict[str, Any]:
    """A field's constraints ({} when it has none)."""
    constraints: dict[str, Any] = field.get("constraints") or {}
    return constraints


def first_field(schema: dict[str, Any], wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The first field descriptor of a schema that is wanted."""
    return next(f for f in schema["fields"] if wanted(f))


def is_bounded_integer(field: dict[str, Any]) -> bool:
    """True for an integer field (default format) with a minimum and no maximum."""
    constraints = constraints_of(field)
    return (
        field.get("type") == "integer"
        and "format" not in field
        and isinstance(constraints.get("minimum"), int)
        and "maximum" not in constraints
    )


def is_required(field: dict[str, Any]) -> bool:
    """True for a field with the required constraint."""
    return constraints_of(field).get("required") is True


def widen_key(schema: dict[str, Any]) -> None:
    """Add a field that is not in the primary key to it (still unique, but a different key)."""
    key = list(schema["primaryKey"])
    schema["primaryKey"] = [*key, first_field(schema, lambda f: f["name"] not in key)["name"]]


def duplicate_reason(release: Path) -> str:
    """The error for the middle post_counts row repeated at the end of the file."""
    rows = read_rows(release, POST_COUNTS)
    twin = pick(release, len(rows) // 2)
    numbers = f"rows {row_number(release, twin)} and {len(rows) + 1}"
    return f"duplicate primary key {twin.shown} ({', '.join(twin.fields)}) in {numbers}"


def resource_diff(diff: ReleaseDiff, resource: str, package: str = NETWORK) -> ResourceDiff:
    """The comparison of one resource."""
    found = next(p for p in diff.packages if p.name == package)
    return next(r for r in found.resources if r.name == resource)


def zip_package(folder: Path, target: Path, prefix: str) -> Path:
    """A zip of a package folder, its files under prefix."""
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, prefix + path.relative_to(folder).as_posix())
    return target


def test_diff_releases_finds_nothing_between_identical_releases(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    diff = diff_releases(old, new)
    assert diff.is_empty and classify(diff) == "none"
    assert [p.name for p in diff.packages] == sorted([NETWORK, EVENTS, NEWS])
    assert resource_diff(diff, "post_counts").unchanged == row_count(old, "post_counts")
    assert render_text(diff) == "no changes\nbump: none\n"


def test_diff_releases_reports_changed_cells_with_old_and_new_values(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    picked = pick(old)
    edit_rows(new, "post_counts", bump_count(picked))
    found = resource_diff(diff_releases(old, new), "post_counts")
    assert found.changed == (count_change(picked),)
    assert (found.added, found.removed, found.unchanged) == ((), (), row_count(old, "post_counts") - 1)


def test_diff_releases_reports_added_and_removed_rows_by_composite_key(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    gone = pick(old, 1)
    later = Picked(gone.fields, moved_rows(read_rows(old, "post_counts"), 1)[0])

    def edit(rows: Rows) -> Rows:
        kept = [r for r in rows if not gone.matches(r)]
        return [*kept, dict(later.values)]

    edit_rows(new, "post_counts", edit)
    found = resource_diff(diff_releases(old, new), "post_counts")
    assert [r.key for r in found.added] == [later.key]
    assert [r.key for r in found.removed] == [gone.key]
    assert found.removed[0].values["count"] == gone.values["count"] and found.changed == ()


def test_diff_releases_matches_rows_whatever_their_order(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    edit_rows(new, "post_counts", lambda rows: rows[::-1])
    assert diff_releases(old, new).is_empty


def test_diff_releases_compares_values_as_strings_with_empty_as_null(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    picked, total = pick(old), pick(old, resource="post_totals")
    count = picked.values["count"]
    edit_rows(old, "post_totals", set_cell(total, "evidence", ""))
    edit_rows(new, "post_counts", set_cell(picked, "count", "0" + count))
    edit_rows(new, "post_totals", set_cell(total, "evidence", "115 posts"))
    diff = diff_releases(old, new)
    assert resource_diff(diff, "post_counts").changed[0].fields == (FieldChange("count", count, "0" + count),)
    assert resource_diff(diff, "post_totals").changed[0].fields == (FieldChange("evidence", "", "115 posts"),)


def test_diff_releases_skips_the_json_twins(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    (new / NETWORK / "data" / "post_counts.json").write_text("[]\n", encoding="utf-8")
    diff = diff_releases(old, new)
    assert diff.is_empty
    assert all(not r.name.endswith("_json") for p in diff.packages for r in p.resources)


def test_diff_releases_reports_resources_added_and_removed(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)

    def swap(descriptor: dict[str, Any]) -> None:
        descriptor["resources"] = [
            r for r in descriptor["resources"] if not r["name"].startswith("post_totals")
        ]
        schema = {"fields": [{"name": "id", "type": "string"}, {"name": "note"}], "primaryKey": ["id"]}
        descriptor["resources"].append({"name": "notes", "path": "data/notes.csv", "schema": schema})

    edit_descriptor(new, swap)
    csv_path(new, "post_totals").unlink()
    csv_path(new, "notes").write_text("id,note\na,first\nb,second\n", encoding="utf-8")
    network = next(p for p in diff_releases(old, new).packages if p.name == NETWORK)
    assert [(r.name, r.rows) for r in network.resources_added] == [("notes", 2)]
    assert [(r.name, r.rows) for r in network.resources_removed] == [
        ("post_totals", row_count(old, "post_totals"))
    ]


def test_diff_releases_reports_packages_added_and_removed(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    shutil.rmtree(new / EVENTS)
    diff = diff_releases(old, new)
    assert [p.name for p in diff.packages_removed] == [EVENTS] and diff.packages_added == ()
    assert [(r.name, r.rows) for r in diff.packages_removed[0].resources] == [
        (name, row_count(old, name, EVENTS)) for name in csv_resources(old, EVENTS)
    ]
    assert [p.name for p in diff_releases(new, old).packages_added] == [EVENTS]


def test_diff_releases_reports_schema_changes_per_field(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    declared = schema_of(old, "post_counts")
    bounded = first_field(declared, is_bounded_integer)
    required = first_field(declared, lambda f: is_required(f) and f is not bounded)
    low = constraints_of(bounded)["minimum"]

    def edit(schema: dict[str, Any]) -> None:
        field_of(schema, bounded["name"])["type"] = "number"
        field_of(schema, bounded["name"])["constraints"]["minimum"] = low + 1
        del field_of(schema, required["name"])["constraints"]["required"]
        schema["fields"].append({"name": "note", "type": "string"})

    edit_schema(new, "post_counts", edit)
    schema = resource_diff(diff_releases(old, new), "post_counts").schema
    assert schema.fields_added == ("note",) and schema.fields_removed == ()
    assert schema.types_changed == (TypeChange(bounded["name"], "integer", "number"),)
    changes = {
        bounded["name"]: ConstraintChange(bounded["name"], "minimum", low, low + 1, tightened=True),
        required["name"]: ConstraintChange(required["name"], "required", True, None, tightened=False),
    }
    in_field_order = tuple(changes[f["name"]] for f in declared["fields"] if f["name"] in changes)
    assert schema.constraints_changed == in_field_order
    assert schema.primary_key is None


def test_diff_releases_reads_package_zips_and_single_package_folders(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    picked = pick(old)
    edit_rows(new, "post_counts", bump_count(picked))
    archive = zip_package(old / NETWORK, tmp_path / f"{NETWORK}.zip", f"{NETWORK}/")
    diff = diff_releases(archive, new / NETWORK)
    assert [p.name for p in diff.packages] == [NETWORK]
    assert resource_diff(diff, "post_counts").changed[0].key == picked.key
    assert diff.old == str(archive) and diff.new == str(new / NETWORK)


def test_diff_releases_reads_zips_with_the_descriptor_at_the_top(tmp_path: Path) -> None:
    old = copy_release(tmp_path, "old")
    archive = zip_package(old / NEWS, tmp_path / "news.zip", "")
    assert diff_releases(archive, old / NEWS).is_empty


def test_diff_releases_reads_a_folder_of_package_zips(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    for package in (NETWORK, EVENTS, NEWS):
        zip_package(old / package, downloads / f"{package}.zip", f"{package}/")
    assert diff_releases(downloads, new).is_empty


def test_diff_releases_falls_back_to_the_old_key_when_the_new_key_has_new_fields(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    picked = pick(old)

    def edit(schema: dict[str, Any]) -> None:
        schema["fields"].append({"name": "edition", "type": "string"})
        schema["primaryKey"] = [*schema["primaryKey"], "edition"]

    edit_schema(new, "post_counts", edit)
    edit_rows(new, "post_counts", lambda rows: [{**r, "edition": "1"} for r in bump_count(picked)(rows)])
    found = resource_diff(diff_releases(old, new), "post_counts")
    assert found.key == key_fields(old)
    assert found.changed == (count_change(picked),)
    assert found.schema.primary_key == KeyChange(found.key, (*found.key, "edition"))


def test_diff_releases_reports_every_row_when_no_key_fits_both(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    renamed = key_fields(old)[-1]
    kind = f"{renamed}_renamed"

    def rename(schema: dict[str, Any]) -> None:
        field_of(schema, renamed)["name"] = kind
        schema["primaryKey"] = [kind if k == renamed else k for k in schema["primaryKey"]]

    edit_schema(new, "post_counts", rename)
    edit_rows(
        new,
        "post_counts",
        lambda rows: [{(kind if k == renamed else k): v for k, v in r.items()} for r in rows],
    )
    found = resource_diff(diff_releases(old, new), "post_counts")
    rows = row_count(old, "post_counts")
    assert found.key == () and len(found.added) == len(found.removed) == rows
    assert "rows not matched" in render_text(diff_releases(old, new))


@pytest.mark.parametrize(
    ("break_release", "names", "reason"),
    [
        (lambda r: shutil.rmtree(r), "", "not found"),
        (lambda r: [shutil.rmtree(p) for p in r.iterdir() if p.is_dir()], "", "not a release"),
        (lambda r: csv_path(r, "post_counts").unlink(), f"{NETWORK}/data/post_counts.csv", "missing"),
        (
            lambda r: edit_rows(r, "post_counts", lambda rows: [*rows, rows[len(rows) // 2]]),
            f"{NETWORK}/data/post_counts.csv",
            duplicate_reason,
        ),
        (
            lambda r: (r / NETWORK / "datapackage.json").write_text("{", encoding="utf-8"),
            f"{NETWORK}/datapackage.json",
            "not valid JSON",
        ),
        (
            lambda r: csv_path(r, "post_types").write_text("code,typology\nembassy\n", encoding="utf-8"),
            f"{NETWORK}/data/post_types.csv",
            "line 2 has 1 value, the header has 2",
        ),
        (
            lambda r: csv_path(r, "post_types").write_bytes(b""),
            f"{NETWORK}/data/post_types.csv",
            "empty: no header row",
        ),
    ],
)
def test_diff_releases_refuses_what_is_not_a_release_in_one_line(
    tmp_path: Path, break_release: Callable[[Path], object], names: str, reason: str | Callable[[Path], str]
) -> None:
    old, new = old_and_new(tmp_path)
    if callable(reason):
        reason = reason(old)
    break_release(new)
    with pytest.raises(DiffError) as caught:
        diff_releases(old, new)
    message = str(caught.value)
    assert message.startswith(str(new / names).rstrip("/")) and reason in message and "\n" not in message


def test_diff_releases_refuses_a_file_that_is_not_a_zip(tmp_path: Path) -> None:
    old = copy_release(tmp_path, "old")
    fake = tmp_path / "release.zip"
    fake.write_text("not a zip", encoding="utf-8")
    with pytest.raises(DiffError, match=r"release\.zip: not a readable zip"):
        diff_releases(old, fake)


@pytest.mark.parametrize(
    ("edit", "bump"),
    [
        (lambda r: None, "none"),
        (lambda r: edit_rows(r, "post_counts", bump_count(pick(r))), "patch"),
        (lambda r: edit_rows(r, "post_counts", lambda rows: rows[1:]), "patch"),
        (lambda r: edit_rows(r, "post_counts", lambda rows: [*rows, *moved_rows(rows, 1)]), "minor"),
        (lambda r: edit_schema(r, "post_counts", lambda s: s["fields"].append({"name": "note"})), "minor"),
        (
            lambda r: edit_schema(r, "post_counts", lambda s: first_field(s, is_required).pop("constraints")),
            "minor",
        ),
        (lambda r: edit_schema(r, "post_counts", lambda s: s["fields"].pop()), "major"),
        (
            lambda r: edit_schema(
                r, "post_counts", lambda s: first_field(s, is_bounded_integer).update(type="string")
            ),
            "major",
        ),
        (
            lambda r: edit_schema(
                r,
                "post_counts",
                lambda s: first_field(s, is_bounded_integer)["constraints"].update(maximum=9),
            ),
            "major",
        ),
        (lambda r: edit_schema(r, "post_counts", widen_key), "major"),
        (lambda r: shutil.rmtree(r / EVENTS), "major"),
    ],
)
def test_classify_gives_the_bump_each_change_needs(
    tmp_path: Path, edit: Callable[[Path], None], bump: str
) -> None:
    old, new = old_and_new(tmp_path)
    edit(new)
    assert classify(diff_releases(old, new)) == bump


def test_classify_counts_added_resources_and_packages_as_minor(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    shutil.rmtree(old / EVENTS)
    edit_descriptor(
        old, lambda d: d.update(resources=[r for r in d["resources"] if "post_totals" not in r["name"]])
    )
    diff = diff_releases(old, new)
    assert [p.name for p in diff.packages_added] == [EVENTS]
    assert classify(diff) == "minor"


@pytest.mark.parametrize(
    ("constraint", "old", "new", "tightened"),
    [
        ("required", None, True, True),
        ("required", True, False, False),
        ("required", None, False, False),
        ("unique", True, None, False),
        ("minimum", 0, 1, True),
        ("minimum", 1, 0, False),
        ("maximum", 10, 9, True),
        ("maximum", None, 9, True),
        ("maxLength", 5, None, False),
        ("minimum", "2020-01-01", "2019-01-01", False),
        ("minimum", 0, "a", True),
        ("enum", ["en", "nl"], ["en", "nl", "fr"], False),
        ("enum", ["en", "nl", "fr"], ["en", "fr"], True),
        ("pattern", "^[a-z]+$", "^[a-z0-9]+$", True),
    ],
)
def test_tightens_judges_each_constraint(constraint: str, old: Any, new: Any, tightened: bool) -> None:
    assert tightens(constraint, old, new) is tightened


@pytest.mark.parametrize(
    ("old", "bump", "new"),
    [
        ("0.1.0", "major", "1.0.0"),
        ("0.1.3", "minor", "0.2.0"),
        ("0.1.3", "patch", "0.1.4"),
        ("1.9.9", "none", "1.9.9"),
        ("0.9.0", "minor", "0.10.0"),
    ],
)
def test_next_version_bumps_the_right_part(old: str, bump: str, new: str) -> None:
    assert next_version(old, bump) == new


@pytest.mark.parametrize(
    ("old", "bump"), [("1.0", "minor"), ("v1.0.0", "patch"), ("01.0.0", "patch"), ("1.0.0", "huge")]
)
def test_next_version_refuses_what_it_cannot_bump(old: str, bump: str) -> None:
    with pytest.raises(ValueError, match="not"):
        next_version(old, bump)


def test_render_text_puts_counts_first_then_one_line_per_change(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    edit_rows(old, "sources", lambda rows: rows[:1], EVENTS)  # one resource of one row: "(1 row)"
    changed, gone = pick(old), pick(old, 1)
    count = changed.values["count"]
    edit_rows(new, "post_counts", lambda rows: bump_count(changed)([r for r in rows if not gone.matches(r)]))
    field = first_field(
        schema_of(old, "post_types"),
        lambda f: f.get("type", "string") == "string" and "minLength" not in constraints_of(f),
    )["name"]
    edit_schema(
        new, "post_types", lambda s: field_of(s, field).setdefault("constraints", {}).update(minLength=3)
    )
    shutil.rmtree(new / EVENTS)
    removed = ", ".join(
        rows_phrase(name, row_count(old, name, EVENTS)) for name in csv_resources(old, EVENTS)
    )
    blocks = {
        "post_types": [
            f"{NETWORK}/post_types: 0 added, 0 removed, 0 changed, 1 schema change",
            f"  field {field} constraint minLength (none) → 3 (tightened)",
        ],
        "post_counts": [
            f"{NETWORK}/post_counts: 0 added, 1 removed, 1 changed",
            f"  removed {gone.shown}",
            f"  changed {changed.shown}: count {count} → {bumped(count)}",
        ],
    }
    assert "(1 row)" in removed
    assert render_text(diff_releases(old, new)).splitlines() == [
        f"{EVENTS}: package removed ({removed})",
        *(line for name in csv_resources(old) if name in blocks for line in blocks[name]),
        f"bump: major (package {EVENTS} removed; "
        f"{NETWORK}/post_types: field {field} constraint minLength tightened)",
    ]


def test_render_text_cuts_long_values_where_they_differ(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    edit_rows(
        new, "post_types", lambda rows: [{**r, "definition": r["definition"] + " Updated."} for r in rows]
    )
    text = render_text(diff_releases(old, new), limit=1)
    changed = next(line for line in text.splitlines() if line.startswith("  changed "))
    assert "definition …" in changed and changed.endswith(" Updated.")
    rows = row_count(new, "post_types")
    assert f"  … and {rows - 1} more row changes" in text.splitlines()


def test_diff_to_dict_is_json_ready_with_bump_and_counts(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    picked = pick(old)
    count = picked.values["count"]
    edit_rows(new, "post_counts", bump_count(picked))
    found = diff_to_dict(diff_releases(old, new))
    assert json.loads(json.dumps(found)) == found and found["bump"] == "patch"
    network = next(p for p in found["packages"] if p["name"] == NETWORK)
    counts = next(r for r in network["resources"] if r["name"] == "post_counts")
    unchanged = row_count(old, "post_counts") - 1
    assert counts["counts"] == {"added": 0, "removed": 0, "changed": 1, "unchanged": unchanged, "schema": 0}
    assert counts["changed"] == [
        {"key": list(picked.key), "fields": [{"field": "count", "old": count, "new": bumped(count)}]}
    ]


def test_render_changelog_section_lists_counts_then_examples_by_key(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    picked = pick(old)
    edit_rows(new, "post_counts", bump_count(picked))
    section = render_changelog_section(diff_releases(old, new), "0.1.1", "2026-11-27")
    assert section.splitlines() == [
        "## 0.1.1 — 2026-11-27",
        "",
        "Patch: corrections only (values of existing rows changed, or rows removed).",
        "",
        f"### {NETWORK}",
        "",
        "- post_counts: 0 added, 0 removed, 1 changed",
        count_line(picked),
    ]


def test_render_changelog_section_shows_at_most_twenty_examples(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    edit_rows(new, "post_counts", lambda rows: rows + moved_rows(rows, 25))
    lines = render_changelog_section(diff_releases(old, new), "0.2.0", "2026-11-27").splitlines()
    assert sum(line.startswith("- post_counts: added `") for line in lines) == 20
    assert lines[-1] == "- post_counts: … and 5 more row changes"


def test_render_changelog_section_escapes_markdown_in_values(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    picked = pick(old)
    edit_rows(old, "post_counts", set_cell(picked, "evidence", "87 embassies"))
    edit_rows(new, "post_counts", set_cell(picked, "evidence", "*87* <embassies>"))
    section = render_changelog_section(diff_releases(old, new), "0.1.1", "2026-11-27")
    assert "evidence 87 embassies → \\*87\\* \\<embassies\\>" in section


def test_update_changelog_inserts_newest_first_under_the_heading(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    changelog = tmp_path / "CHANGELOG.md"
    update_changelog(changelog, render_changelog_section(diff_releases(old, old), "0.1.0", "2026-10-01"))
    picked = pick(old)
    edit_rows(new, "post_counts", bump_count(picked))
    update_changelog(changelog, render_changelog_section(diff_releases(old, new), "0.1.1", "2026-11-27"))
    text = changelog.read_text(encoding="utf-8")
    assert text.startswith(CHANGELOG_HEADING + "\n\n")
    assert text.index("## 0.1.1 — 2026-11-27") < text.index("## 0.1.0 — 2026-10-01")
    assert count_line(picked) in text and text.endswith("No changes to the data.\n") and "\n\n\n" not in text


def test_update_changelog_keeps_sections_in_version_order(tmp_path: Path) -> None:
    old = copy_release(tmp_path, "old")
    changelog = tmp_path / "CHANGELOG.md"
    for version in ("0.2.0", "0.10.0", "0.1.0", "0.3.1"):
        update_changelog(changelog, render_changelog_section(diff_releases(old, old), version, "2026-11-27"))
    headings = [line for line in changelog.read_text(encoding="utf-8").splitlines() if line.startswith("## ")]
    assert [h.split()[1] for h in headings] == ["0.10.0", "0.3.1", "0.2.0", "0.1.0"]


def test_update_changelog_replaces_the_section_of_the_same_version(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    changelog = tmp_path / "CHANGELOG.md"
    update_changelog(changelog, render_changelog_section(diff_releases(old, old), "0.1.0", "2026-10-01"))
    update_changelog(changelog, render_changelog_section(diff_releases(old, old), "0.1.1", "2026-11-26"))
    picked = pick(old)
    edit_rows(new, "post_counts", bump_count(picked))
    update_changelog(changelog, render_changelog_section(diff_releases(old, new), "0.1.1", "2026-11-27"))
    text = changelog.read_text(encoding="utf-8")
    assert text.count("## 0.1.1") == 1 and "2026-11-26" not in text and count_line(picked) in text
    assert text.index("## 0.1.1") < text.index("## 0.1.0")
    update_changelog(changelog, render_changelog_section(diff_releases(old, new), "0.1.1", "2026-11-27"))
    assert changelog.read_text(encoding="utf-8") == text


def test_update_changelog_refuses_a_file_without_the_heading(tmp_path: Path) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changes to the code\n", encoding="utf-8")
    with pytest.raises(DiffError, match=r"CHANGELOG\.md: not a data changelog"):
        update_changelog(changelog, "## 0.2.0 — 2026-11-27\n")
    assert changelog.read_text(encoding="utf-8") == "# Changes to the code\n"


def csv_table(path: Path, header: list[str], rows: list[list[str]], schema: dict[str, Any]) -> Table:
    """A table read from its CSV file a row at a time, as a release's large files are."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])
    rows_read = CsvRows(path, path.name, "utf-8", {}, tuple(header))
    return Table(path.stem, path.name, schema, tuple(header), rows_read)


@pytest.mark.parametrize("reordered", [False, True])
def test_files_compared_side_by_side_give_what_comparing_them_in_memory_gives(
    tmp_path: Path, reordered: bool
) -> None:
    fields = [{"name": "id"}, {"name": "n", "type": "integer"}, {"name": "a"}, {"name": "b"}]
    old_schema = {"fields": fields, "primaryKey": ["id", "n"]}
    new_schema = {"fields": [*fields, {"name": "c"}], "primaryKey": ["id", "n"]}
    # keys in key order: n as a number (9 before 10), empty first
    old_rows = [[i, str(n), f"a{i}{n}", "b"] for i in ("p", "q", "r") for n in ("", "9", "10")]
    new_rows = [row[:] for row in old_rows if row[:2] != ["q", "9"]]  # a row taken out
    new_rows[1][2] = "changed"
    new_rows.insert(5, ["q", "11", "a", "b"])  # a row added
    header = ["id", "n", "a", "b", "c"]
    new_rows = [[*row, "x"] for row in new_rows]
    if reordered:  # another order of the columns: the key's fields elsewhere
        order = [4, 2, 0, 3, 1]
        header, new_rows = [header[i] for i in order], [[row[i] for i in order] for row in new_rows]
    old = csv_table(tmp_path / "old.csv", ["id", "n", "a", "b"], old_rows, old_schema)
    new = csv_table(tmp_path / "new.csv", header, new_rows, new_schema)
    schema = compare_schemas(old.schema, new.schema)
    joined = merge_join(old, new, schema)
    assert joined is not None and joined == compare_indexed(old, new, schema)
    assert [r.key for r in joined.added] == [("q", "11")] and [r.key for r in joined.removed] == [("q", "9")]
    assert [(c.key, c.fields) for c in joined.changed] == [
        (("p", "9"), (FieldChange("a", "ap9", "changed"),))
    ]
    assert joined.added[0].values == dict(zip(header, new_rows[5], strict=True))
    assert joined.removed[0].values == dict(zip(old.header, old_rows[4], strict=True))
    # a file out of its key's order is not joined (the indexed comparison applies)
    shuffled = csv_table(tmp_path / "shuffled.csv", header, new_rows[::-1], new_schema)
    assert merge_join(old, shuffled, schema) is None
