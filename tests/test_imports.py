"""sqlite-utils imported without pandas (etl/imports.py), in fresh interpreters: pandas stays
unimported and importable, a database is built as with it, and a pandas imported before is used."""

from __future__ import annotations

import subprocess
import sys

from etl.layout import ROOT

WITHOUT = """
import sys, sqlite3, tempfile
from pathlib import Path
from etl.imports import sqlite_utils
module = sqlite_utils()
assert "pandas" not in sys.modules and module.db.pd is None
from etl.site.database import build_database
from etl.specs import load_packages
with tempfile.TemporaryDirectory() as folder:
    counts = build_database(Path("datapackages"), load_packages(), Path(folder) / "x.db")
    assert counts["articles"] > 0
    with sqlite3.connect(Path(folder) / "x.db") as db:
        print(db.execute("select count(*) from articles_fts").fetchone()[0] == counts["articles"])
assert "pandas" not in sys.modules
import pandas
print(pandas.DataFrame({"a": [1]}).shape)
"""
WITH = """
import pandas
from etl.imports import sqlite_utils
print(sqlite_utils().db.pd is pandas)
"""


def run(code: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_sqlite_utils_is_imported_without_pandas_and_builds_the_database() -> None:
    assert run(WITHOUT) == ["True", "(1,", "1)"]


def test_a_pandas_imported_before_is_sqlite_utils_own() -> None:
    assert run(WITH) == ["True"]
