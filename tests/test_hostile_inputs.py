"""The reliability battery, build: hostile inputs are rejected by name or made harmless while the
others publish, and a full disk ends the build with one line, the published release unchanged."""

from __future__ import annotations

import errno
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import etl.build
from etl.build import build
from etl.cli import main
from etl.layout import RAW_DIR, ROOT
from tests.conftest import SEED, Client
from tests.hostile import archive, deep_page, page
from tests.package.test_packages import files_under

NETWORK = page(
    "<p>On 1 January 2024, Belgium has \u202e78\u202c embassies, 25 consulates gen\u00aderal and 8 "
    "perma\u200bnent representations, which together make up its network of posts abroad.</p>"
    "<p>Minister Maxime Pre\u0301vot presented the network to the ambassadors in Brussels.</p>"
)


@pytest.fixture
def hostile_raw(tmp_path: Path) -> Path:
    """The committed raw folder and hostile inputs: too deep, too large, and text captures that
    are not stored as they are, and a page whose invisible characters must go."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    archive(raw, "100_deep", deep_page(100_000))
    archive(raw, "101_long", page("<p>" + "Belgium has 86 embassies. " * 200_000 + "</p>"))
    archive(raw, "102_bidi", "Belgium has \u202e78\u202c embassies around the world.\n", ".txt")
    archive(raw, "103_nfd", "Minister Maxime Pre\u0301vot visited 3 embassies.\n", ".txt")
    archive(raw, "104_network", NETWORK)
    return raw


def test_build_rejects_hostile_inputs_by_name_and_publishes_the_others(
    hostile_raw: Path, tmp_path: Path
) -> None:
    root = tmp_path / "out"
    started = time.perf_counter()
    report = build(root=root, raw_dir=hostile_raw)
    elapsed = time.perf_counter() - started
    reasons = {Path(e.path).name: e.reason for e in report.rejected}
    assert sorted(reasons) == ["100_deep.html", "101_long.html", "102_bidi.txt", "103_nfd.txt"]
    assert reasons["100_deep.html"].startswith("too-deep: ")
    assert reasons["101_long.html"].startswith("too-large: a paragraph of 5,200,000 characters")
    assert "U+202E RIGHT-TO-LEFT OVERRIDE at offset 12" in reasons["102_bidi.txt"]
    assert "not in Unicode NFC" in reasons["103_nfd.txt"]
    assert sorted(report.published) == sorted([SEED.stem, "104_network"])
    assert elapsed < 120  # the hostile pages cost milliseconds; the rest is the ordinary build
    client = Client(root)
    try:
        row = client.get("/diplomacy/articles/104_network.json?_shape=array").json()[0]
        shown = client.get("/diplomacy/articles/104_network").text
    finally:
        client.close()
    assert not any(c in row["body"] + shown for c in "\u202e\u202c\u00ad\u200b")
    assert "78 embassies" in row["body"] and "78 embassies" in shown and "Prévot" in row["body"]


def test_extract_command_names_a_page_too_deep_in_one_line(tmp_path: Path) -> None:
    path = archive(tmp_path, "100_deep", deep_page(100_000))
    result = CliRunner().invoke(main, ["extract", str(path)])
    assert result.exit_code == 1
    assert (
        result.output.strip()
        == f"error: {path}: too-deep: elements nested more than 512 deep (at offset 2,651)"
    )


def published(root: Path) -> dict[str, bytes]:
    """Every file of a release root but the build's own folder."""
    return {k: v for k, v in files_under(root).items() if not k.startswith(".build")}


@pytest.mark.parametrize(
    ("stage", "error"),
    [
        ("write_zip", OSError(errno.ENOSPC, "No space left on device")),
        ("build_database", sqlite3.OperationalError("database or disk is full")),
    ],
    ids=["files", "database"],
)
def test_build_command_ends_with_one_line_when_the_disk_is_full(
    release: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: str, error: Exception
) -> None:
    root = tmp_path / "site"
    shutil.copytree(release, root)
    before = published(root)

    def full(*args: Any, **kwargs: Any) -> None:
        raise error

    monkeypatch.setattr(etl.build, stage, full)
    result = CliRunner().invoke(main, ["build", "--quiet", "--full", "--root", str(root)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1] == (
        f"error: disk full while writing {root / '.build' / 'next'}: {error.args[-1]}; "
        "the published release is unchanged"
    )
    assert published(root) == before


def mount_tmpfs(folder: Path, size: str) -> str | None:
    """Mount a small tmpfs on a folder; why not, when the machine does not allow it."""
    if shutil.which("mount") is None:
        return "no mount command"
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
    )
    return None if done.returncode == 0 else f"cannot mount a tmpfs here: {done.stderr.decode().strip()}"


def test_build_on_a_full_disk_ends_with_one_line_and_keeps_the_release(tmp_path: Path) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    why = mount_tmpfs(disk, "16m")
    if why is not None:
        pytest.skip(why)
    try:
        root = disk / "site"
        build(root=root)
        before = published(root)
        free = shutil.disk_usage(disk).free
        (disk / "filler").write_bytes(b"\0" * (free - 512 * 1024))  # half a megabyte left
        command = [sys.executable, "-m", "etl", "build", "--quiet", "--full", "--root", str(root)]
        result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith(f"error: disk full while writing {root}") and "No space left on device" in last
        assert published(root) == before
    finally:
        subprocess.run(["umount", str(disk)], check=False)
