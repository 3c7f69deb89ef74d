"""What a start of `diplodata serve` loads: the command, its snapshot of the release, its app and the
landing page it answers before it lets anyone in, without the modules only the build needs (the
release stage's reports and diffs, the packages' writers and validation, sqlite-utils, rdflib),
which took as long to import as Datasette itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from etl.layout import ROOT, STAGING
from etl.site.releases import JOURNAL, SNAPSHOTS

# Modules a start must not load: each a part of the build, or a library only the build uses.
BUILD_ONLY = (
    "etl.release",
    "etl.package",
    "etl.curate",
    "etl.extract",
    "etl.build",
    "sqlite_utils",
    "rdflib",
    "frictionless",
    "pandas",
    "pyarrow",
    "xlsxwriter",
    # What Datasette's units (pint) would import: the build's arrays and its optional executor.
    "numpy",
    "dask",
)
# `diplodata serve` as it starts, uvicorn's server replaced by the start of the app and its stop
# (with several workers, the first worker's, in the process that would fork it, after what that
# process loads before forking): then the modules of BUILD_ONLY that were loaded, and the landing
# page's status.
START = """
import asyncio, sys
import uvicorn
from etl.site import workers

def run(app, *arguments, **options):
    async def start_and_stop():
        await app.start()
        page = await app.current.datasette.client.get("/")
        await app.stop()
        return page.status_code

    status = asyncio.run(start_and_stop())
    print(status, *sorted(m for m in sys.argv[2].split() if m in sys.modules))

def first_worker(self, serve_seat):
    serve_seat(0, lambda: None)
    return 0

uvicorn.run = workers.run_app = run
workers.listening_socket = lambda host, port, shared: __import__("socket").socket()
workers.Workers.run = first_worker
from etl.cli import main
main(["serve", "--root", sys.argv[1], "--workers", sys.argv[3]], standalone_mode=False)
"""


def start(root: Path, workers: int = 1) -> list[str]:
    """What START prints for the release under root, served by that many workers."""
    done = subprocess.run(
        [sys.executable, "-c", START, str(root), " ".join(BUILD_ONLY), str(workers)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.split()


def linked_copy(release: Path, folder: Path) -> Path:
    """The published files of a release, linked into a folder of their own (no snapshot or journal
    of other tests' servers)."""
    shutil.copytree(release, folder, copy_function=os.link, ignore=shutil.ignore_patterns(STAGING))
    return folder


@pytest.mark.parametrize("workers", [1, 2])
def test_a_start_loads_nothing_only_the_build_needs(release: Path, tmp_path: Path, workers: int) -> None:
    root = linked_copy(release, tmp_path / "release")
    assert start(root, workers) == ["200"]
    assert not any((root / STAGING / SNAPSHOTS).iterdir())  # the snapshot was deleted at the stop


def test_a_start_clears_the_snapshots_of_servers_no_longer_running(release: Path, tmp_path: Path) -> None:
    root = linked_copy(release, tmp_path / "release")
    dead, alive = root / STAGING / SNAPSHOTS / "999999999-1", root / STAGING / SNAPSHOTS / f"{os.getpid()}-1"
    for folder in (dead, alive):
        folder.mkdir(parents=True)
    assert start(root)[0] == "200"
    assert not dead.exists() and alive.exists()


def test_a_start_after_an_interrupted_publish_undoes_it(release: Path, tmp_path: Path) -> None:
    root = linked_copy(release, tmp_path / "release")
    (root / STAGING).mkdir()
    (root / STAGING / JOURNAL).write_text('{"names": [], "existing": [], "incoming": []}\n', encoding="utf-8")
    assert start(root)[0] == "200"
    assert not (root / STAGING / JOURNAL).exists()
