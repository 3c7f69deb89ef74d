"""The cells of table and row pages worked out in one lean loop (etl/site/cells.py): on every table
of the test release, its pages with and without foreign keys' labels, short and searched, and a
row page of each, the columns and cells are those of Datasette's own function, value and type."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import datasette.views.row
import datasette.views.table
import pytest
from datasette.utils import tilde_encode

from etl.site.cells import ARGUMENTS, NAME
from tests.conftest import Client


def typed(found: tuple[list[dict[str, Any]], list[Any]]) -> tuple[Any, ...]:
    """The columns and each cell's items, with the type of each value (Markup or str)."""
    columns, rows = found
    cells = [[{k: (type(v).__name__, v) for k, v in cell.items()} for cell in row.cells] for row in rows]
    return columns, cells


@pytest.fixture
def compared(client: Client, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, bool]]]:
    """The tables whose cells were compared, and whether the lean loop worked them out itself."""
    client.get("/diplomacy/articles")  # the app is wrapped on its first request
    seen: list[tuple[str, bool]] = []
    for module in (datasette.views.table, datasette.views.row):
        lean = getattr(module, NAME)
        assert hasattr(lean, "__wrapped__")

        def both(*args: Any, lean: Any = lean, **kwargs: Any) -> Any:
            async def run() -> Any:
                ours = await lean(*args, **kwargs)
                theirs = await lean.__wrapped__(*args, **kwargs)
                assert typed(ours) == typed(theirs), args[2]
                plain = not any(isinstance(v, bytes | dict) for row in args[4] for v in row)
                seen.append((args[2], plain))
                return ours

            return run()

        monkeypatch.setattr(module, NAME, both)
    yield seen


def test_every_table_page_has_datasettes_cells(client: Client, compared: list[tuple[str, bool]]) -> None:
    from datasette.plugins import pm

    assert pm.hook.render_cell.positional(ARGUMENTS) is not None  # the lean loop may run
    tables = [t["name"] for t in client.get("/diplomacy.json").json()["tables"] if not t["hidden"]]
    assert len(tables) > 15
    for table in tables:
        for query in ("", "?_labels=on", "?_size=3"):
            assert client.get(f"/diplomacy/{table}{query}").status_code == 200, (table, query)
        rows = client.get(f"/diplomacy/{table}.json?_shape=objects&_size=1").json()
        if rows.get("rows") and rows.get("primary_keys"):
            key = ",".join(tilde_encode(str(rows["rows"][0][k])) for k in rows["primary_keys"])
            assert client.get(f"/diplomacy/{table}/{key}").status_code == 200, (table, key)
    assert client.get("/diplomacy/articles?_search=embassy").status_code == 200
    assert {t for t, _ in compared} >= set(tables)
    assert sum(plain for _, plain in compared) > len(tables)  # most pages worked out by the lean loop


class Bold:
    """A second render_cell implementation: a language in bold, an awaitable for a title."""

    @staticmethod
    def render_cell(value: Any, column: str) -> Any:
        from markupsafe import Markup

        if column == "language":
            return Markup(f"<b>{value}</b>")
        if column == "title":

            async def later() -> Any:
                return Markup(f"<i>{value}</i>")

            return later
        return None


def test_several_implementations_answer_as_through_pluggy(
    client: Client, compared: list[tuple[str, bool]]
) -> None:
    from datasette import hookimpl
    from datasette.plugins import pm

    plugin = Bold()
    plugin.render_cell = hookimpl(Bold.render_cell)  # type: ignore[method-assign]
    pm.register(plugin, name="test-cells-bold")
    try:
        assert len(pm.hook.render_cell.positional(ARGUMENTS)) == 2
        page = client.get("/diplomacy/articles?_size=7")
        assert page.status_code == 200 and "<b>en</b>" in page.text and "<i>" in page.text
    finally:
        pm.unregister(name="test-cells-bold")
    assert ("articles", True) in compared
