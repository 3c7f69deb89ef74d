"""Safety of the public instance: writes refused, runaway queries stopped, values bounded, hostile
text shown as text, redirects kept on the site, and the CSV formula-injection policy.

Most tests talk HTTP to a real `diplodata serve` on a free loopback port (conftest's `mixed_server`,
serving the seed plus a French, a Dutch and a hostile article)."""

from __future__ import annotations

import asyncio
import csv
import hashlib
import http.client
import io
import json
import re
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import pytest

from etl.layout import DATABASE, DATAPACKAGES
from etl.site.metadata import VALUE_LENGTH_LIMIT
from etl.site.plugin import guard, is_local_location, refused_path
from etl.site.sqlguard import install as install_sql_guard
from tests.conftest import HOSTILE_TITLE, Client, Server

HOSTILE_ID = "903_en_hostile_markup"
RUNAWAY = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
# Cells a spreadsheet would run as a formula calling a function or another program (DDE): the
# tripwire of the CSV policy (README, "The site").
FORMULA = re.compile(r"^[=+\-@\t\r]\s*(?:[A-Za-z_][\w.]*\s*\(|.*\|)", re.S)


@dataclass
class Answer:
    """An HTTP response, read whole."""

    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float
    finished: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def request(server: Server, method: str, path: str, body: bytes | None = None, **headers: str) -> Answer:
    """One HTTP request with the path sent exactly as given (no client-side normalisation)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    started = time.monotonic()
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        finished = time.monotonic()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return Answer(response.status, headers, data, finished - started, finished)
    finally:
        connection.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- Writes -------------------------------------------------------------------------------------------

WRITE_PATHS = [
    "/diplomacy",
    "/diplomacy.json",
    "/diplomacy/post_counts",
    "/diplomacy/post_counts.json",
    "/diplomacy/post_counts/-/insert",
    "/diplomacy/post_counts/-/upsert",
    "/diplomacy/post_counts/-/drop",
    "/diplomacy/-/create",
    "/diplomacy/articles/000_03760b43a54f4e20/-/update",
    "/diplomacy/articles/000_03760b43a54f4e20/-/delete",
    "/diplomacy/minister_quotes",
    "/-/messages",
    "/-/logout",
]
WRITE_SQL = [
    "delete from post_counts",
    "update post_counts set count = 0",
    "insert into post_counts (source) values ('x')",
    "replace into persons (id, name) values ('x', 'y')",
    "drop table post_counts",
    "create table owned (a)",
    "alter table persons add column owned text",
    "attach database '{tmp}/attached.db' as owned",
    "vacuum into '{tmp}/copy.db'",
    "pragma writable_schema = 1",
    "with x as (select 1) delete from post_counts",
    "with x as (select 1) update post_counts set count = 0",
    "select 1; delete from post_counts",
    "select load_extension('/tmp/evil')",
]


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_every_write_method_is_refused_and_the_database_is_unchanged(
    mixed_server: Server, mixed_release: Path, method: str
) -> None:
    before = digest(mixed_release / DATABASE)
    row = json.dumps({"row": {"source": "x", "count": 1}, "sql": "delete from post_counts"}).encode()
    for path in WRITE_PATHS:
        for body, kind in (
            (b"sql=delete+from+post_counts", "application/x-www-form-urlencoded"),
            (row, "application/json"),
        ):
            answer = request(mixed_server, method, path, body, **{"Content-Type": kind})
            assert answer.status == 405, (method, path, kind, answer.status)
            assert answer.headers["allow"] == "GET, HEAD"
    assert digest(mixed_release / DATABASE) == before


@pytest.mark.parametrize("sql", WRITE_SQL)
def test_sql_that_writes_is_refused_and_the_database_is_unchanged(
    mixed_server: Server, mixed_release: Path, tmp_path: Path, sql: str
) -> None:
    before = digest(mixed_release / DATABASE)
    statement = sql.format(tmp=tmp_path)
    for path in (f"/diplomacy.json?sql={quote(statement)}", f"/diplomacy?sql={quote(statement)}"):
        answer = request(mixed_server, "GET", path)
        assert answer.status in (400, 403), (sql, answer.status)
    assert digest(mixed_release / DATABASE) == before
    assert list(tmp_path.iterdir()) == []  # no attached or vacuumed copy was created


def test_the_database_is_served_immutable(mixed_server: Server, mixed_release: Path) -> None:
    from etl.site.metadata import datasette_app

    app = datasette_app(mixed_release)  # what `diplodata serve` runs
    assert [(name, db.is_mutable) for name, db in app.databases.items() if name != "_internal"] == [
        ("diplomacy", False)
    ]
    # /-/databases.json, which would say so, is closed: it shows the database file's path.
    assert request(mixed_server, "GET", "/-/databases.json").status == 404


# -- Time and size limits -----------------------------------------------------------------------------


# Rounds of the runaway test: one shows the site answering, unless the machine is loaded.
ROUNDS = 3


def runaway_round(server: Server, light: list[str], heavy: list[str]) -> tuple[list[Any], list[Any]]:
    """Two runaway queries, and every page requested while they run: (stopped, answered)."""
    with ThreadPoolExecutor(max_workers=10) as pool:
        runaways = [
            pool.submit(request, server, "GET", f"/diplomacy.json?sql={quote(RUNAWAY)}") for _ in range(2)
        ]
        time.sleep(0.2)
        others = [pool.submit(request, server, "GET", page) for page in light + heavy]
        answered = [f.result() for f in others]
        stopped = [f.result() for f in runaways]
    return stopped, answered


def test_a_runaway_query_is_stopped_at_the_time_limit_while_other_pages_answer(mixed_server: Server) -> None:
    limit = json.loads(request(mixed_server, "GET", "/-/settings.json").body)["sql_time_limit_ms"] / 1000
    # Pages that need no SQL, then pages that share the SQL threads with the runaway queries.
    light = ["/-/downloads", "/-/site/site.css", "/downloads/catalog.ttl"]
    heavy = ["/", "/diplomacy/post_counts.json", "/diplomacy/articles", "/diplomacy/quotes"]
    for page in light + heavy:  # warm up, so that first-request work does not count as waiting
        assert request(mixed_server, "GET", page).status == 200, page
    concurrent = []
    for _ in range(ROUNDS):  # on a loaded machine one round may not show it; every round is checked
        stopped, answered = runaway_round(mixed_server, light, heavy)
        for answer in stopped:
            assert answer.status == 400
            assert json.loads(answer.body)["title"] == "SQL Interrupted"
            assert limit * 0.9 <= answer.seconds < limit + 10
        for page, answer in zip(light + heavy, answered, strict=True):
            assert answer.status == 200, page
            assert answer.seconds < limit + 10, (page, answer.seconds)
        # The site answered while the runaway queries were still running.
        concurrent.append(min(a.finished for a in answered[: len(light)]) < max(a.finished for a in stopped))
        if concurrent[-1]:
            break
    assert any(concurrent), "no page answered while the runaway queries ran, in any round"
    assert request(mixed_server, "GET", "/diplomacy/post_counts.json").status == 200


@pytest.mark.parametrize(
    "sql",
    [
        "select length(hex(zeroblob(300000000)))",
        "select length(randomblob(300000000))",
        "select length(replace(hex(zeroblob(2000000)), '0', '0000000000'))",
        "with recursive r(s) as (select 'x' union all select s || s from r where length(s) < 100000000) "
        "select max(length(s)) from r",
        "select length(group_concat(hex(zeroblob(1000000)))) from (values (1), (2), (3))",
    ],
)
def test_the_value_length_limit_holds(mixed_server: Server, sql: str) -> None:
    answer = request(mixed_server, "GET", f"/diplomacy.json?sql={quote(sql)}")
    assert answer.status == 400, answer.text[:200]
    assert "too big" in json.loads(answer.body)["error"]


def test_values_below_the_length_limit_are_fine(mixed_server: Server) -> None:
    answer = request(
        mixed_server,
        "GET",
        f"/diplomacy.json?sql={quote('select length(zeroblob(1000000)) as n')}&_shape=array",
    )
    assert answer.status == 200 and json.loads(answer.body) == [{"n": 1000000}]


# -- Hostile text -------------------------------------------------------------------------------------

HOSTILE_PAGES = [
    "/",
    "/diplomacy/articles",
    "/diplomacy/articles?_col=title&_col=body",
    f"/diplomacy/articles/{HOSTILE_ID}",
    f"/diplomacy/paragraphs?article={HOSTILE_ID}",
    "/diplomacy/quotes",
    f"/diplomacy/quotes/{HOSTILE_ID}-q1",
    "/diplomacy/minister_quotes",
    "/diplomacy/sources",
    "/diplomacy/persons/maxime-prevot",
    f"/diplomacy?sql={quote('select id, title, body from articles')}",
    "/diplomacy/articles?_search=zanzibarian",
    f"/-/search?q={quote('<script>alert(1)</script>')}",
    f"/diplomacy/quotes?_search={quote('<script>alert(1)</script>')}",
]
UNESCAPED = re.compile(
    r"<script>alert|<img src=x|href\s*=\s*[\"']?\s*javascript:|<a href=\"javascript", re.IGNORECASE
)


@pytest.mark.parametrize("path", HOSTILE_PAGES)
def test_hostile_text_is_shown_escaped(mixed_client: Client, path: str) -> None:
    response = mixed_client.get(path)
    assert response.status_code == 200
    assert UNESCAPED.search(response.text) is None, UNESCAPED.search(response.text)


@pytest.mark.parametrize(
    "path",
    [f"/diplomacy/articles/{HOSTILE_ID}", f"/diplomacy/quotes/{HOSTILE_ID}-q1", "/diplomacy/articles"],
)
def test_hostile_text_is_shown_not_dropped(mixed_client: Client, path: str) -> None:
    page = mixed_client.get(path).text
    assert "&lt;script&gt;alert(" in page
    if "articles" in path:
        assert "&lt;a href=&#34;javascript:alert(&#39;link&#39;)&#34;&gt;" in page


def test_no_value_becomes_a_link_but_http_addresses(mixed_client: Client) -> None:
    page = mixed_client.get(f"/diplomacy/articles/{HOSTILE_ID}").text
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(urlsplit(h).scheme in ("", "http", "https") for h in hrefs), hrefs


# -- Redirects ----------------------------------------------------------------------------------------

REDIRECT_PATHS = [
    "/\\example.com/",
    "/\\\\example.com/",
    "/\\/example.com/",
    "//example.com/",
    "///example.com/",
    "//example.com//",
    "/%5Cexample.com/",
    "/%5C%5Cexample.com/",
    "/%2F%2Fexample.com/",
    "/%09/example.com/",
    "/%2F/example.com/",
    "/:memory:/\\example.com",
    "/:memory://example.com",
    "/diplomacy//example.com/",
    "/diplomacy/",
    "/diplomacy/articles/",
    "/diplomacy/articles/?next=//example.com",
    "/-/config",
    "/-/config.json",
    "/diplomacy/articles?_filter_column=title&_filter_op=exact&_filter_value=//example.com",
    "/diplomacy/articles?_filter_column=title&_filter_op=exact&_filter_value=%5C%5Cexample.com",
    "/diplomacy/articles?_sort=id&_facet=language&_next=//example.com",
]


def browser_target(base: str, location: str) -> str:
    """Where a browser goes for a Location header: it drops leading and trailing controls and
    spaces and every tab and newline, and reads backslashes as slashes in http(s) URLs."""
    cleaned = re.sub(r"[\t\n\r]", "", location.strip("".join(chr(c) for c in range(0x21))))
    return urljoin(base, cleaned.replace("\\", "/"))


@pytest.mark.parametrize("path", REDIRECT_PATHS)
def test_redirects_never_leave_the_site(mixed_server: Server, path: str) -> None:
    answer = request(mixed_server, "GET", path)
    location = answer.headers.get("location")
    if location is not None:
        target = urlsplit(browser_target(mixed_server.url + path, location))
        assert (target.scheme, target.netloc) == ("http", f"127.0.0.1:{mixed_server.port}"), location


@pytest.mark.parametrize(
    "path", ["/\\example.com/", "/\\\\example.com/", "//example.com/", "/%5Cexample.com/"]
)
def test_paths_that_could_redirect_off_site_are_refused(mixed_server: Server, path: str) -> None:
    answer = request(mixed_server, "GET", path)
    assert answer.status == 404 and "location" not in answer.headers


def test_ordinary_redirects_still_work(mixed_server: Server) -> None:
    assert request(mixed_server, "GET", "/diplomacy/articles/").headers["location"] == "/diplomacy/articles"
    answer = request(
        mixed_server, "GET", "/diplomacy/articles?_filter_column=language&_filter_op=exact&_filter_value=fr"
    )
    assert answer.status == 302 and answer.headers["location"] == "/diplomacy/articles?language__exact=fr"


@pytest.mark.parametrize(
    ("location", "local"),
    [
        ("/diplomacy/articles", True),
        ("/", True),
        ("?a=1", True),
        ("#top", True),
        ("/\\example.com", False),
        ("/\\/example.com", False),
        ("//example.com", False),
        ("\\\\example.com", False),
        (" //example.com", False),
        ("/\t/example.com", False),
        ("/\n/example.com", False),
        ("\x00//example.com", False),
        ("https://example.com/", False),
        ("javascript:alert(1)", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_is_local_location(location: str, local: bool) -> None:
    assert is_local_location(location) is local


@pytest.mark.parametrize(
    ("path", "raw", "refused"),
    [
        ("/diplomacy/articles", b"/diplomacy/articles", False),
        ("/\\example.com/", b"/\\example.com/", True),
        ("/\\example.com/", b"/%5Cexample.com/", True),
        ("/%5Cexample.com/", b"/%255Cexample.com/", False),  # Datasette tilde-encodes it
        ("//example.com/", b"//example.com/", True),
        ("/diplomacy/articles", b"/diplomacy/articles?x=\\\\", False),
    ],
)
def test_refused_path(path: str, raw: bytes, refused: bool) -> None:
    assert refused_path({"path": path, "raw_path": raw}) is refused


def test_the_guard_refuses_a_response_redirecting_off_site() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 302,
                "headers": [(b"location", b"https://evil.example/")],
            }
        )
        await send({"type": "http.response.body", "body": b"bye"})

    sent: list[dict[str, Any]] = []

    async def send(message: Any) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "GET", "path": "/x", "raw_path": b"/x", "headers": []}
    asyncio.run(guard(app)(scope, receive, send))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 404 and all(name != b"location" for name, _ in sent[0]["headers"])


# -- CSV formula injection ----------------------------------------------------------------------------


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_package_csvs_keep_values_verbatim(mixed_release: Path) -> None:
    """The policy: CSV cells are the data exactly, never prefixed or altered (README, "The site")."""
    folder = mixed_release / DATAPACKAGES / "diplomacy-news" / "data"
    rows = {r["id"]: r for r in csv_rows((folder / "articles.csv").read_text(encoding="utf-8"))}
    assert rows[HOSTILE_ID]["title"] == HOSTILE_TITLE
    as_json = {r["id"]: r for r in json.loads((folder / "articles.json").read_text(encoding="utf-8"))}
    assert as_json[HOSTILE_ID]["title"] == HOSTILE_TITLE


def test_datasette_csv_export_keeps_values_verbatim(mixed_client: Client) -> None:
    response = mixed_client.get("/diplomacy/articles.csv?_size=max")
    assert response.status_code == 200
    rows = {r["id"]: r for r in csv_rows(response.text)}
    assert rows[HOSTILE_ID]["title"] == HOSTILE_TITLE


def formula_cells(root: Path) -> list[tuple[str, str, str]]:
    """The cells of a release's package CSVs a spreadsheet would run as a formula (FORMULA)."""
    found = []
    for path in sorted((root / DATAPACKAGES).glob("*/data/*.csv")):
        for row in csv_rows(path.read_text(encoding="utf-8")):
            found += [
                (path.name, column, value) for column, value in row.items() if value and FORMULA.match(value)
            ]
    return found


