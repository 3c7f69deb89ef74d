"""Releases: swapped in atomically (even when the build is killed), reproducible, versioned, explained in
CHANGELOG.md and by `diplodata diff`, accounted for by a build report, one build at a time."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from etl.build import build
from etl.cli import main
from etl.layout import CHANGELOG, DATABASE, DATAPACKAGES, DOWNLOADS, PUBLISHED, RAW_DIR, REPORT, ROOT, STAGING
from etl.package.validate import validate_release
from etl.release.changelog import CHANGELOG_HEADING
from etl.release.lock import LOCK_FILE, LockBusy, build_lock
from etl.release.publish import (
    JOURNAL,
    PAUSE_VARIABLE,
    recover,
    recover_interrupted,
    swap_points,
)
from etl.release.read import Release, load_release
from etl.release.report import COLUMN_TYPES, REPORT_TABLES, report_tables_metadata
from etl.release.versioning import Previous, choose_version
from etl.release.versions import next_version
from etl.specs import load_project
from tests.conftest import SEED
from tests.package.test_packages import files_under

NEW_TITLE = "Diplomatic contact days 2025, retitled"
TIMEOUT = 180


# Releases on disk -----------------------------------------------------------------------------------


def published(root: Path) -> dict[str, bytes]:
    """Every published file under a release root (packages, metadata, database, downloads, changelog)."""
    found: dict[str, bytes] = {}
    for name in PUBLISHED:
        path = root / name
        if path.is_dir():
            found.update({f"{name}/{k}": v for k, v in files_under(path).items()})
        elif path.exists():
            found[name] = path.read_bytes()
    return found


def copy_release(source: Path, target: Path) -> Path:
    """A copy of a release root, without its build folder."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(STAGING))
    return target


KEPT = {LOCK_FILE, "cache", "fingerprint.json", "made-by.txt"}  # the lock, the cache, what the release is


def leftovers(root: Path) -> list[str]:
    """What the build folder holds besides what it keeps between builds."""
    folder = root / STAGING
    return sorted(p.name for p in folder.iterdir() if p.name not in KEPT) if folder.exists() else []


def versions(root: Path) -> set[str]:
    """The versions of every datapackage.json of a release."""
    return {
        json.loads(p.read_text(encoding="utf-8"))["version"]
        for p in (root / DATAPACKAGES).glob("*/datapackage.json")
    }


def database_is_sound(path: Path) -> bool:
    """True when SQLite finds the database file intact."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return bool(db.execute("pragma integrity_check").fetchone()[0] == "ok")


@pytest.fixture(scope="module")
def release_a(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The release of the committed inputs (the previous release of these tests)."""
    return copy_release(release, tmp_path_factory.mktemp("a") / "root")


