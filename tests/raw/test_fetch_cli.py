"""`diplodata fetch`: one line per URL, a non-zero exit when any failed, one-line errors; against HTTP
servers started on 127.0.0.1 (the fetching itself is tested in tests/test_fetch.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from etl.cli import main
from tests.raw.test_fetch import PAGE, FakeClock, Reply, Server

PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    """A server on 127.0.0.1, reached without any proxy."""
    for name in PROXIES:
        monkeypatch.delenv(name, raising=False)
    started = Server(FakeClock())
    yield started
    started.close()


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    return folder


def test_fetch_prints_a_line_per_url_and_fails_when_one_failed(server: Server, raw: Path) -> None:
    server.routes["/en/news/a"] = Reply(body=PAGE, headers={"Content-Type": "text/html; charset=utf-8"})
    good, missing = server.url("/en/news/a"), server.url("/en/news/missing")
    result = CliRunner().invoke(main, ["fetch", good, missing, "--raw", str(raw)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"archived: {good}: ") and lines[1] == f"failed: {missing}: HTTP 404 Not Found"
    assert result.stderr == "error: 1 of 2 URL(s) not archived\n"
    [html] = sorted(raw.glob("*.html"))
    assert html.read_bytes() == PAGE
    record = yaml.safe_load(html.with_suffix(".yml").read_text(encoding="utf-8"))
    assert (record["url"], record["http_status"], record["language"]) == (good, 200, "en")


def test_fetch_reads_a_list_of_urls_and_never_overwrites_a_snapshot(
    server: Server, raw: Path, tmp_path: Path
) -> None:
    server.routes["/en/news/a"] = Reply(body=PAGE, headers={"Content-Type": "text/html", "ETag": '"v1"'})
    url = server.url("/en/news/a")
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# articles to archive\n\n{url}\n", encoding="utf-8")
    first = CliRunner().invoke(main, ["fetch", "--from-file", str(urls), "--raw", str(raw)])
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith(f"archived: {url}: ")
    before = {p.name: p.read_bytes() for p in raw.iterdir()}
    server.routes["/en/news/a"] = lambda headers: (
        Reply(304, b"") if headers.get("If-None-Match") == '"v1"' else Reply(body=b"changed")
    )
    again = CliRunner().invoke(main, ["fetch", "--from-file", str(urls), "--raw", str(raw)])
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith(f"not_modified: {url}: not modified since ")
    assert {p.name: p.read_bytes() for p in raw.iterdir()} == before


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "no URL to fetch"),
        (["--from-file", "{tmp}/absent.txt"], "absent.txt: cannot read the list of URLs"),
        (["https://example.org/a", "--raw", "{tmp}/absent"], "absent: no such folder"),
    ],
)
def test_fetch_errors_are_one_line(tmp_path: Path, arguments: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "etl", "fetch", *(a.format(tmp=tmp_path) for a in arguments)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and message in result.stderr and result.stderr.startswith("error: ")
    assert result.stdout == ""
