"""The cells of Datasette's table and row pages, worked out in one lean loop: what Datasette 0.65's
`display_columns_and_rows` gives, the same columns and the same cells, in less time.

For each of a page's cells (1,800 on a page of 100 articles), Datasette builds the six arguments of
the `render_cell` hook as a dictionary, works out the table's address again for every row, and
goes through its tests of a value one by one: about 8 of the 22 ms of a table page never asked for
before. Here the address is worked out once a page, the hook's implementations are called with the
values in a tuple (etl/site/hooks.py; a single one, the site's, straight), and a plain value (text,
a number, empty) takes the shortest way. The columns are Datasette's own (its function called
without rows), and a page with a value this loop does not handle as Datasette does (a binary value,
a foreign key's label, a unit) or a hook that must go through pluggy is handed to Datasette's
function whole. tests/site/test_cells.py checks every page against Datasette's function."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup, escape

# Where Datasette calls the function (each module holds it under its own name).
CALLERS = ("datasette.views.table", "datasette.views.row")
NAME = "display_columns_and_rows"
# The hook's arguments, in the order the loop gives them.
ARGUMENTS = ("row", "value", "column", "table", "database", "datasette")
LINK = '<a href="{table_path}/{quoted}">{flat}</a>'
URL = '<a href="{url}">{truncated}</a>'
EMPTY = Markup("&nbsp;")


def lean(original: Callable[..., Any]) -> Callable[..., Any]:
    """Datasette's display_columns_and_rows (original), its rows worked out in one lean loop."""
    from datasette.plugins import pm
    from datasette.utils import await_me_maybe, is_url, path_from_row_pks, truncate_url
    from datasette.views.table import Row

    from etl.site.hooks import DirectHook

    async def display_columns_and_rows(
        datasette: Any,
        database_name: str,
        table_name: str,
        description: Sequence[Sequence[Any]],
        rows: Sequence[Any],
        link_column: bool = False,
        truncate_cells: int = 0,
        sortable_columns: Any = None,
    ) -> tuple[list[dict[str, Any]], list[Any]]:
        hook = pm.hook.render_cell
        render = hook.positional(ARGUMENTS) if isinstance(hook, DirectHook) else None
        metadata = datasette.table_metadata(database_name, table_name)
        if (
            render is None
            or metadata.get("units")
            or any(isinstance(value, (bytes, dict)) for row in rows for value in row)
        ):
            return await original(  # type: ignore[no-any-return]
                datasette, database_name, table_name, description, rows, link_column, truncate_cells,
                sortable_columns,
            )  # fmt: skip
        columns, _ = await original(
            datasette,
            database_name,
            table_name,
            description,
            [],
            link_column,
            truncate_cells,
            sortable_columns,
        )
        only = render[0] if len(render) == 1 else None
        pks = await datasette.databases[database_name].primary_keys(table_name)
        names = [column[0] for column in description]
        single = len(pks) == 1
        repeated = pks[0] if link_column and single else None  # shown in the link column already
        table_path = datasette.urls.table(database_name, table_name) if link_column else ""
        cell_rows = []
        for row in rows:
            cells = []
            if link_column:
                flat = path_from_row_pks(row, pks, not pks, False)
                quoted = path_from_row_pks(row, pks, not pks)
                cells.append(
                    {
                        "column": pks[0] if single else "Link",
                        "value_type": "pk",
                        "is_special_link_column": not single,
                        "raw": flat,
                        "value": Markup(
                            LINK.format(table_path=table_path, quoted=quoted, flat=str(escape(flat)))
                        ),
                    }
                )
            for value, column in zip(row, names, strict=False):
                if column == repeated:
                    continue
                shown = None
                values = (row, value, column, table_name, database_name, datasette)
                if only is not None:  # one implementation (the site's): called straight
                    candidate = only[0](*only[1](values))
                    if candidate is not None:
                        shown = await await_me_maybe(candidate)
                else:
                    found = [a for f, picked in render if (a := f(*picked(values))) is not None]
                    for candidate in found:
                        candidate = await await_me_maybe(candidate)
                        if candidate is not None:
                            shown = candidate
                            break
                if shown:
                    display: Any = shown
                elif value in ("", None):
                    display = EMPTY
                elif is_url(str(value).strip()):
                    url = value.strip()
                    display = Markup(
                        URL.format(url=escape(url), truncated=escape(truncate_url(url, truncate_cells)))
                    )
                else:
                    display = str(value)
                    if truncate_cells and len(display) > truncate_cells:
                        display = display[:truncate_cells] + "\u2026"
                cells.append(
                    {
                        "column": column,
                        "value": display,
                        "raw": value,
                        "value_type": "none" if value is None else type(value).__name__,
                    }
                )
            cell_rows.append(Row(cells))
        return columns, cell_rows

    display_columns_and_rows.__wrapped__ = original  # type: ignore[attr-defined]
    return display_columns_and_rows


def work_cells_leanly(modules: tuple[str, ...] = CALLERS) -> None:
    """Have Datasette's table and row views work out their cells with lean (once)."""
    for name in modules:
        module = importlib.import_module(name)
        found = getattr(module, NAME)
        if not hasattr(found, "__wrapped__"):
            setattr(module, NAME, lean(found))
