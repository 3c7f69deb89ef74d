"""Datasette's `render_cell` hook called straight, without pluggy's machinery around each call.

Datasette calls `render_cell` once for every cell of a table, row or query page: 1,800 calls for a
page of 100 articles. Through pluggy each call checks its arguments against the spec, copies the list
of implementations and goes through the manager's execution function: five times what the site's
own implementation takes, an eighth of a page never asked for before. DirectHook calls the
implementations as pluggy would (last registered first, each with the arguments it names, the
answers that are not None in a list, an exception as it is raised), and hands the call to pluggy
whenever that could differ: a wrapper among the implementations, a hook answered by its first
result, an argument an implementation names that the call lacks, or a manager whose calls are
traced or monitored.

Datasette's `tilde_encode`, called for each row's link (its primary key) and each table's address,
encodes a string byte by byte through a generator: an id such as 000001_0d29c541 is its own
encoding, which `encode_plainly` has Datasette find at once, a tenth of a table page never asked for
before; any other string is encoded by Datasette's function."""

from __future__ import annotations

import importlib
import operator
import re
from collections.abc import Callable, Sequence
from typing import Any

HOOK = "render_cell"
# The characters tilde encoding keeps as they are, and the modules of Datasette that call it.
PLAIN = re.compile(r"[A-Za-z0-9_-]*")
TILDE_CALLERS = ("datasette.utils", "datasette.url_builder", "datasette.views.table")
# How to call a hook's implementations: each function with what picks its arguments from the call's,
# and the names of all the arguments they need.
Plan = tuple[
    tuple[tuple[Callable[..., Any], Callable[[dict[str, Any]], tuple[Any, ...]]], ...], frozenset[str]
]


def picker(keys: Sequence[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """What picks the items at these keys, in order, as a tuple: from a call's keyword arguments
    by their names, or from a tuple of values by their positions."""
    if not keys:
        return lambda found: ()
    if len(keys) == 1:
        key = keys[0]
        return lambda found: (found[key],)
    return operator.itemgetter(*keys)


class DirectHook:
    """A pluggy hook caller, called straight while its implementations are plain functions."""

    def __init__(self, caller: Any, manager: Any) -> None:
        self._caller = caller
        self._manager = manager
        self._hookexec = manager._inner_hookexec  # the untraced execution; tracing replaces it
        # The implementations last seen, and how to call them (in pluggy's order); None: through pluggy.
        self._seen: tuple[Any, ...] | None = None
        self._plan: Plan | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._caller, name)

    def plan(self) -> Plan | None:
        """How to call the implementations straight, worked out again whenever they change."""
        impls = tuple(self._caller._hookimpls)
        if impls != self._seen:
            spec = self._caller.spec
            if any(impl.hookwrapper or impl.wrapper for impl in impls) or (
                spec and spec.opts.get("firstresult")
            ):
                self._plan = None
            else:
                calls = tuple((impl.function, picker(impl.argnames)) for impl in reversed(impls))
                self._plan = calls, frozenset(name for impl in impls for name in impl.argnames)
            self._seen = impls
        return self._plan

    def __call__(self, **kwargs: Any) -> Any:
        plan = self.plan()
        if (
            plan is None
            or self._manager._inner_hookexec is not self._hookexec
            or not plan[1] <= kwargs.keys()
        ):
            return self._caller(**kwargs)
        results = []
        for function, picked in plan[0]:
            result = function(*picked(kwargs))
            if result is not None:
                results.append(result)
        return results

    def positional(
        self, names: tuple[str, ...]
    ) -> tuple[tuple[Callable[..., Any], Callable[[tuple[Any, ...]], tuple[Any, ...]]], ...] | None:
        """The implementations, in pluggy's order, each with what picks its arguments from the
        values of these arguments in this order (a tuple: no dictionary to build for each call),
        while the hook may be called straight; None when it must go through pluggy (see __call__)
        or an implementation names another argument."""
        plan = self.plan()
        if plan is None or self._manager._inner_hookexec is not self._hookexec or not plan[1] <= set(names):
            return None
        return tuple(
            (impl.function, picker([names.index(a) for a in impl.argnames]))
            for impl in reversed(tuple(self._caller._hookimpls))
        )


def call_directly(manager: Any, name: str = HOOK) -> None:
    """Have a plugin manager's hook of that name called straight (once: again is a no-op)."""
    caller = getattr(manager.hook, name)
    if not isinstance(caller, DirectHook):
        setattr(manager.hook, name, DirectHook(caller, manager))


def plain_first(encode: Callable[[str], str]) -> Callable[[str], str]:
    """A tilde encoding that gives a string of plain characters as it is, and any other as encode."""

    def tilde_encode(text: str) -> str:
        return text if PLAIN.fullmatch(text) else encode(text)

    tilde_encode.__wrapped__ = encode  # type: ignore[attr-defined]
    return tilde_encode


def encode_plainly(modules: tuple[str, ...] = TILDE_CALLERS) -> None:
    """Have Datasette's modules that call `tilde_encode` call it through plain_first (once)."""
    for name in modules:
        module = importlib.import_module(name)
        encode = getattr(module, "tilde_encode")  # noqa: B009 - a module mypy sees no attribute of
        if not hasattr(encode, "__wrapped__"):
            setattr(module, "tilde_encode", plain_first(encode))  # noqa: B010
