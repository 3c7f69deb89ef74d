"""Datasette imported for serving without what only its units need (etl/site/startup.py): units
still work, and the libraries left out are importable after."""

from __future__ import annotations

import subprocess
import sys

from etl.layout import ROOT

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
