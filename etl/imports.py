"""Importing a library without the optional libraries it would import for what the project never
asks of it.

sqlite-utils imports pandas, when it is installed, only to store pandas' Timestamp values as text:
the build gives it none (its rows come from CSV files as text and numbers), and importing pandas
was 0.3 of the 0.36 s that importing sqlite-utils took, at every build. `import_without` imports a
module with such libraries unavailable to it, unless they are imported already, and importable
again right after (`without`, which etl/site/startup.py uses for Datasette's units too)."""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Iterator
from types import ModuleType

# What sqlite-utils imports for values the build never gives it.
SQLITE_UTILS_OPTIONAL = ("pandas",)


@contextlib.contextmanager
def without(optional: tuple[str, ...]) -> Iterator[None]:
    """While in the block, the optional modules not imported yet are unavailable (an import of one
    raises ImportError); importable again after it."""
    hidden = [name for name in optional if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        yield
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


def import_without(name: str, optional: tuple[str, ...]) -> ModuleType:
    """The module of that name, imported (if it is not already) with the optional modules that are
    not imported yet unavailable to it (see without)."""
    if name in sys.modules:
        return sys.modules[name]
    with without(optional):
        return importlib.import_module(name)


def sqlite_utils() -> ModuleType:
    """sqlite-utils, imported without pandas (see the module's docstring)."""
    return import_without("sqlite_utils", SQLITE_UTILS_OPTIONAL)
