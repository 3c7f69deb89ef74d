"""Datasette plugin of the project.

- Limits every SQLite connection's value length, so a query such as
  ``select length(hex(zeroblob(300000000)))`` is refused instead of eating memory, and replaces
  the built-in functions one call of which could outlast the time limit (etl/site/sqlguard.py).
- Gives the landing page (the template ``index.html`` of etl/site/templates) what it says about the
  release, and serves the downloads page at ``/-/downloads`` (and ``/-/downloads.json``).
- Shows long or multi-line text (an article's body) escaped, with its line breaks, cut to a preview
  with the rest behind a "read all" toggle on table and query pages, whole on row pages.
- Keeps every redirect on the site: a request path with a backslash or starting with ``//`` is
  refused (Datasette 0.65 answers ``/\\example.com/`` with ``Location: /\\example.com``, which browsers
  follow to example.com), and so is any response whose Location would leave the site.
- Works out once per release what its immutable database answers: a page asked for again, a table
  page's facets and counts, an article's marked text, the schema, which permissions apply to a
  table (etl/site/memo.py).
- Answers only GET and HEAD: the site is read-only, and Datasette 0.65 answers a POST to a table
  or a read-only canned query with a 500 error (and a long traceback in the log) instead of a 405.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Awaitable, Callable, Generator, MutableMapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from etl.layout import CHANGELOG, DATABASE, DOWNLOADS
from etl.site.article import Span, highlight
from etl.site.bounds import capped, counted_row, return_freed_memory
from etl.site.cells import work_cells_leanly
from etl.site.charts import load_charts
from etl.site.errors import error_response, replace_default_handler
from etl.site.functions import limit as limit_patterns
from etl.site.functions import refuse as refuse_functions
from etl.site.hooks import call_directly, encode_plainly
from etl.site.i18n import (
    COOKIE,
    COOKIE_MAX_AGE,
    DEFAULT_LANGUAGE,
    asked_language,
    language_links,
    period_label,
    request_language,
    texts,
)
from etl.site.landing import chart_svg, read_release, table_groups
from etl.site.lanes import Lanes, canned_queries, keep_time_limits, laned
from etl.site.memo import (
    kept_pages,
    memo_facet_class,
    memo_of,
    memoize_schema_reads,
    memoize_table_permissions,
    release_of,
)
from etl.site.metadata import (
    CHANGELOG_PAGE,
    CHARTS_PAGE,
    DOWNLOADS_PAGE,
    MAP_PAGE,
    PLUGIN,
    STATIC_MOUNT,
    USE_PAGE,
    VALUE_LENGTH_LIMIT,
)
from etl.site.params import Table, read_tables, refusal
from etl.site.recipes import load_recipes
from etl.site.rows import row_value, rows_html
from etl.site.schema_org import schema_org_script
from etl.site.sqlguard import install as install_sql_guard
from etl.site.worldmap import map_coverage, map_page_vars
from etl.specs import load_packages, resource_specs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# The files of the compiled templates, kept between starts in Jinja's folder of this user (made
# private by Jinja): a start compiles none of the landing page's templates again (0.1 s).
TEMPLATE_CACHE = "diplodata-async-%s.cache"
# Text longer than this is cut to a preview on table and query pages.
PREVIEW_CHARS = 200
# The path of the request being answered, for render_cell (which is not given the request).
REQUEST_PATH: ContextVar[str] = ContextVar("diplodata_request_path", default="")
# What browsers drop from a URL before parsing it: leading and trailing C0 controls and spaces,
# and tabs and newlines anywhere.
URL_STRIP = "".join(chr(c) for c in range(0x21))
URL_DROP = re.compile(r"[\t\n\r]")
NOT_FOUND = b"Not found"
NOT_ALLOWED = b"Method not allowed: this site is read-only"
READ_METHODS = ("GET", "HEAD")
# Datasette's debug and introspection pages, off on a public instance: they show the server's
# threads and the database's absolute path, let anyone try actors and permissions, and
# /-/messages sets a cookie on an anonymous GET.
CLOSED_PAGES = frozenset(
    f"/-/{name}{suffix}"
    for name in (
        "threads",
        "databases",
        "allow-debug",
        "patterns",
        "messages",
        "actor",
        "permissions",
        "auth-token",
        "logout",
    )
    for suffix in ("", ".json")
)


@hookimpl  # type: ignore[untyped-decorator]
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    """Bound what a query on this connection may build and read: the length of any string or blob,
    of a LIKE or GLOB pattern and the bytes of its rows (etl/site/bounds.py); replace the functions
    one call of which could outlast the time limit (etl/site/sqlguard.py) and refuse the dangerous
    ones (etl/site/functions.py)."""
    del database, datasette
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_LENGTH_LIMIT)
    limit_patterns(conn)
    conn.row_factory = counted_row
    install_sql_guard(conn, VALUE_LENGTH_LIMIT)
    refuse_functions(conn)


# -- Finding the release ------------------------------------------------------------------------------


def release_database(datasette: Any) -> tuple[Path, str] | None:
    """The folder of the release the instance serves and the name of its database, if it serves one."""
    for name, db in datasette.databases.items():
        if db.path and Path(db.path).name == DATABASE:
            return Path(db.path).resolve().parent, str(name)
    return None


# -- Landing and downloads pages ------------------------------------------------------------------


def page_vars(request: Any) -> dict[str, Any]:
    """What every page of the site knows of the visitor's language: its code, the interface texts
    in it, and the same page's address in each language."""
    lang = request_language(request) if request is not None else DEFAULT_LANGUAGE
    path = str(getattr(request, "path", "/") or "/")
    query = str(getattr(request, "query_string", "") or "")
    return {"ui_lang": lang, "t": texts(lang), "language_links": language_links(path, query)}