def test_the_published_data_hold_no_formula(release: Path) -> None:
    """Tripwire of the policy: the committed sources give no cell a spreadsheet would run; if one
    appears, the build's data must be looked at before it is published."""
    assert formula_cells(release) == []


def test_the_formula_tripwire_catches_a_formula(mixed_release: Path) -> None:
    assert ("articles.csv", "title", HOSTILE_TITLE) in formula_cells(mixed_release)
    for harmless in ("-", "-\nLast updated on", "-12", "+32 2 501 81 11", "@home", "= 3"):
        assert FORMULA.match(harmless) is None, harmless
    for formula in ('=HYPERLINK("x")', "+cmd|' /C calc'!A0", "@SUM(A1:A2)", "-2+3+cmd|' /C calc'!A0", "=1|x"):
        assert FORMULA.match(formula) is not None, formula


# -- Functions one call of which could outlast the time limit ----------------------------------------

SLOW_CALLS = [
    ("select instr(hex(zeroblob(2400000)), hex(zeroblob(1200000)) || '1') as v", 0),
    ("select length(replace(hex(zeroblob(2400000)), hex(zeroblob(1200000)) || '1', 'x')) as v", 4800000),
    (
        "select length(ltrim(hex(zeroblob(2000000)), '1' || hex(zeroblob(1000000)))) as v",
        0,
    ),
    (
        "select length(rtrim(hex(zeroblob(2000000)) || 'x', printf('%.*c', 2000000, '1') || '0')) as v",
        4000001,
    ),
    ("select printf('%.*c', 2000000000, 'x') as v", None),
    ("select format('%.2000000000c', 'x') as v", None),
]


