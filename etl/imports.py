"""Importing a library without the optional libraries it would import for what the project never
asks of it.

sqlite-utils imports pandas, when it is installed, only to store pandas' Timestamp values as text:
the build gives it none (its rows come from CSV files as text and numbers), and importing pandas
was 0.3 of the 0.36 s that importing sqlite-utils took, at every build. `import_without` imports a
module with such libraries unavailable to it, unless they are imported already, and importable
again right after."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

# What sqlite-utils imports for values the build never gives it.
SQLITE_UTILS_OPTIONAL = ("pandas",)


def import_without(name: str, optional: tuple[str, ...]) -> ModuleType:
    """The module of that name, imported (if it is not already) with the optional modules that are
    not imported yet unavailable to it: an import of one raises ImportError meanwhile."""
    if name in sys.modules:
        return sys.modules[name]
    hidden = [other for other in optional if other not in sys.modules]
    for other in hidden:
        sys.modules[other] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        return importlib.import_module(name)
    finally:
        for other in hidden:
            if sys.modules.get(other, ...) is None:
                del sys.modules[other]


def sqlite_utils() -> ModuleType:
    """sqlite-utils, imported without pandas (see the module's docstring)."""
    return import_without("sqlite_utils", SQLITE_UTILS_OPTIONAL)
