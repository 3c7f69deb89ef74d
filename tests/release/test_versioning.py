"""The version of a release is chosen from its data files, which the diff reads as it reads a
published release, a row at a time, by a merge join on their keys."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from etl.layout import DATAPACKAGES
from etl.package import write_data
from etl.release.diff import compare_indexed, compare_releases, compare_schemas, compare_tables, merge_join
from etl.release.read import LAZY_BYTES, CsvRows, DiffError, Table, load_release
from etl.release.versioning import staged_release
from etl.release.versions import bump_reasons
from etl.specs import load_packages


def test_staged_release_reads_as_the_published_files(mixed_release: Path, tmp_path: Path) -> None:
    packages = load_packages()
    for package in packages:
        tables = {
            spec.name: json.loads(
                (mixed_release / DATAPACKAGES / package.name / "data" / f"{spec.name}.json").read_bytes()
            )
            for spec in package.resources
        }
        write_data(tmp_path / package.name, package, tables)
    staged = staged_release(tmp_path, packages)
    from_files = load_release(mixed_release / DATAPACKAGES)
    assert list(staged.packages) == list(from_files.packages)
    for name, package in from_files.packages.items():
        assert list(staged.packages[name].tables) == list(package.tables)
        for table_name, table in package.tables.items():
            assert isinstance(staged.packages[name].tables[table_name].rows, CsvRows)
            assert staged.packages[name].tables[table_name].rows == table.rows
    assert list(bump_reasons(compare_releases(from_files, staged))) == []


SCHEMA = {
    "fields": [{"name": "id", "type": "integer"}, {"name": "part", "type": "string"}, {"name": "v"}],
    "primaryKey": ["id", "part"],
}
HEADER = ("id", "part", "v")


def table(rows: list[dict[str, str]], schema: dict[str, object] = SCHEMA) -> Table:
    return Table("t", "t.csv", schema, HEADER, tuple(rows))


def ordered(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return sorted(rows, key=lambda r: (int(r["id"]), r["part"]))


def random_rows(seed: int) -> list[dict[str, str]]:
    draw = random.Random(seed)
    keys = {(draw.randrange(0, 40), draw.choice("abc")) for _ in range(draw.randrange(0, 60))}
    return [{"id": str(i), "part": p, "v": draw.choice(["x", "y", ""])} for i, p in keys]


@pytest.mark.parametrize("seed", range(40))
def test_the_merge_join_finds_what_the_indexed_comparison_finds(seed: int) -> None:
    old, new = table(ordered(random_rows(seed))), table(ordered(random_rows(seed + 1000)))
    schema = compare_schemas(old.schema, new.schema)
    joined = merge_join(old, new, schema)
    assert joined is not None
    assert joined == compare_indexed(old, new, schema)


def test_numbers_of_a_key_are_in_numeric_order() -> None:
    rows = [{"id": str(i), "part": "a", "v": ""} for i in (2, 10, 100)]  # "10" < "2" as strings
    schema = compare_schemas(SCHEMA, SCHEMA)
    assert merge_join(table(rows), table(rows[:2]), schema) is not None


def test_tables_out_of_key_order_are_compared_in_memory_with_the_same_result() -> None:
    rows = [{"id": str(i), "part": "a", "v": str(i)} for i in (3, 1, 2)]
    changed = [{**r, "v": "new"} if r["id"] == "1" else r for r in rows]
    old, new = table(rows), table(changed[::-1])
    assert merge_join(old, new, compare_schemas(old.schema, new.schema)) is None
    diff = compare_tables(old, new)
    assert [c.key for c in diff.changed] == [("1", "a")] and diff.unchanged == 2


def write_csv(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_large_file_is_read_lazily_and_checked_as_it_is_read(tmp_path: Path) -> None:
    package = tmp_path / "p"
    (package / "data").mkdir(parents=True)
    filler = "x" * 200
    count = LAZY_BYTES // 200 + 10
    write_csv(package / "data" / "t.csv", ["id,part,v", *(f"{i},a,{filler}" for i in range(count))])
    descriptor = {
        "name": "p",
        "version": "1.0.0",
        "resources": [{"name": "t", "path": "data/t.csv", "format": "csv", "schema": SCHEMA}],
    }
    (package / "datapackage.json").write_text(json.dumps(descriptor))
    lazy = load_release(package, lazy=True).packages["p"].tables["t"]
    assert isinstance(lazy.rows, CsvRows) and len(lazy.rows) == count
    assert compare_tables(lazy, lazy).unchanged == count
    # a repeated key found while comparing gives the error reading the file whole gives
    with (package / "data" / "t.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"0,a,{filler}\n")
    with pytest.raises(DiffError) as eager:
        load_release(package)
    lazy = load_release(package, lazy=True).packages["p"].tables["t"]
    with pytest.raises(DiffError) as raised:
        compare_tables(lazy, lazy)
    assert "duplicate primary key 0/a" in str(raised.value) and str(raised.value) == str(eager.value)
    # a row of another length, met on the way, names the file and the line
    write_csv(package / "data" / "t.csv", ["id,part,v", *(f"{i},a,{filler}" for i in range(count)), "1,b"])
    lazy = load_release(package, lazy=True).packages["p"].tables["t"]
    with pytest.raises(DiffError, match=r"t\.csv: line .* has 2 values, the header has 3"):
        len(lazy.rows)


def csv_table(
    path: Path, lines: list[str], schema: dict[str, object] = SCHEMA, count: int | None = None
) -> Table:
    """A table read lazily from a CSV file of lines (its rows counted beforehand when count is given)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(path, lines)
    return Table("t", path.name, schema, HEADER, CsvRows(path, path.name, "utf-8", {}, HEADER, count))