@pytest.mark.parametrize(("sql", "expected"), SLOW_CALLS)
def test_no_single_function_call_outlasts_the_time_limit(
    mixed_server: Server, sql: str, expected: Any
) -> None:
    answer = request(mixed_server, "GET", f"/diplomacy.json?sql={quote(sql)}&_shape=array")
    assert answer.status == 200, answer.text[:300]
    assert json.loads(answer.body) == [{"v": expected}]
    assert answer.seconds < 3


GUARDED_CASES = [
    "select instr('diplomacy', 'lo'), instr('abc', ''), instr('', 'a'), instr(null, 'a'), instr('a', null)",
    "select instr(x'00010203', x'0203'), instr(12345, 34), instr(1.5, '.'), instr('Prévot', 'vot')",
    "select replace('a-b-c', '-', '+'), replace('abc', '', 'x'), replace(null, 'a', 'b')",
    "select replace('a', null, 'b'), replace('a', 'a', null), replace(123, 2, 9), replace('ééé', 'é', 'e')",
    "select typeof(replace(x'61', 'a', 'b')), replace(x'61', '', 'b')",
    "select trim('xxaxx', 'x'), ltrim('xxaxx', 'x'), rtrim('xxaxx', 'x'), trim('abc', ''), trim(null, 'a')",
    "select trim('  a  '), ltrim('  a'), rtrim('a  '), trim('éaé', 'é'), trim(12321, 1), trim('a', null)",
    "select printf('%d-%s-%5.2f', 3, 'x', 2.5), printf('%.*s', 999999999, 'abc'), printf('%%'), printf(null)",
    "select printf('%c', 'xyz'), printf('%.3c', 'x'), printf('%*d', 4, 7), printf('%-4d|', 7)",
    "select printf('%q', 'it''s'), format('%s and %s', 'this', 'that'), printf('%.*d', 3, 7)",
    "select printf('%!.3c', 'é'), printf('%z', 'a'), printf('%.*c', 6000000, 'x'), printf('%*d', -3, 1)",
]


