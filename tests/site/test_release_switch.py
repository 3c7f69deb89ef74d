"""A build publishing while `diplodata serve` answers requests: every response is 200 and from one
whole release, the server switches to the new release without a restart, never goes back (served
by two workers, which switch together), and deletes the old release's snapshot once its last
request is done."""

from __future__ import annotations

import json
import shutil
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from etl.build import build
from etl.layout import STAGING
from etl.site.releases import SNAPSHOTS, identity, take_snapshot
from tests.conftest import EXTRA_ARTICLES, SEED, Server, add_article

COUNT = "/diplomacy.json?sql=select+count(*)+as+n+from+articles&_shape=array"
DESCRIPTOR = "/datapackages/diplomacy-news/datapackage.json"
CLIENTS = 4
WORKERS = 2


def fetch(url: str) -> tuple[int, str, bytes]:
    """Status, release header and body of one GET."""
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers.get("x-diplodata-release", ""), response.read()


def seen_release(base: str) -> tuple[str, str]:
    """The release a pair of requests saw: the database's article count and the descriptor's
    version, each with the release header of its response."""
    status, header, body = fetch(base + COUNT)
    assert status == 200
    count = json.loads(body)[0]["n"]
    status, version_header, body = fetch(base + DESCRIPTOR)
    assert status == 200
    assert json.loads(body)["version"] == version_header  # the descriptor is that of its release
    return f"{header}:{count}", version_header


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    shutil.copy(SEED.with_suffix(".yml"), folder / SEED.with_suffix(".yml").name)
    return folder


def test_serve_switches_to_a_build_published_while_requests_run(raw: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    first = build(root=root, raw_dir=raw)
    server = Server(root, workers=WORKERS)
    stop = threading.Event()
    seen: list[list[tuple[str, str]]] = [[] for _ in range(CLIENTS)]
    errors: list[BaseException] = []

    def client(number: int) -> None:
        while not stop.is_set():
            try:
                seen[number].append(seen_release(server.url))
            except BaseException as exc:  # recorded, the test fails on it below
                errors.append(exc)
                return

    try:
        server.wait()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        stem, (language, title, text) = next(iter(EXTRA_ARTICLES.items()))
        add_article(raw, stem, language, title, text)
        second = build(root=root, raw_dir=raw)
        assert second.version != first.version
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(s and s[-1][1] == second.version for s in seen):
            time.sleep(0.2)
        time.sleep(1)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        snapshots = sorted((root / STAGING / SNAPSHOTS).iterdir())
    finally:
        stop.set()
        server.stop()
    assert not errors, errors
    expected = {f"{first.version}:1", f"{second.version}:2"}
    for answers in seen:
        assert answers, "a client got no answer"
        releases = [database for database, _ in answers]
        assert set(releases) <= expected  # the database and the header agree: one release each
        switched = releases.index(f"{second.version}:2") if f"{second.version}:2" in releases else None
        assert switched is not None, "the server never switched to the new release"
        assert all(r == f"{second.version}:2" for r in releases[switched:])  # never back to the old
    assert any(answers[0][0] == f"{first.version}:1" for answers in seen)  # the old one was served
    # Each worker's snapshot of the old release was deleted once it was idle: one snapshot a worker.
    assert len({folder.name.split("-")[0] for folder in snapshots}) == len(snapshots) == WORKERS


def test_take_snapshot_is_the_published_release_linked_not_copied(release: Path, tmp_path: Path) -> None:
    taken, folder = take_snapshot(release, tmp_path / "snapshot")
    assert taken == identity(release)
    database = folder / "diplomacy.db"
    assert database.stat().st_ino == (release / "diplomacy.db").stat().st_ino
    assert (folder / "datapackages" / "diplomacy-news" / "datapackage.json").read_bytes() == (
        release / "datapackages" / "diplomacy-news" / "datapackage.json"
    ).read_bytes()


def test_identity_is_none_while_a_publish_is_under_way(release: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(release, root)
    assert identity(root) is not None
    (root / STAGING).mkdir(exist_ok=True)
    (root / STAGING / "publish.json").write_text("{}")
    assert identity(root) is None
