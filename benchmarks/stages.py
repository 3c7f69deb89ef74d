"""Benchmark of two stages of a built release against the plain tools doing the same job:

- validation: the build's (`validate_release`: frictionless on every CSV resource, no error limit,
  plus the copies' and the project's own checks) against plain frictionless validating the same
  CSV resources (`frictionless.Package(...).validate()` on a descriptor of the CSV resources only;
  plain frictionless on the Parquet twins reads them through pandas, minutes at scale, which would
  only flatter the ratio);
- the database: the build's (`build_database`: types, keys, indexes, full-text search) against
  reading the same CSV files and inserting their rows with `executemany` into bare tables.

    python -m benchmarks.stages ROOT

ROOT is a folder a build published into (for example a `--keep` folder's release-N of
benchmarks/build.py). Prints each time and the ratio."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sqlite3
import tempfile
import time
from pathlib import Path

import frictionless

from etl.layout import DATAPACKAGES
from etl.package import validate_release
from etl.site.database import build_database
from etl.specs import load_packages


def plain_validation(packages: Path) -> float:
    """Seconds plain frictionless takes to validate the CSV resources of every package."""
    started = time.perf_counter()
    for descriptor in sorted(packages.glob("*/datapackage.json")):
        data = json.loads(descriptor.read_text(encoding="utf-8"))
        data["resources"] = [r for r in data["resources"] if r.get("format") == "csv"]
        report = frictionless.Package(data, basepath=str(descriptor.parent)).validate()
        if not report.valid:
            raise SystemExit(f"{descriptor}: plain frictionless found errors")
    return time.perf_counter() - started


def plain_load(packages: Path, database: Path) -> float:
    """Seconds to read every CSV file and insert its rows with executemany into a bare table."""
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    for path in sorted(packages.glob("*/data/*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            table = f"{path.parent.parent.name}_{path.stem}".replace("-", "_")
            connection.execute(f"CREATE TABLE [{table}] ({', '.join(f'[{h}]' for h in header)})")
            marks = ", ".join("?" for _ in header)
            connection.executemany(f"INSERT INTO [{table}] VALUES ({marks})", reader)
    connection.commit()
    connection.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("root", type=Path)
    args = parser.parse_args()
    packages = args.root / DATAPACKAGES
    started = time.perf_counter()
    problems = validate_release(packages, jobs=os.cpu_count() or 1)  # as the build runs it
    ours = time.perf_counter() - started
    if problems:
        raise SystemExit(f"{len(problems)} problem(s), first: {problems[0]}")
    plain = plain_validation(packages)
    print(f"validation: build {ours:.1f} s, plain frictionless {plain:.1f} s, ratio {ours / plain:.2f}")
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        parts: dict[str, float] = {}
        build_database(packages, load_packages(), Path(scratch) / "built.db", parts)
        built = time.perf_counter() - started
        bare = plain_load(packages, Path(scratch) / "bare.db")
    print(
        f"database: build {built:.1f} s (rows {parts['rows']:.1f} s, indexes and full text "
        f"{parts['indexes']:.1f} s, vacuum {parts['vacuum']:.1f} s), plain executemany {bare:.1f} s; "
        f"ratio {built / bare:.2f}, rows alone {parts['rows'] / bare:.2f}"
    )


if __name__ == "__main__":
    main()
