"""Comparing releases row by row: rows, resources, packages and schemas that changed, the version
bump they need, the text report and the Markdown changelog of the data."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from etl.changelog import (
    CHANGELOG_HEADING,
    render_changelog_section,
    render_text,
    update_changelog,
)
from etl.diff import (
    ConstraintChange,
    DiffError,
    FieldChange,
    KeyChange,
    ReleaseDiff,
    ResourceDiff,
    RowChange,
    TypeChange,
    classify,
    diff_releases,
    diff_to_dict,
    next_version,
    tightens,
)
from etl.layout import DATAPACKAGES, ROOT

NETWORK = "diplomacy-network"
EVENTS = "diplomacy-events"
NEWS = "diplomacy-news"
SEED_ID = "000_03760b43a54f4e20"
EMBASSY = (SEED_ID, "2025-02", "fps", "embassy")
CONSULATE = (SEED_ID, "2025-02", "fps", "consulate")
EMBASSY_LINE = f"- post_counts: changed `{'/'.join(EMBASSY)}`: count 87 → 88"

Rows = list[dict[str, str]]


def copy_release(tmp_path: Path, name: str) -> Path:
    """A copy of the committed datapackages folder."""
    return Path(shutil.copytree(ROOT / DATAPACKAGES, tmp_path / name))


def old_and_new(tmp_path: Path) -> tuple[Path, Path]:
    """Two identical copies of the committed release, to edit the second."""
    return copy_release(tmp_path, "old"), copy_release(tmp_path, "new")


def csv_path(release: Path, resource: str, package: str = NETWORK) -> Path:
    """The CSV file of a resource."""
    return release / package / "data" / f"{resource}.csv"


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


def set_cell(key: tuple[str, ...], field: str, value: str) -> Callable[[Rows], Rows]:
    """An edit setting one cell of the post_counts row with this key."""

    def edit(rows: Rows) -> Rows:
        for row in rows:
            if (row["source"], row["as_of"], row["typology"], row["post_type"]) == key:
                row[field] = value
        return rows

    return edit


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
    assert resource_diff(diff, "post_counts").unchanged == 6
    assert render_text(diff) == "no changes\nbump: none\n"


def test_diff_releases_reports_changed_cells_with_old_and_new_values(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    edit_rows(new, "post_counts", set_cell(EMBASSY, "count", "88"))
    found = resource_diff(diff_releases(old, new), "post_counts")
    assert found.changed == (RowChange(EMBASSY, (FieldChange("count", "87", "88"),)),)
    assert (found.added, found.removed, found.unchanged) == ((), (), 5)


def test_diff_releases_reports_added_and_removed_rows_by_composite_key(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    later = {
        **dict(zip(("source", "as_of", "typology", "post_type"), EMBASSY, strict=True)),
        "as_of": "2025-03",
    }

    def edit(rows: Rows) -> Rows:
        kept = [r for r in rows if r["post_type"] != "consulate"]
        return [*kept, {**rows[0], **later}]

    edit_rows(new, "post_counts", edit)
    found = resource_diff(diff_releases(old, new), "post_counts")
    assert [r.key for r in found.added] == [(SEED_ID, "2025-03", "fps", "embassy")]
    assert [r.key for r in found.removed] == [CONSULATE]
    assert found.removed[0].values["count"] == "3" and found.changed == ()


def test_diff_releases_matches_rows_whatever_their_order(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    edit_rows(new, "post_counts", lambda rows: rows[::-1])
    assert diff_releases(old, new).is_empty


def test_diff_releases_compares_values_as_strings_with_empty_as_null(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    edit_rows(new, "post_counts", set_cell(EMBASSY, "count", "087"))
    edit_rows(new, "post_totals", lambda rows: [{**rows[0], "evidence": "115 posts"}])
    diff = diff_releases(old, new)
    assert resource_diff(diff, "post_counts").changed[0].fields == (FieldChange("count", "87", "087"),)
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
    assert [(r.name, r.rows) for r in network.resources_removed] == [("post_totals", 1)]


def test_diff_releases_reports_packages_added_and_removed(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    shutil.rmtree(new / EVENTS)
    diff = diff_releases(old, new)
    assert [p.name for p in diff.packages_removed] == [EVENTS] and diff.packages_added == ()
    assert [(r.name, r.rows) for r in diff.packages_removed[0].resources][:3] == [
        ("sources", 1),
        ("persons", 3),
        ("events", 1),
    ]
    assert [p.name for p in diff_releases(new, old).packages_added] == [EVENTS]


def test_diff_releases_reports_schema_changes_per_field(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)

    def edit(schema: dict[str, Any]) -> None:
        field_of(schema, "count")["type"] = "number"
        field_of(schema, "count")["constraints"]["minimum"] = 1
        del field_of(schema, "evidence")["constraints"]["required"]
        schema["fields"].append({"name": "note", "type": "string"})

    edit_schema(new, "post_counts", edit)
    schema = resource_diff(diff_releases(old, new), "post_counts").schema
    assert schema.fields_added == ("note",) and schema.fields_removed == ()
    assert schema.types_changed == (TypeChange("count", "integer", "number"),)
    assert schema.constraints_changed == (
        ConstraintChange("count", "minimum", 0, 1, tightened=True),
        ConstraintChange("evidence", "required", True, None, tightened=False),
    )
    assert schema.primary_key is None


def test_diff_releases_reads_package_zips_and_single_package_folders(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    edit_rows(new, "post_counts", set_cell(EMBASSY, "count", "88"))
    archive = zip_package(old / NETWORK, tmp_path / f"{NETWORK}.zip", f"{NETWORK}/")
    diff = diff_releases(archive, new / NETWORK)
    assert [p.name for p in diff.packages] == [NETWORK]
    assert resource_diff(diff, "post_counts").changed[0].key == EMBASSY
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

    def edit(schema: dict[str, Any]) -> None:
        schema["fields"].append({"name": "edition", "type": "string"})
        schema["primaryKey"] = [*schema["primaryKey"], "edition"]

    edit_schema(new, "post_counts", edit)
    edit_rows(
        new,
        "post_counts",
        lambda rows: [{**r, "edition": "1"} for r in set_cell(EMBASSY, "count", "88")(rows)],
    )
    found = resource_diff(diff_releases(old, new), "post_counts")
    assert found.key == ("source", "as_of", "typology", "post_type")
    assert found.changed == (RowChange(EMBASSY, (FieldChange("count", "87", "88"),)),)
    assert found.schema.primary_key == KeyChange(found.key, (*found.key, "edition"))


def test_diff_releases_reports_every_row_when_no_key_fits_both(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)

    def rename(schema: dict[str, Any]) -> None:
        field_of(schema, "post_type")["name"] = "kind"
        schema["primaryKey"] = ["source", "as_of", "typology", "kind"]

    edit_schema(new, "post_counts", rename)
    edit_rows(
        new,
        "post_counts",
        lambda rows: [{("kind" if k == "post_type" else k): v for k, v in r.items()} for r in rows],
    )
    found = resource_diff(diff_releases(old, new), "post_counts")
    assert found.key == () and len(found.added) == len(found.removed) == 6
    assert "rows not matched" in render_text(diff_releases(old, new))


@pytest.mark.parametrize(
    ("break_release", "names", "reason"),
    [
        (lambda r: shutil.rmtree(r), "", "not found"),
        (lambda r: [shutil.rmtree(p) for p in r.iterdir() if p.is_dir()], "", "not a release"),
        (lambda r: csv_path(r, "post_counts").unlink(), f"{NETWORK}/data/post_counts.csv", "missing"),
        (
            lambda r: edit_rows(r, "post_counts", lambda rows: [*rows, rows[4]]),
            f"{NETWORK}/data/post_counts.csv",
            f"duplicate primary key {'/'.join(EMBASSY)} (source, as_of, typology, post_type) in rows 5 and 7",
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
    tmp_path: Path, break_release: Callable[[Path], object], names: str, reason: str
) -> None:
    old, new = old_and_new(tmp_path)
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
        (lambda r: edit_rows(r, "post_counts", set_cell(EMBASSY, "count", "88")), "patch"),
        (lambda r: edit_rows(r, "post_counts", lambda rows: rows[1:]), "patch"),
        (
            lambda r: edit_rows(r, "post_counts", lambda rows: [*rows, {**rows[0], "as_of": "2025-03"}]),
            "minor",
        ),
        (lambda r: edit_schema(r, "post_counts", lambda s: s["fields"].append({"name": "note"})), "minor"),
        (
            lambda r: edit_schema(r, "post_counts", lambda s: field_of(s, "evidence").pop("constraints")),
            "minor",
        ),
        (lambda r: edit_schema(r, "post_counts", lambda s: s["fields"].pop()), "major"),
        (
            lambda r: edit_schema(r, "post_counts", lambda s: field_of(s, "count").update(type="string")),
            "major",
        ),
        (
            lambda r: edit_schema(
                r, "post_counts", lambda s: field_of(s, "count")["constraints"].update(maximum=9)
            ),
            "major",
        ),
        (lambda r: edit_schema(r, "post_counts", lambda s: s.update(primaryKey=["evidence"])), "major"),
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
    edit_rows(new, "post_counts", lambda rows: set_cell(EMBASSY, "count", "88")(rows[:1] + rows[2:]))
    edit_schema(new, "post_types", lambda s: field_of(s, "definition")["constraints"].update(minLength=3))
    shutil.rmtree(new / EVENTS)
    assert render_text(diff_releases(old, new)).splitlines() == [
        f"{EVENTS}: package removed (sources (1 row), persons (3 rows), events (1 row), "
        "event_participant_groups (3 rows), event_themes (2 rows), event_speakers (3 rows))",
        f"{NETWORK}/post_types: 0 added, 0 removed, 0 changed, 1 schema change",
        "  field definition constraint minLength (none) → 3 (tightened)",
        f"{NETWORK}/post_counts: 0 added, 1 removed, 1 changed",
        f"  removed {'/'.join(CONSULATE)}",
        f"  changed {'/'.join(EMBASSY)}: count 87 → 88",
        f"bump: major (package {EVENTS} removed; "
        f"{NETWORK}/post_types: field definition constraint minLength tightened)",
    ]


def test_render_text_cuts_long_values_where_they_differ(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    edit_rows(
        new, "post_types", lambda rows: [{**r, "definition": r["definition"] + " Updated."} for r in rows]
    )
    text = render_text(diff_releases(old, new), limit=1)
    changed = next(line for line in text.splitlines() if line.startswith("  changed "))
    assert "definition …" in changed and changed.endswith(" Updated.")
    rows = len(csv_path(new, "post_types").read_text(encoding="utf-8").splitlines()) - 1
    assert f"  … and {rows - 1} more row changes" in text.splitlines()


def test_diff_to_dict_is_json_ready_with_bump_and_counts(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    edit_rows(new, "post_counts", set_cell(EMBASSY, "count", "88"))
    found = diff_to_dict(diff_releases(old, new))
    assert json.loads(json.dumps(found)) == found and found["bump"] == "patch"
    network = next(p for p in found["packages"] if p["name"] == NETWORK)
    counts = next(r for r in network["resources"] if r["name"] == "post_counts")
    assert counts["counts"] == {"added": 0, "removed": 0, "changed": 1, "unchanged": 5, "schema": 0}
    assert counts["changed"] == [
        {"key": list(EMBASSY), "fields": [{"field": "count", "old": "87", "new": "88"}]}
    ]


def test_render_changelog_section_lists_counts_then_examples_by_key(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    edit_rows(new, "post_counts", set_cell(EMBASSY, "count", "88"))
    section = render_changelog_section(diff_releases(old, new), "0.1.1", "2026-11-27")
    assert section.splitlines() == [
        "## 0.1.1 — 2026-11-27",
        "",
        "Patch: corrections only (values of existing rows changed, or rows removed).",
        "",
        f"### {NETWORK}",
        "",
        "- post_counts: 0 added, 0 removed, 1 changed",
        EMBASSY_LINE,
    ]


def test_render_changelog_section_shows_at_most_twenty_examples(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    edit_rows(
        new, "post_counts", lambda rows: rows + [{**rows[0], "as_of": f"{1990 + i}"} for i in range(25)]
    )
    lines = render_changelog_section(diff_releases(old, new), "0.2.0", "2026-11-27").splitlines()
    assert sum(line.startswith("- post_counts: added `") for line in lines) == 20
    assert lines[-1] == "- post_counts: … and 5 more row changes"


def test_render_changelog_section_escapes_markdown_in_values(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    edit_rows(new, "post_counts", set_cell(EMBASSY, "evidence", "*87* <embassies>"))
    section = render_changelog_section(diff_releases(old, new), "0.1.1", "2026-11-27")
    assert "evidence 87 embassies → \\*87\\* \\<embassies\\>" in section


def test_update_changelog_inserts_newest_first_under_the_heading(tmp_path: Path) -> None:
    old, new = old_and_new(tmp_path)
    changelog = tmp_path / "CHANGELOG.md"
    update_changelog(changelog, render_changelog_section(diff_releases(old, old), "0.1.0", "2026-10-01"))
    edit_rows(new, "post_counts", set_cell(EMBASSY, "count", "88"))
    update_changelog(changelog, render_changelog_section(diff_releases(old, new), "0.1.1", "2026-11-27"))
    text = changelog.read_text(encoding="utf-8")
    assert text.startswith(CHANGELOG_HEADING + "\n\n")
    assert text.index("## 0.1.1 — 2026-11-27") < text.index("## 0.1.0 — 2026-10-01")
    assert EMBASSY_LINE in text and text.endswith("No changes to the data.\n") and "\n\n\n" not in text


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
    edit_rows(new, "post_counts", set_cell(EMBASSY, "count", "88"))
    update_changelog(changelog, render_changelog_section(diff_releases(old, new), "0.1.1", "2026-11-27"))
    text = changelog.read_text(encoding="utf-8")
    assert text.count("## 0.1.1") == 1 and "2026-11-26" not in text and EMBASSY_LINE in text
    assert text.index("## 0.1.1") < text.index("## 0.1.0")
    update_changelog(changelog, render_changelog_section(diff_releases(old, new), "0.1.1", "2026-11-27"))
    assert changelog.read_text(encoding="utf-8") == text


def test_update_changelog_refuses_a_file_without_the_heading(tmp_path: Path) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changes to the code\n", encoding="utf-8")
    with pytest.raises(DiffError, match=r"CHANGELOG\.md: not a data changelog"):
        update_changelog(changelog, "## 0.2.0 — 2026-11-27\n")
    assert changelog.read_text(encoding="utf-8") == "# Changes to the code\n"
