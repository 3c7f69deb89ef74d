"""Nothing about the host (issue 14): every /-/ page the app routes, every error page and the
responses to bad requests name no folder of the host and set no cookie on an anonymous GET."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import pytest

from etl.site.plugin import CLOSED_PAGES
from tests.conftest import Client

# A route's optional format, its catch-all path, and what is left of its regular expression.
OPTIONAL_FORMAT = re.compile(r"\(\\\.\(\?P<format>(\w+)\)\)\?")
CATCH_ALL = re.compile(r"\(\?P<path>\.\*\)")
ERROR_PAGES = [
    "/nope",
    "/diplomacy/nope",
    "/diplomacy/articles/nope",
    "/diplomacy/post_counts/a,b",
    "/diplomacy.json?sql=select+*+from+nope",
    "/diplomacy.json?sql=select+load_extension('/etc/passwd')",
    "/diplomacy/articles.json?_sort=nope",
    "/diplomacy/articles.json?_timelimit=x",
    "/diplomacy/articles.json?_where=" + quote("sqlite_source_id( = 1"),
    "/diplomacy/articles?_search=%22",
    "/-/static/../../../etc/passwd",
    "/downloads/..%2F..%2Fdiplomacy.db",
]


def dashed_pages(client: Client) -> list[str]:
    """A concrete address for every /-/ route of the app, in each of its formats."""
    found = []
    for pattern, _ in client.app._routes():
        source = pattern.pattern.lstrip("^").rstrip("$")
        if not source.startswith("/-/"):
            continue
        source = CATCH_ALL.sub("nothing-here.txt", source)
        formats = OPTIONAL_FORMAT.search(source)
        bases = [OPTIONAL_FORMAT.sub("", source)]
        if formats is not None:
            bases.append(OPTIONAL_FORMAT.sub("." + formats.group(1), source))
        found += [base.replace("\\", "") for base in bases]
    return sorted(set(found))


def host_folders(release: Path) -> list[str]:
    """Folders of this host a response could give away."""
    return [str(release.resolve()), sys.prefix, str(Path.home()), tempfile.gettempdir(), str(Path.cwd())]


def test_dashed_pages_finds_every_kind_of_route(client: Client) -> None:
    pages = dashed_pages(client)
    assert {"/-/versions", "/-/versions.json", "/-/downloads.json", "/-/changelog.md", "/-/threads"} <= set(
        pages
    )
    assert "/-/static/nothing-here.txt" in pages and all("(" not in p for p in pages)


def test_every_dashed_page_tells_nothing_about_the_host(client: Client, release: Path) -> None:
    for path in dashed_pages(client):
        answer = client.get(path)
        assert answer.status_code < 500, (path, answer.status_code)
        for folder in host_folders(release):
            assert folder not in answer.text, (path, folder)
        assert "set-cookie" not in answer.headers, path
        if path.rstrip("/") in CLOSED_PAGES:
            assert answer.status_code == 404, path


@pytest.mark.parametrize("path", ERROR_PAGES)
def test_error_pages_tell_nothing_about_the_host(client: Client, release: Path, path: str) -> None:
    answer = client.get(path)
    assert 400 <= answer.status_code < 500, (path, answer.status_code)
    for folder in host_folders(release):
        assert folder not in answer.text, (path, folder)
    assert "set-cookie" not in answer.headers


@pytest.mark.parametrize(
    "sql",
    ["select * from pragma_database_list", "select file from pragma_database_list()", "pragma database_list"],
)
def test_no_query_reads_the_database_s_file_name(client: Client, release: Path, sql: str) -> None:
    answer = client.get(f"/diplomacy.json?sql={quote(sql)}&_shape=array")
    assert answer.status_code in (200, 400) and str(release.resolve()) not in answer.text
    if answer.status_code == 200:
        assert [row["file"] for row in answer.json()] == [None]


def test_a_500_gives_no_detail(client: Client) -> None:
    from etl.site.errors import INTERNAL, describe

    status, message, _, _ = describe(OSError(f"cannot read {sys.prefix}/secret"), 1000)
    assert (status, message) == (500, INTERNAL)
