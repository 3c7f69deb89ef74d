"""The version of a release is chosen from its rows, which the diff reads as it reads the files."""

from __future__ import annotations

import json
from pathlib import Path

from etl.layout import DATAPACKAGES
from etl.release.diff import compare_releases
from etl.release.read import load_release
from etl.release.versioning import release_of_rows
from etl.release.versions import bump_reasons
from etl.specs import load_packages


def test_release_of_rows_reads_as_the_files_written_from_them(mixed_release: Path) -> None:
    packages = load_packages()
    tables = {
        package.name: {
            spec.name: json.loads(
                (mixed_release / DATAPACKAGES / package.name / "data" / f"{spec.name}.json").read_bytes()
            )
            for spec in package.resources
        }
        for package in packages
    }
    from_rows = release_of_rows(packages, tables)
    from_files = load_release(mixed_release / DATAPACKAGES)
    assert list(from_rows.packages) == list(from_files.packages)
    for name, package in from_files.packages.items():
        assert list(from_rows.packages[name].tables) == list(package.tables)
        for table_name, table in package.tables.items():
            assert from_rows.packages[name].tables[table_name].rows == table.rows
    assert list(bump_reasons(compare_releases(from_files, from_rows))) == []