@pytest.fixture(scope="module")
def raw_b(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed inputs with one correction: the seed article's title in its provenance record."""
    raw = tmp_path_factory.mktemp("raw-b") / "raw"
    shutil.copytree(RAW_DIR, raw)
    record = raw / f"{SEED.stem}.yml"
    lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
    record.write_text(
        "".join(f'title: "{NEW_TITLE}"\n' if line.startswith("title:") else line for line in lines),
        encoding="utf-8",
    )
    return raw


@pytest.fixture(scope="module")
def release_b(release_a: Path, raw_b: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corrected inputs built over a copy of release A: the next release."""
    root = copy_release(release_a, tmp_path_factory.mktemp("b") / "root")
    build(root=root, raw_dir=raw_b)
    return root


# Versioned, reproducible, explained ---------------------------------------------------------------------


def test_a_correction_is_a_patch_release_recorded_in_every_package(release_a: Path, release_b: Path) -> None:
    [version_a] = versions(release_a)
    assert versions(release_b) == {next_version(version_a, "patch")}
    report = json.loads((release_b / DOWNLOADS / REPORT).read_text(encoding="utf-8"))
    assert report["release"] == {
        "version": next_version(version_a, "patch"),
        "previous_version": version_a,
        "bump": "patch",
        "created": "2026-11-27T00:00:00Z",  # the seed's archiving date, not the clock
    }
    assert f'owl:versionInfo "{next_version(version_a, "patch")}"' in (
        release_b / DOWNLOADS / "catalog.ttl"
    ).read_text(encoding="utf-8")


def test_the_release_writes_a_changelog_section_dated_by_its_inputs(release_a: Path, release_b: Path) -> None:
    [version_b] = versions(release_b)
    text = (release_b / CHANGELOG).read_text(encoding="utf-8")
    assert text.startswith(CHANGELOG_HEADING + "\n")
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections[0] == f"## {version_b} — 2026-11-27"
    section = text.split(sections[0], 1)[1].split("\n## ", 1)[0]
    assert "Patch: corrections only" in section and "title" in section and "retitled" in section
    before = (release_a / CHANGELOG).read_text(encoding="utf-8")  # every release has its section
    [version_a] = versions(release_a)
    assert f"## {version_a} — " in before
    assert [line for line in before.splitlines() if line.startswith("## ")] == sections[1:]


def test_building_the_same_inputs_again_changes_nothing(release_b: Path, raw_b: Path, tmp_path: Path) -> None:
    root = copy_release(release_b, tmp_path / "root")
    messages: list[str] = []
    report = build(root=root, raw_dir=raw_b, progress=messages.append)
    [version] = versions(release_b)
    assert f"release {version} (data unchanged)" in messages
    assert (report.version, report.bump) == (version, "patch")  # still told as the patch it was
    assert published(root) == published(release_b)
    assert leftovers(root) == []


def test_a_build_whose_inputs_did_not_change_publishes_nothing_and_says_so(
    release_b: Path, raw_b: Path, tmp_path: Path
) -> None:
    root = copy_release(release_b, tmp_path / "root")
    build(root=root, raw_dir=raw_b)
    before = published(root)
    messages: list[str] = []
    report = build(root=root, raw_dir=raw_b, progress=messages.append)
    [version] = versions(release_b)
    assert messages == [f"nothing changed since release {version}: the published release is up to date"]
    assert report.version == version and report.published and report.tables
    assert published(root) == before
    (raw_b / "000_03760b43a54f4e20.yml").touch()  # the same bytes: still nothing to do
    assert build(root=root, raw_dir=raw_b, progress=messages.append).version == version
    assert len(messages) == 2
    forced: list[str] = []
    build(root=root, raw_dir=raw_b, progress=forced.append, full=True)
    assert any(m.startswith("extracting ") for m in forced)


def test_a_fresh_root_continues_the_checkout_s_versions(release: Path) -> None:
    committed = load_release(ROOT / DATAPACKAGES)
    assert versions(release) == {p.version for p in committed.packages.values()}
    if (ROOT / CHANGELOG).exists():
        assert (release / CHANGELOG).read_bytes() == (ROOT / CHANGELOG).read_bytes()


def edit_table(release: Release, package: str, resource: str, **changes: Any) -> Release:
    """A release with one table's schema, header or rows replaced."""
    old = release.packages[package]
    table = dataclasses.replace(old.tables[resource], **changes)
    tables = {**old.tables, resource: table}
    return dataclasses.replace(
        release, packages={**release.packages, package: dataclasses.replace(old, tables=tables)}
    )


def test_the_version_follows_the_kind_of_change(release_a: Path) -> None:
    new = load_release(release_a / DATAPACKAGES)
    counts = new.packages["diplomacy-network"].tables["post_counts"]

    def bump(old: Release, version: str = "1.4.2", floor: str = "0.1.0") -> tuple[str, str]:
        chosen = choose_version(Previous(old, version, release_a / CHANGELOG), new, floor)
        return chosen.bump, chosen.version

    assert bump(new) == ("none", "1.4.2")
    assert bump(new, floor="2.0.0") == ("none", "2.0.0")
    assert bump(edit_table(new, "diplomacy-network", "post_counts", rows=counts.rows[1:])) == (
        "minor",
        "1.5.0",
    )
    changed = [{**counts.rows[0], "count": str(int(counts.rows[0]["count"]) + 1)}, *counts.rows[1:]]
    assert bump(edit_table(new, "diplomacy-network", "post_counts", rows=tuple(changed))) == (
        "patch",
        "1.4.3",
    )
    schema = {**counts.schema, "fields": [*counts.schema["fields"], {"name": "legacy", "type": "string"}]}
    wider = edit_table(
        new,
        "diplomacy-network",
        "post_counts",
        schema=schema,
        header=(*counts.header, "legacy"),
        rows=tuple({**row, "legacy": ""} for row in counts.rows),
    )
    assert bump(wider) == ("major", "2.0.0")
    first = choose_version(None, new, str(load_project()["version"]))
    assert (first.version, first.previous_version, first.changed) == (load_project()["version"], None, True)


# diplodata diff ------------------------------------------------------------------------------------------


def test_diff_command_reports_rows_changed_and_the_bump(release_a: Path, release_b: Path) -> None:
    old, new = str(release_a / DATAPACKAGES), str(release_b / DATAPACKAGES)
    text = CliRunner().invoke(main, ["diff", old, new])
    assert text.exit_code == 0, text.output
    assert "changed" in text.output and "retitled" in text.output
    assert text.output.rstrip().splitlines()[-1].startswith("bump: patch")
    as_json = CliRunner().invoke(main, ["diff", old, new, "--json"])
    data = json.loads(as_json.output)
    assert data["bump"] == "patch" and data["packages"]
    same = CliRunner().invoke(main, ["diff", old, old])
    assert same.output == "no changes\nbump: none\n"


def test_diff_command_refuses_what_is_not_a_release_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "etl", "diff", str(tmp_path / "absent"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert (
        result.stderr.count("\n") == 1 and "not found" in result.stderr and "Traceback" not in result.stderr
    )


# The build report ----------------------------------------------------------------------------------------


def test_the_report_is_published_as_json_and_as_database_tables(release_b: Path) -> None:
    report = json.loads((release_b / DOWNLOADS / REPORT).read_text(encoding="utf-8"))
    assert report["counts"]["read"] == len(report["inputs"]) >= 1
    assert [i["status"] for i in report["inputs"]] == ["published"] * len(report["inputs"])
    assert report["counts"]["warnings"] == len(report["warnings"]) > 0
    assert set(report["warnings"][0]) == {"source", "field", "message", "char_start", "char_end"}
    with sqlite3.connect(release_b / DATABASE) as db:
        for table, rows in report["tables"].items():
            assert db.execute(f"select count(*) from [{table}]").fetchone()[0] == rows, table
        assert db.execute("select count(*) from build_warnings").fetchone()[0] == len(report["warnings"])
        assert db.execute("select file, status from build_sources").fetchall() == [
            (i["file"], i["status"]) for i in report["inputs"]
        ]
        assert db.execute("select version, bump from build_release").fetchall() == [
            (report["release"]["version"], "patch")
        ]
        assert dict(db.execute("select table_name, rows from build_tables").fetchall()) == report["tables"]
        for table, columns in COLUMN_TYPES.items():
            names = [row[1] for row in db.execute(f"pragma table_info([{table}])")]
            assert names == list(columns) == list(REPORT_TABLES[table]["columns"]), table
    metadata = report_tables_metadata()
    assert all(m["title"] and m["description"] and all(m["columns"].values()) for m in metadata.values())


def test_the_report_names_rejected_files_without_their_folder(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(RAW_DIR, raw)
    (raw / "001_empty.txt").write_bytes(b"")
    root = tmp_path / "root"
    result = CliRunner().invoke(main, ["build", "--quiet", "--root", str(root), "--raw", str(raw)])
    assert result.exit_code == 3
    report = json.loads((root / DOWNLOADS / REPORT).read_text(encoding="utf-8"))
    [rejected] = [i for i in report["inputs"] if i["status"] == "rejected"]
    assert rejected["file"] == "001_empty.txt" and rejected["reason"].startswith("empty file")
    assert str(tmp_path) not in (root / DOWNLOADS / REPORT).read_text(encoding="utf-8")


# One build at a time -------------------------------------------------------------------------------------


def test_a_held_lock_refuses_a_second_holder(tmp_path: Path) -> None:
    with build_lock(tmp_path / STAGING) as path:
        assert path.read_text().strip() == str(os.getpid())
        with pytest.raises(LockBusy) as caught, build_lock(tmp_path / STAGING):
            pass
    message = str(caught.value)
    assert f"pid {os.getpid()}" in message and "\n" not in message
    assert path.read_text() == ""  # released, and the file kept


def dead_pid() -> int:
    """The pid of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_lock_left_by_a_dead_build_is_taken_over(tmp_path: Path) -> None:
    (tmp_path / STAGING).mkdir()
    pid = dead_pid()
    (tmp_path / STAGING / LOCK_FILE).write_text(f"{pid}\n")
    messages: list[str] = []
    with build_lock(tmp_path / STAGING, messages.append) as path:
        assert path.read_text().strip() == str(os.getpid())
    assert messages == [f"took over the stale lock {path} of pid {pid} (no longer running)"]


# Killing builds ------------------------------------------------------------------------------------------


def start_paused(arguments: list[str], point: str) -> subprocess.Popen[str]:
    """Start `python -m etl ARGUMENTS` set to stop at a checkpoint."""
    return subprocess.Popen(
        [sys.executable, "-m", "etl", *arguments],
        env={**os.environ, PAUSE_VARIABLE: point},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_paused(process: subprocess.Popen[str], point: str) -> None:
    """Wait until a process says it stopped at the checkpoint (killing it after TIMEOUT seconds)."""
    assert process.stderr is not None
    watchdog = threading.Timer(TIMEOUT, process.kill)
    watchdog.start()
    said: list[str] = []
    try:
        for line in process.stderr:
            said.append(line)
            if line.startswith(f"paused at {point} "):
                return
    finally:
        watchdog.cancel()
    raise AssertionError(f"never paused at {point}: {''.join(said)}")


def kill(process: subprocess.Popen[str]) -> None:
    """SIGKILL a process and reap it."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    if process.stderr is not None:
        process.stderr.close()


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts, killed if the test leaves them running."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for process in started:
        if process.poll() is None:
            kill(process)


def test_a_second_build_is_refused_while_one_runs(
    release_a: Path, raw_b: Path, tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    root = copy_release(release_a, tmp_path / "root")
    arguments = ["build", "--quiet", "--root", str(root), "--raw", str(raw_b)]
    first = start_paused(arguments, "locked")
    processes.append(first)
    wait_paused(first, "locked")
    second = subprocess.run(
        [sys.executable, "-m", "etl", *arguments], capture_output=True, text=True, check=False
    )
    assert second.returncode == 4
    # one error line (after the warning that the records point at this machine's own address)
    [line] = [line for line in second.stderr.splitlines() if not line.startswith("warning: ")]
    assert line.startswith("error: another build is running in") and f"(pid {first.pid}," in line
    assert published(root) == published(release_a)
    kill(first)
    assert (root / STAGING / LOCK_FILE).read_text().strip() == str(first.pid)
    messages: list[str] = []
    with build_lock(root / STAGING, messages.append):
        pass
    assert messages and f"pid {first.pid} (no longer running)" in messages[0]


# Where the whole build is killed: in the middle of its work, with everything staged and the journal
# written, in the middle of the swap, and after the commit. Every point of the swap itself is killed in
# test_publish_killed_at_any_point_is_undone_by_recover below, on a small release.
BUILD_POINTS = ["validated", "journal", "in:diplomacy.db", "committed"]


def test_a_killed_build_leaves_the_previous_release_whole(
    release_a: Path, release_b: Path, raw_b: Path, tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    """SIGKILL `python -m etl build` at points all along its run: the published release is the previous
    one, byte for byte (for a kill inside the swap, once the next build has started: it undoes the
    swap first thing), or, killed after the commit, the new one; never a mixture."""
    assert set(BUILD_POINTS) - {"validated"} <= set(swap_points())
    a, b = published(release_a), published(release_b)
    articles = f"{DATAPACKAGES}/diplomacy-news/data/articles.csv"
    assert a[articles] != b[articles] and a[DATABASE] != b[DATABASE]
    assert (
        validate_release(release_a / DATAPACKAGES) == [] and validate_release(release_b / DATAPACKAGES) == []
    )
    roots = {point: copy_release(release_a, tmp_path / point.replace(":", "-")) for point in BUILD_POINTS}
    for point, root in roots.items():
        processes.append(start_paused(["build", "--quiet", "--root", str(root), "--raw", str(raw_b)], point))
    for point, process in zip(BUILD_POINTS, processes, strict=True):
        wait_paused(process, point)
        kill(process)

    # Killed before the first rename, or after the commit: nothing to undo.
    assert published(roots["validated"]) == a
    assert published(roots["journal"]) == a
    assert published(roots["committed"]) == b
    # Killed inside the swap: the root is a mixture until the next build starts...
    mixed = published(roots["in:diplomacy.db"])
    assert mixed[articles] == b[articles] and mixed[DATABASE] == b[DATABASE] and mixed != b
    # ...which undoes it first thing, under its lock: stop that build there, check, and kill it too.
    inside = ["journal", "in:diplomacy.db"]
    undo = [
        start_paused(["build", "--quiet", "--root", str(roots[p]), "--raw", str(raw_b)], "locked")
        for p in inside
    ]
    processes.extend(undo)
    for point, process in zip(inside, undo, strict=True):
        wait_paused(process, "locked")
        assert published(roots[point]) == a, point
        kill(process)
    for point, root in roots.items():
        recover(root)
        assert published(root) == (b if point == "committed" else a), point
        assert leftovers(root) == [], point
        assert database_is_sound(root / DATABASE), point


# The publish step alone, killed at every one of its points -------------------------------------------------

PUBLISH = "import sys; from pathlib import Path; from etl.release import publish; publish(Path(sys.argv[1]))"


def fake_release(folder: Path, label: str) -> None:
    """A small release of every published name, each file saying which release it belongs to."""
    for name in PUBLISHED:
        path = folder / name
        if "." in name:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{label} {name}\n")
        else:
            (path / "inner").mkdir(parents=True)
            (path / "inner" / "file.csv").write_text(f"{label} {name}\n")


@pytest.mark.parametrize("first", [False, True], ids=["over-a-release", "first-release"])
def test_publish_killed_at_any_point_is_undone_by_recover(
    tmp_path: Path, processes: list[subprocess.Popen[str]], first: bool
) -> None:
    points = swap_points()
    roots = {}
    for number, point in enumerate(points):
        root = roots[point] = tmp_path / f"{number:02d}"
        root.mkdir()
        if not first:
            fake_release(root, "old")
        fake_release(root / STAGING / "next", "new")
        process = subprocess.Popen(
            [sys.executable, "-c", PUBLISH, str(root)],
            env={**os.environ, PAUSE_VARIABLE: point},
            stderr=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
    old = {} if first else published(next(iter(roots.values())))
    new_root = tmp_path / "new"
    fake_release(new_root, "new")
    new = published(new_root)
    for point, process in zip(points, processes, strict=True):
        wait_paused(process, point)
        kill(process)
        root = roots[point]
        assert (root / STAGING / JOURNAL).exists() == (point != "committed"), point
        assert recover(root) == (point != "committed"), point
        assert published(root) == (new if point == "committed" else old), point
        assert leftovers(root) == [], point


def test_serve_s_recovery_waits_for_the_lock(tmp_path: Path, processes: list[subprocess.Popen[str]]) -> None:
    root = tmp_path / "root"
    fake_release(root, "old")
    old = published(root)
    fake_release(root / STAGING / "next", "new")
    process = subprocess.Popen(
        [sys.executable, "-c", PUBLISH, str(root)],
        env={**os.environ, PAUSE_VARIABLE: "in:diplomacy.db"},
        stderr=subprocess.PIPE,
        text=True,
    )
    processes.append(process)
    wait_paused(process, "in:diplomacy.db")
    kill(process)
    assert published(root) != old
    with build_lock(root / STAGING), pytest.raises(LockBusy):
        recover_interrupted(root)  # a running build is never undone under its feet
    assert recover_interrupted(root) is True
    assert published(root) == old and recover_interrupted(root) is False