@pytest.mark.parametrize("sql", GUARDED_CASES)
def test_guarded_functions_give_what_sqlite_gives(sql: str) -> None:
    plain, guarded = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    for connection in (plain, guarded):
        connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_LENGTH_LIMIT)
    install_sql_guard(guarded, VALUE_LENGTH_LIMIT)
    assert guarded.execute(sql).fetchall() == plain.execute(sql).fetchall()


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select instr(hex(zeroblob(200000)) || 'ab', 'ab' || '')", 400001),
        ("select instr(zeroblob(200000) || x'01', x'0001')", 200000),
        ("select length(replace(hex(zeroblob(200000)), '00', 'x'))", 200000),
        (
            "select trim(hex(zeroblob(200000)) || 'ab' || hex(zeroblob(200000)), '0' || hex(zeroblob(10)))",
            "ab",
        ),
        ("select length(printf('%.*c', 1000, 'x'))", 1000),
    ],
)
def test_guarded_functions_on_long_values(sql: str, expected: Any) -> None:
    guarded = sqlite3.connect(":memory:")
    install_sql_guard(guarded, VALUE_LENGTH_LIMIT)
    assert guarded.execute(sql).fetchone()[0] == expected


def test_a_guarded_replace_still_honours_the_length_limit() -> None:
    guarded = sqlite3.connect(":memory:")
    guarded.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_LENGTH_LIMIT)
    install_sql_guard(guarded, VALUE_LENGTH_LIMIT)
    with pytest.raises(sqlite3.Error):
        guarded.execute("select replace(hex(zeroblob(2000000)), '0', 'xyz')").fetchall()


