"""The rows of table and row pages, written by the site's `_table.html` with rows_html
(etl/site/rows.py): byte for byte what Datasette's own template writes."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from markupsafe import Markup

import etl.site.metadata
from etl.layout import DATABASE
from etl.site.rows import rows_html
from tests.conftest import Client

SEED_ID = "000_03760b43a54f4e20"
# Pages of every kind of cell: links to a row and to a foreign key's row with its label, long text
# cut to a preview, numbers, empty cells, addresses, a page filtered, sorted, faceted and searched.
PAGES = (
    f"/diplomacy/articles/{SEED_ID}",
    "/diplomacy/paragraphs?_sort_desc=char_start&_size=7",
    "/diplomacy/quotes?_search=partner",
    "/diplomacy/post_counts?_facet=post_type&count__gt=10",
    "/diplomacy/post_counts?_size=3&_sort=count",
    "/diplomacy/persons?_col=name",
    "/diplomacy/build_warnings?_size=5",
    "/diplomacy/articles?id=nothing",
)
# The time the page's queries took, which its footer says.
TOOK = re.compile(r"took [0-9.]+ms")


@pytest.fixture(scope="module")
def stock_client(mixed_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """The site with Datasette's own `_table.html`: its templates without the site's."""
    templates = tmp_path_factory.mktemp("templates") / "templates"
    shutil.copytree(etl.site.metadata.TEMPLATES_DIR, templates, ignore=shutil.ignore_patterns("_table.html"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(etl.site.metadata, "TEMPLATES_DIR", templates)
        found = Client(mixed_release)
    yield found
    found.close()


# The loop over a row page's cells that row_value stands for in the site's article page.
CELL_LOOP = (
    "{{% for row in display_rows %}}{{% for cell in row %}}{{% if cell.column == {column!r} %}}"
    "{{{{ cell.raw }}}}{{% endif %}}{{% endfor %}}{{% endfor %}}"
)
ARTICLE_PAGE = "row-diplomacy-articles.html"


@pytest.fixture(scope="module")
def looping_client(mixed_release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """The site with its article page finding the title and language by a loop over the cells."""
    templates = tmp_path_factory.mktemp("templates") / "templates"
    shutil.copytree(etl.site.metadata.TEMPLATES_DIR, templates)
    page = templates / ARTICLE_PAGE
    text = page.read_text(encoding="utf-8")
    for column in ("title", "language"):
        text = text.replace(f'{{{{ row_value(display_rows, "{column}") }}}}', CELL_LOOP.format(column=column))
    assert "row_value" not in text
    page.write_text(text, encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(etl.site.metadata, "TEMPLATES_DIR", templates)
        found = Client(mixed_release)
    yield found
    found.close()


def table_pages(client: Client) -> list[str]:
    """The page of every table of the database, hidden ones included, but for the full-text indexes
    themselves: SQLite gives each row's hidden column named after the index a value of the moment."""
    tables = client.get("/diplomacy.json").json()["tables"]
    return [f"/diplomacy/{t['name']}" for t in tables if not t["name"].endswith("_fts")]


def test_every_table_page_is_what_datasettes_template_writes(
    mixed_client: Client, stock_client: Client
) -> None:
    templates = {
        c: Path(c.app.jinja_env.get_template("_table.html").filename) for c in (mixed_client, stock_client)
    }
    assert templates[mixed_client] == etl.site.metadata.TEMPLATES_DIR / "_table.html"
    assert templates[stock_client].parent.parent.name == "datasette"  # Datasette's own
    paths = [*table_pages(mixed_client), *PAGES]
    assert len(paths) > 20
    for path in paths:
        ours, stock = mixed_client.get(path), stock_client.get(path)
        assert ours.status_code == stock.status_code == 200, path
        assert TOOK.sub("", ours.text) == TOOK.sub("", stock.text), path
    assert 'class="long-text"' in mixed_client.get("/diplomacy/articles").text


def test_an_article_page_is_what_a_loop_over_its_cells_writes(
    mixed_release: Path, looping_client: Client
) -> None:
    # A fresh app, as the looping one is: Datasette 0.65 shows a row page's licence and source only
    # once a table page has been shown (it leaves them in the table's metadata).
    ours = Client(mixed_release)
    try:
        with sqlite3.connect(mixed_release / DATABASE) as db:
            ids = [row[0] for row in db.execute("select id from articles order by id")]
        assert len(ids) == 4  # among them an article titled with markup
        for article in ids:
            found, looped = (
                ours.get(f"/diplomacy/articles/{article}"),
                looping_client.get(f"/diplomacy/articles/{article}"),
            )
            assert found.status_code == looped.status_code == 200, article
            assert TOOK.sub("", found.text) == TOOK.sub("", looped.text), article
        hostile = ours.get("/diplomacy/articles/903_en_hostile_markup").text
    finally:
        ours.close()
    assert "<h1>=HYPERLINK(&#34;https://example.com/&#34;,&#34;&lt;script&gt;" in hostile
    assert '<article class="article-reading" lang="en">' in hostile


def test_rows_html_escapes_as_jinja_does() -> None:
    rows: list[list[dict[str, Any]]] = [
        [
            {"column": "id", "value": Markup('<a href="/x">x</a>'), "value_type": "pk"},
            {"column": "title", "value": '<script>alert("x")</script> & more', "value_type": "str"},
            {"column": "count", "value": 12, "value_type": "int"},
            {"column": "share", "value": 0.5, "value_type": "float"},
            {"column": "as of", "value": None, "value_type": "none"},
        ]
    ]
    found = rows_html(rows)
    assert isinstance(found, Markup)
    assert '<td class="col-id type-pk"><a href="/x">x</a></td>' in found
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more" in found
    assert '<td class="col-count type-int">12</td>' in found and ">0.5</td>" in found
    assert '<td class="col-as-of-' in found and ">None</td>" in found  # a column name that is no CSS class
    assert rows_html([]) == ""