def rows_lines(count: int, changed: int | None = None) -> list[str]:
    return ["id,part,v", *(f"{i},a,{'y' if i == changed else 'x'}" for i in range(count))]


@pytest.mark.parametrize("keep", [None, 3])
def test_a_file_a_validated_release_has_byte_for_byte_is_unchanged_as_its_rows_say(
    tmp_path: Path, keep: int | None
) -> None:
    old = csv_table(tmp_path / "old" / "t.csv", rows_lines(50))
    new = csv_table(tmp_path / "new" / "t.csv", rows_lines(50))
    assert compare_tables(old, new, keep, validated=True) == compare_tables(old, new, keep)
    # the rows are not read: counted when written, a file that would not read as rows is unchanged
    broken = ["id,part,v", "0,a,x", "0,a,x", "1,b"]  # a repeated key, then a short row
    old = csv_table(tmp_path / "old" / "t.csv", broken)
    new = csv_table(tmp_path / "new" / "t.csv", broken, count=3)
    diff = compare_tables(old, new, keep, validated=True)
    assert diff.is_empty and diff.unchanged == 3 and diff.key == ("id", "part")
    with pytest.raises(DiffError):
        compare_tables(old, new, keep)


def test_a_file_other_than_the_validated_releases_is_compared_row_by_row(tmp_path: Path) -> None:
    old = csv_table(tmp_path / "old" / "t.csv", rows_lines(50))
    # one value changed, the same size
    new = csv_table(tmp_path / "new" / "t.csv", rows_lines(50, changed=7))
    diff = compare_tables(old, new, 5, validated=True)
    assert diff == compare_tables(old, new, 5) and diff.changed_count == 1
    # the same bytes under another primary key, or another encoding, are read row by row too
    old = csv_table(tmp_path / "old" / "t.csv", rows_lines(50))
    new = csv_table(tmp_path / "new" / "t.csv", rows_lines(50), {**SCHEMA, "primaryKey": ["id"]})
    assert compare_tables(old, new, validated=True) == compare_tables(old, new)
    assert compare_tables(old, new).schema.primary_key is not None
    latin = Table("t", "t.csv", SCHEMA, HEADER, CsvRows(old.rows.path, "t.csv", "latin-1", {}, HEADER))  # type: ignore[union-attr]
    assert (
        compare_tables(latin, csv_table(tmp_path / "new" / "t.csv", rows_lines(50)), validated=True).unchanged
        == 50
    )
    assert isinstance(latin.rows, CsvRows) and latin.rows.count == 50  # (read: another encoding)


def test_a_build_keeps_only_what_its_changelog_shows_with_the_same_section() -> None:
    from etl.release.changelog import MAX_EXAMPLES, render_changelog_section
    from etl.release.read import Package, Release
    from etl.release.versions import classify

    def release(rows: list[dict[str, str]]) -> Release:
        return Release("r", {"p": Package("p", "1.0.0", "p", {"t": table(rows)})})

    old = [{"id": str(i), "part": "a", "v": "x"} for i in range(0, 100, 2)]
    new = [{"id": str(i), "part": "a", "v": "y" if i % 4 else "x"} for i in range(0, 120)]
    whole, kept = (
        compare_releases(release(old), release(new)),
        compare_releases(release(old), release(new), 5),
    )
    (resource,) = kept.packages[0].resources
    assert len(resource.added) == 5 and resource.added_count == 70 and resource.changed_count == 25
    assert resource.counts == whole.packages[0].resources[0].counts
    assert classify(kept) == classify(whole)
    assert render_changelog_section(whole, "1.1.0", "2026-12-01") == render_changelog_section(
        compare_releases(release(old), release(new), MAX_EXAMPLES), "1.1.0", "2026-12-01"
    )