# -- Nothing about the host, no memory addresses (issue 14, first cases) ---------------------------

DASHED_PAGES = [
    "/-/plugins.json",
    "/-/versions.json",
    "/-/settings.json",
    "/-/metadata.json",
    "/-/downloads",
    "/-/downloads.json",
    "/-/charts",
    "/-/use",
    "/-/changelog",
    "/-/changelog.md",
    "/-/search?q=Egmont",
]
CLOSED = [
    "/-/databases.json",
    "/-/threads",
    "/-/threads.json",
    "/-/allow-debug",
    "/-/patterns",
    "/-/messages",
    "/-/actor.json",
    "/-/permissions",
]


@pytest.mark.parametrize("path", CLOSED)
def test_debug_and_introspection_pages_are_closed(client: Client, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404 and "set-cookie" not in answer.headers


@pytest.mark.parametrize("path", DASHED_PAGES)
def test_no_page_shows_a_path_of_the_host_or_sets_a_cookie_unasked(
    client: Client, release: Path, path: str
) -> None:
    answer = client.get(path)
    assert answer.status_code == 200, path
    for secret in (str(release.resolve()), str(Path(sys.prefix).resolve()), str(Path.home())):
        assert secret not in answer.text, (path, secret)
    assert "set-cookie" not in answer.headers, path


@pytest.mark.parametrize("sql", ["select hex(fts3_tokenizer('simple'))", "select fts3_tokenizer('x', x'00')"])
def test_fts3_tokenizer_gives_no_address_and_takes_none(client: Client, sql: str) -> None:
    answer = client.get(f"/diplomacy.json?sql={quote(sql)}")
    assert answer.status_code == 400  # refused: SQLite reports the function's error generically
    assert answer.json()["rows"] == [] and "exception" in answer.json()["error"]


@pytest.mark.parametrize("table", ["post_counts", "articles", "events", "build_statuses"])
@pytest.mark.parametrize("query", ["_sort=id]", "_sort_desc=nope", "_sort=rowid", "_sort=%00"])
@pytest.mark.parametrize("suffix", ["", ".json", ".csv"])
def test_a_sort_by_no_column_is_a_400_not_a_500(client: Client, table: str, query: str, suffix: str) -> None:
    answer = client.get(f"/diplomacy/{table}{suffix}?{query}")
    assert answer.status_code == 400, (table, query, answer.status_code)
    assert "to sort by" in answer.text


def test_a_sort_by_a_column_still_works(client: Client) -> None:
    rows = client.get("/diplomacy/post_counts.json?_sort_desc=count&_shape=array").json()
    assert [r["count"] for r in rows] == sorted((r["count"] for r in rows), reverse=True)
