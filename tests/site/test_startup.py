"""Datasette imported for serving without what only its units need (etl/site/startup.py): units
still work, and the libraries left out are importable after; the templates compiled by one start
are not compiled again by the next."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment

from etl.layout import ROOT
from tests.conftest import Client

CHECK = """
import sys
from etl.site.startup import PINT_OPTIONAL, import_datasette

import_datasette()
print(*sorted(name for name in PINT_OPTIONAL if name in sys.modules))
from datasette.filters import Filters
from datasette.views.base import ureg

print(ureg("3 m").to("cm"))
where, params = Filters([("height__gt", "2 m")], {"height": "cm"}, ureg).build_where_clauses("t")
print(where, params)
import numpy

print(numpy.__name__)
"""


def test_datasette_is_imported_without_numpy_and_its_units_still_work() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    lines = done.stdout.splitlines()
    assert lines[0] == ""  # none of pint's optional libraries imported
    assert lines[1] == "300.0 centimeter"
    assert (
        lines[2] == "['\"height\" > :p0'] {'p0': '200.0'}"
    )  # a filter in metres on a column in cm, as before
    assert lines[3] == "numpy"


def test_a_start_compiles_no_template_compiled_by_an_earlier_one(
    release: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = Client(release)
    try:
        page = first.get("/")  # compiled, or read from the cache of an earlier run
    finally:
        first.close()
    compiled: list[str | None] = []
    original = Environment.compile

    def counted(self: Environment, source: Any, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        compiled.append(name)
        return original(self, source, name, *args, **kwargs)

    monkeypatch.setattr(Environment, "compile", counted)
    again = Client(release)
    try:
        assert again.get("/").text == page.text
        assert again.app.jinja_env.bytecode_cache is not None
    finally:
        again.close()
    assert compiled == []
