"""The rows of Datasette's table and row pages as HTML, written in Python: the same bytes that
Datasette's own template `_table.html` writes for them, in one loop.

Datasette renders its templates in Jinja's async mode, where each turn of a loop is a trip through
an async iterator and each value a call: its two loops over the rows and their cells cost about a
third of a page of articles that nobody asked for before (18 columns, 100 rows: 1,800 cells). The
site's `_table.html` (etl/site/templates) is Datasette's with those two loops replaced by one call
of `rows_html`, registered in the app's template environment by the plugin;
tests/site/test_rows.py checks that every page is byte for byte what Datasette's template writes.
An article's row page finds its title and language in its row with `row_value`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from datasette.utils import to_css_class
from markupsafe import Markup, escape

# What Datasette's `_table.html` writes around each row and each cell (its indentation and line
# breaks included, as Jinja writes them with Datasette's settings: no trimming of blocks).
ROW_START = "\n            <tr>\n                "
ROW_END = "\n            </tr>\n        "
CELL_START = '\n                    <td class="col-{css} type-{kind}">'
CELL_END = "</td>\n                "


def rows_html(rows: Iterable[Iterable[Mapping[str, Any]]]) -> Markup:
    """The body of a page's table: each row's cells as `_table.html` writes them, every value
    escaped as Jinja escapes it (markup such as a link Datasette made is kept, anything else escaped,
    None written `None`)."""
    starts: dict[tuple[str, str], str] = {}  # each (column, type)'s opening of a cell
    parts: list[str] = []
    append = parts.append
    for row in rows:
        append(ROW_START)
        for cell in row:
            where = (cell["column"], cell["value_type"])
            start = starts.get(where)
            if start is None:
                css, kind = escape(to_css_class(where[0])), escape(where[1])
                start = starts[where] = CELL_START.format(css=css, kind=kind)
            append(start)
            append(escape(cell["value"]))
            append(CELL_END)
        append(ROW_END)
    return Markup("".join(parts))


def row_value(rows: Iterable[Iterable[Mapping[str, Any]]], column: str) -> Markup:
    """A column's value in a row page's row, escaped (its article's title and language): what a
    template's loop over the row's cells writes, without the loop."""
    return Markup("".join(escape(cell["raw"]) for row in rows for cell in row if cell["column"] == column))
