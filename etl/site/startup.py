"""Importing Datasette for serving without what only its units need.

Datasette 0.65 imports its vendored copy of pint (units of measure, for tables whose metadata gives
`units`; the site's give none) with its first view, and builds pint's registry of units then. pint
imports numpy and dask.array when they are installed (dask is the build's optional executor), to
handle their arrays: together 0.45 s of the 0.7 s a serving process spent importing before its
first page. Here Datasette is imported with numpy, dask and pint's other optional libraries
unavailable to pint (they are importable again right after), and with a registry built on its first
use: units work as before, with plain Python numbers, the only ones Datasette gives them."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

from etl.imports import without

# What pint imports, if installed, for what Datasette never gives it (arrays, uncertainties, babel's
# names of units, a solver).
PINT_OPTIONAL = ("numpy", "dask", "uncertainties", "babel", "mip")


class LazyRegistry:
    """A pint registry built on first use."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._registry: Any = None

    def _built(self) -> Any:
        if self._registry is None:
            self._registry = self._make()
        return self._registry

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._built()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._built(), name)


def import_datasette() -> None:
    """Import Datasette's app, unless it is imported already, without what only units need."""
    if "datasette.views.base" in sys.modules:
        return
    with without(PINT_OPTIONAL):
        pint: Any = importlib.import_module("datasette.vendored.pint")
        registry = pint.UnitRegistry
        pint.UnitRegistry = lambda: LazyRegistry(registry)
        try:
            importlib.import_module("datasette.app")
        finally:
            pint.UnitRegistry = registry