async def landing_vars(datasette: Any, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """The landing page's template variables: the release, its headline figure and network chart
    in the visitor's language, its tables, charts and queries."""
    found = release_database(datasette)
    if found is None:
        return {}
    root, name = found
    words = texts(lang)
    release = read_release(root)
    figure = release.headline
    db = datasette.get_database(name)
    hidden = set(await db.hidden_table_names())
    present = [t for t in await db.table_names() if t not in hidden]
    counts = await db.table_counts(limit=1000)
    queries = await datasette.get_canned_queries(name, None)
    config = datasette.plugin_config(PLUGIN) or {}
    return {
        "site": release,
        "site_database": name,
        "table_groups": table_groups(load_packages(), present, counts),
        "table_counts": counts,
        "charts": [chart_entry(c, lang) for c in load_charts()] or list(config.get("charts") or []),
        "map_coverage": map_coverage(root) if "network_coverage" in present else None,
        "headline": figure,
        "headline_total": f"{figure.total:,}" if figure else "",
        "headline_words": words.f("headline_posts", count="").strip() if figure else "",
        "headline_when": (
            words.f(
                "headline_when",
                date=period_label(figure.as_of, lang),
                source=Markup('<a href="{}">{}</a>').format(
                    datasette.urls.row(name, "sources", figure.source), figure.source_title
                ),
            )
            if figure
            else ""
        ),
        "network_chart": Markup(chart_svg(root, "network_latest", lang) or ""),
        "canned_queries": list(queries.values()),
        # A query with parameters is linked with its example values, so that it opens with rows.
        "query_examples": {
            path.rsplit("/", 1)[-1]: "?" + urlencode(values)
            for path, values in (config.get("examples") or {}).items()
        },
        "schema_org_script": Markup(schema_org_script(dict(release.schema_org))),
        "downloads_page": DOWNLOADS_PAGE,
        "changelog_page": CHANGELOG_PAGE,
    }


def chart_entry(chart: Any, lang: str) -> dict[str, str]:
    """A chart as the pages list it, in a language."""
    return {
        "id": chart.id,
        "title": chart.title(lang),
        "description": chart.description(lang),
        "query": chart.query,
        "svg": f"/{DOWNLOADS}/{chart.file(lang, '.svg')}",
        "png": f"/{DOWNLOADS}/{chart.file(lang, '.png')}",
        "spec": f"/{DOWNLOADS}/{chart.file(lang, '.vl.json')}",
    }


# Tables whose spans are the article's structure, not facts: not marked in its text.
STRUCTURE = ("paragraphs",)
ARTICLE_TABLE = "articles"


async def article_vars(datasette: Any, database: str, request: Any) -> dict[str, Any]:
    """An article's row page: its body with every fact's evidence marked and linked to its row,
    and how many facts of each table it states; worked out once per article and release
    (etl/site/memo.py)."""
    from datasette.utils import tilde_decode

    article_id = tilde_decode(str(request.url_vars.get("pks") or ""))
    release = release_of(datasette.get_database(database))
    if release is None:
        return await marked_article(datasette, database, article_id)
    return await memo_of(datasette).answer(
        ("article", release, database, article_id),
        lambda: marked_article(datasette, database, article_id),
        lambda found: len(str(found.get("article_text") or "")),
    )


async def marked_article(datasette: Any, database: str, article_id: str) -> dict[str, Any]:
    """An article's body with every fact's evidence marked and linked to its row, and how many facts
    of each table it states; {} when there is no such article or it has no body."""
    from datasette.utils import path_from_row_pks

    db = datasette.get_database(database)
    found = await db.execute("select body from articles where id = ?", [article_id])
    row = found.first()
    if row is None or not row["body"]:
        return {}
    present = set(await db.table_names())
    spans: list[Span] = []
    counts: dict[str, int] = {}
    for spec in resource_specs().values():
        fields = set(spec.field_names)
        if not spec.span or spec.name in STRUCTURE or spec.name not in present:
            continue
        if not {"char_start", "char_end"} <= fields:
            continue
        pks = spec.primary_key
        label = spec.span["text"]
        sql = (
            f"select {'rowid, ' if not pks else ''}* from [{spec.name}] "
            f"where [{spec.span['source']}] = ? and char_start is not null order by char_start"
        )
        for fact in (await db.execute(sql, [article_id])).rows:
            path = path_from_row_pks(fact, pks, not pks)
            href = datasette.urls.row(database, spec.name, path)
            spans.append(Span(fact["char_start"], fact["char_end"], spec.name, href, str(fact[label])))
            counts[spec.title] = counts.get(spec.title, 0) + 1
    return {"article_text": highlight(row["body"], spans), "article_facts": counts}


@hookimpl  # type: ignore[untyped-decorator]
def extra_template_vars(
    template: str, datasette: Any, request: Any, database: str | None, table: str | None, view_name: str
) -> Any:
    """The visitor's language on every page; the landing page's variables on the index page; an
    article's marked text on its row page."""
    base = page_vars(request)
    if view_name == "row" and table == ARTICLE_TABLE and database is not None:

        async def article() -> dict[str, Any]:
            return {**base, **await article_vars(datasette, database, request)}

        return article
    if template != "index.html":
        return base

    async def inner() -> dict[str, Any]:
        return {**base, **await landing_vars(datasette, base["ui_lang"])}

    return inner


async def charts_page(datasette: Any, request: Any) -> Any:
    """Every chart of the release, drawn in the visitor's language, with links to its data, its
    images and its Vega-Lite spec."""
    found = release_database(datasette)
    if found is None:
        return Response.text("Not found", status=404)
    root, name = found
    context = page_vars(request)
    lang = context["ui_lang"]
    charts = [
        {**chart_entry(c, lang), "drawing": Markup(chart_svg(root, c.id, lang) or "")} for c in load_charts()
    ]
    context.update({"charts": charts, "site_database": name, "metadata": datasette.metadata()})
    page = await datasette.render_template("charts.html", context, request=request)
    return Response.html(page)


async def map_page(datasette: Any, request: Any) -> Any:
    """The map of the posts abroad drawn by the build, in the visitor's language, with its year control."""
    found = release_database(datasette)
    if found is None:
        return Response.text("Not found", status=404)
    context = page_vars(request)
    context.update(map_page_vars(found[0], context["ui_lang"]))
    context.update({"site_database": found[1], "metadata": datasette.metadata()})
    page = await datasette.render_template("map.html", context, request=request)
    return Response.html(page)


async def use_page(datasette: Any, request: Any) -> Any:
    """The recipes that load the data, with this site's address in them, in the visitor's language."""
    found = release_database(datasette)
    if found is None:
        return Response.text("Not found", status=404)
    context = page_vars(request)
    base = datasette.absolute_url(request, "/").rstrip("/")
    recipes = [r.shown(base, context["ui_lang"]) for r in load_recipes()]
    context.update({"recipes": recipes, "site_database": found[1], "metadata": datasette.metadata()})
    page = await datasette.render_template("use.html", context, request=request)
    return Response.html(page)


async def downloads_page(datasette: Any, request: Any) -> Any:
    """Every file of the release with its size and sha256, as HTML or (`.json`) JSON."""
    found = release_database(datasette)
    if found is None:
        return Response.text("Not found", status=404)
    release = read_release(found[0])
    if request.url_vars.get("format") == "json":
        return Response.json(release.downloads_json())
    context = {**page_vars(request), "site": release, "metadata": datasette.metadata()}
    page = await datasette.render_template("downloads.html", context, request=request)
    return Response.html(page)


async def changelog_page(datasette: Any, request: Any) -> Any:
    """The changelog of the data, release by release: as HTML, or (`.md`) as it is published."""
    found = release_database(datasette)
    path = found[0] / CHANGELOG if found is not None else None
    if path is None or not path.is_file():
        return Response.text("Not found", status=404)
    text = path.read_text(encoding="utf-8")
    if request.url_vars.get("format") == "md":
        return Response(text, content_type="text/markdown; charset=utf-8")
    from markdown_it import MarkdownIt

    body = Markup(MarkdownIt("commonmark", {"html": False}).render(text))
    context = {**page_vars(request), "changelog": body, "metadata": datasette.metadata()}
    page = await datasette.render_template("changelog.html", context, request=request)
    return Response.html(page)


@hookimpl  # type: ignore[untyped-decorator]
def register_routes() -> list[tuple[str, Any]]:
    """The downloads, charts, map and use-the-data pages, and the changelog."""
    return [
        (rf"^{DOWNLOADS_PAGE}(\.(?P<format>json))?$", downloads_page),
        (rf"^{CHANGELOG_PAGE}(\.(?P<format>md))?$", changelog_page),
        (rf"^{CHARTS_PAGE}$", charts_page),
        (rf"^{MAP_PAGE}$", map_page),
        (rf"^{USE_PAGE}$", use_page),
    ]


# Folds a table page's column descriptions behind a toggle that says how many there are, so the
# rows are on screen first; without the script they stay open, as Datasette shows them.
FOLD_DESCRIPTIONS = """
document.querySelectorAll("dl.column-descriptions").forEach(function (list) {
  var toggle = document.createElement("details");
  toggle.className = "column-descriptions-toggle";
  var summary = document.createElement("summary");
  summary.textContent = SUMMARY.replace("{n}", list.querySelectorAll("dt").length);
  list.parentNode.insertBefore(toggle, list);
  toggle.appendChild(summary);
  toggle.appendChild(list);
});
"""


@hookimpl  # type: ignore[untyped-decorator]
def extra_body_script(view_name: str, request: Any) -> str | None:
    """On table and row pages, the script that folds the column descriptions."""
    if view_name not in ("table", "row"):
        return None
    words = texts(request_language(request) if request is not None else DEFAULT_LANGUAGE)
    return f"var SUMMARY = {json.dumps(words.column_descriptions)};" + FOLD_DESCRIPTIONS


@hookimpl(wrapper=True)  # type: ignore[untyped-decorator]
def register_facet_classes() -> Generator[None, list[list[type]], list[list[type]]]:
    """Datasette's facet classes (and any plugin's), each counting through the app's memo, so that
    a table page of a release shown again does not count its facets again (etl/site/memo.py)."""
    found = yield
    return [[memo_facet_class(facet) for facet in classes] for classes in found]


@hookimpl  # type: ignore[untyped-decorator]
def handle_exception(datasette: Any, request: Any, exception: Exception) -> Any:
    """Every error: a missing page is the site's 404 page, in the visitor's language, with a way back;
    a bad parameter a 400 with its message, never a 500; no host path and no slow traceback
    (etl/site/errors.py)."""

    async def inner() -> Any:
        return await error_response(datasette, request, exception, page_vars(request))

    return inner


@hookimpl  # type: ignore[untyped-decorator]
def extra_css_urls() -> list[str]:
    """The site's stylesheet (long text, landing and downloads pages)."""
    return [f"/{STATIC_MOUNT}/site.css"]


@hookimpl  # type: ignore[untyped-decorator]
def prepare_jinja2_environment(env: Any) -> None:
    """The functions the site's `_table.html` writes a page's rows with, and an article's page finds
    its title and language with (etl/site/rows.py); the compiled templates kept between starts."""
    env.globals["rows_html"] = rows_html
    env.globals["row_value"] = row_value
    if env.bytecode_cache is None:
        from jinja2 import FileSystemBytecodeCache

        env.bytecode_cache = FileSystemBytecodeCache(pattern=TEMPLATE_CACHE)


# -- Long text ------------------------------------------------------------------------------------


def on_row_page(database: str, table: str | None) -> bool:
    """Whether the request being answered is the page of one row of this table."""
    if table is None:
        return False
    segments = REQUEST_PATH.get().strip("/").split("/")
    return len(segments) == 3 and segments[0] == database and not segments[2].startswith("-")


def long_text(value: str, whole: bool) -> Markup:
    """Text as escaped HTML keeping its line breaks; unless whole, cut at a word after about
    PREVIEW_CHARS characters with the rest behind a toggle."""
    # Built from escape() and an f-string: Markup.format takes three times as long, for each long
    # cell of a table page.
    if whole or len(value) <= PREVIEW_CHARS:
        return Markup(f'<div class="long-text">{escape(value)}</div>')
    cut = value.rfind(" ", PREVIEW_CHARS // 2, PREVIEW_CHARS)
    cut = cut if cut > 0 else PREVIEW_CHARS
    return Markup(
        f'<div class="long-text">{escape(value[:cut])}<span class="long-text-ellipsis">…</span>'
        f'<details class="long-text-rest"><summary>Read all {len(value):,} characters</summary>'
        f"{escape(value[cut:])}</details></div>"
    )


@hookimpl  # type: ignore[untyped-decorator]
def render_cell(value: Any, column: str, table: str | None, database: str) -> Markup | None:
    """Long or multi-line text: escaped, with its line breaks, a preview unless on its row page."""
    del column
    if not isinstance(value, str) or (len(value) <= PREVIEW_CHARS and "\n" not in value):
        return None
    return long_text(value, whole=on_row_page(database, table))


# -- The guard: reads only, redirects kept on the site ---------------------------------------------


def refused_path(scope: Scope) -> bool:
    """Whether a request path could be echoed into an off-site redirect: a backslash (raw or
    %-encoded) anywhere, or a second slash at the start."""
    path = str(scope.get("path") or "")
    raw = bytes(scope.get("raw_path") or b"").partition(b"?")[0].decode("latin-1")
    return any("\\" in p or p.startswith("//") for p in (path, unquote(raw)))


def is_local_location(location: str) -> bool:
    """Whether a Location header keeps a browser on this site: an absolute path or a query or
    fragment, read the way browsers read it (backslashes as slashes, tabs and newlines dropped)."""
    cleaned = URL_DROP.sub("", location.strip(URL_STRIP)).replace("\\", "/")
    if cleaned.startswith(("?", "#")):
        return True
    if not cleaned.startswith("/") or cleaned.startswith("//"):
        return False
    parts = urlsplit(cleaned)
    return not parts.scheme and not parts.netloc


async def send_plain(
    send: Send, status: int, body: bytes, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    """A plain-text response."""
    start = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": [*start, *headers]})
    await send({"type": "http.response.body", "body": body})


def location_of(message: Message) -> str | None:
    """The Location header of a response start message, if any."""
    for name, value in message.get("headers") or []:
        if bytes(name).lower() == b"location":
            return bytes(value).decode("latin-1")
    return None


def guard(
    app: ASGIApp,
    examples: dict[str, dict[str, str]] | None = None,
    tables: dict[str, Table] | None = None,
) -> ASGIApp:
    """The app answering only reads, with off-site redirects refused and the request path known to
    render_cell; a canned query asked for without its parameters is sent to its example values,
    and a parameter Datasette would fail on with a 500 is a 400 (etl/site/params.py)."""
    examples = examples or {}
    tables = tables or {}

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await app(scope, receive, send)
            return
        if str(scope.get("method") or "GET").upper() not in READ_METHODS:
            await send_plain(send, 405, NOT_ALLOWED, ((b"allow", ", ".join(READ_METHODS).encode()),))
            return
        if refused_path(scope) or str(scope.get("path") or "").rstrip("/") in CLOSED_PAGES:
            await send_plain(send, 404, NOT_FOUND)
            return
        path = str(scope.get("path") or "")
        query = bytes(scope.get("query_string") or b"").decode("latin-1")
        problem = refusal(scope, tables)
        if problem is not None:
            label = "Bad request" if problem[0] == 400 else "Not found"
            await send_plain(send, problem[0], f"{label}: {problem[1]}".encode())
            return
        if path in examples and not any(k in examples[path] for k, _ in parse_qsl(query)):
            kept = [(k, v) for k, v in parse_qsl(query)]
            location = f"{path}?{urlencode([*examples[path].items(), *kept])}"
            await send_plain(send, 302, b"", ((b"location", location.encode()),))
            return
        refused = False
        remember = asked_language(bytes(scope.get("query_string") or b"").decode("latin-1"))

        async def checked_send(message: Message) -> None:
            nonlocal refused
            if message["type"] == "http.response.start":
                location = location_of(message)
                if location is not None and not is_local_location(location):
                    refused = True
                    await send_plain(send, 404, NOT_FOUND)
                    return
                if remember is not None:  # ?lang=nl: the site answers in Dutch from now on
                    cookie = f"{COOKIE}={remember}; Max-Age={COOKIE_MAX_AGE}; Path=/; SameSite=Lax"
                    headers = [*(message.get("headers") or []), (b"set-cookie", cookie.encode())]
                    message = {**message, "headers": headers}
            if not refused:
                await send(message)

        token = REQUEST_PATH.set(str(scope.get("path") or ""))
        try:
            await app(scope, receive, checked_send)
        finally:
            REQUEST_PATH.reset(token)

    return guarded


@hookimpl  # type: ignore[untyped-decorator]
def asgi_wrapper(datasette: Any) -> Callable[[ASGIApp], ASGIApp]:
    """Wrap the app in the guard (read methods only, redirects kept on the site, canned queries
    opened with their example values, bad parameters refused), the memo of its pages, the response cap
    (etl/site/bounds.py) and the SQL lane (etl/site/lanes.py), every query's time limit kept by the
    lanes' watchdog; the app's pages, table permissions, counts and reads of the schema are worked
    out once per release (etl/site/memo.py); `render_cell` is called straight, and a plain string
    is its own tilde encoding at once (etl/site/hooks.py); the cells of table and row pages are worked
    out in one lean loop (etl/site/cells.py)."""
    from datasette.plugins import pm  # here: Datasette's plugins module loads this one

    replace_default_handler()
    call_directly(pm)
    encode_plainly()
    work_cells_leanly()
    memoize_table_permissions(datasette)
    memoize_schema_reads(datasette)
    return_freed_memory()
    keep_time_limits()
    examples = dict((datasette.plugin_config(PLUGIN) or {}).get("examples") or {})
    tables = read_tables(datasette)
    lanes = Lanes(int(datasette.setting("sql_time_limit_ms")))
    lanes.install(datasette)
    canned = canned_queries(datasette)
    return lambda app: guard(
        kept_pages(capped(laned(app, lanes, canned)), datasette, canned), examples, tables
    )
