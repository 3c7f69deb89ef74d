"""Publishing a release all at once or not at all, and undoing a publish that was interrupted.

A release is staged complete in `.build/next/` (every name of `PUBLISHED`), validated and
flushed to disk. Then a journal, `.build/publish.json`, is written atomically: it names what is about
to be swapped and which of those names the published release had. Each published name is moved aside
to `.build/previous/` and the staged one moved in, each move a single rename. Removing the journal is
the commit: until then, the swap is undone by `recover`, which every build (and `serve`) runs first,
under the build lock. So a build killed at any point leaves, once recovered, either the previous
release or the new one, each whole, never a mixture. The published names stay real files and folders
(`datapackages/` and `metadata.yml` are committed to git), never symbolic links."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from etl.layout import PUBLISHED, STAGING
from etl.release.lock import build_lock

NEXT = "next"
# Beside a stage, the folder where the largest resources' rows wait between extraction and writing.
ROWS_SUFFIX = "-rows"
BACKUP = "previous"
TRASH = "trash"
JOURNAL = "publish.json"
PAUSE_VARIABLE = "DIPLODATA_PAUSE_AT"
NO_RELEASE = "(none)"


class ReleaseError(Exception):
    """A release that cannot be published or compared; str() is one line."""


# A hook for tests: stop at a named point of the build, so that a test can kill it exactly there.


def checkpoint(point: str) -> None:
    """When DIPLODATA_PAUSE_AT names this point, say so on stderr and wait there to be killed."""
    if os.environ.get(PAUSE_VARIABLE) != point:
        return
    sys.stderr.write(f"paused at {point} (pid {os.getpid()})\n")
    sys.stderr.flush()
    while True:
        time.sleep(3600)


def swap_points(names: Iterable[str] = PUBLISHED) -> list[str]:
    """The checkpoints of a publish, in order: journal written, each name moved out and in, swapped,
    committed."""
    moves = [f"{way}:{name}" for name in names for way in ("out", "in")]
    return ["journal", *moves, "swapped", "committed"]


# Durable files.


def sync_path(path: Path) -> None:
    """Flush a file or a folder's entries to disk, where the system allows it."""
    with contextlib.suppress(OSError):
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def sync_tree(path: Path) -> None:
    """Flush a file, or every file and folder under a folder, to disk."""
    if path.is_dir() and not path.is_symlink():
        for child in sorted(path.rglob("*")):
            sync_path(child)
    sync_path(path)


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file whole or not at all: a flushed temporary file renamed over it."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    sync_path(path.parent)


def exists(path: Path) -> bool:
    """True for a file, a folder or a link (even a dangling one)."""
    return path.exists() or path.is_symlink()


def remove(path: Path) -> None:
    """Delete a file, a link or a folder tree, if there is one."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif exists(path):
        path.unlink()


# Publishing and recovering.


def staging_folder(root: Path) -> Path:
    """Where a build stages the next release of a root."""
    return root / STAGING / NEXT


def publish(root: Path, names: Sequence[str] = PUBLISHED) -> None:
    """Swap the release staged in `.build/next/` in place of the published one, atomically: on any
    failure, now or on a later `recover`, the published release is the previous one, whole."""
    build_dir, stage = root / STAGING, staging_folder(root)
    backup = build_dir / BACKUP
    if (build_dir / JOURNAL).exists():
        raise ReleaseError(f"{build_dir / JOURNAL}: an interrupted publish must be recovered first")
    remove(backup)
    remove(build_dir / TRASH)
    backup.mkdir(parents=True)
    sync_tree(stage)
    journal = {
        "names": list(names),
        "existing": [name for name in names if exists(root / name)],
        "incoming": [name for name in names if exists(stage / name)],
    }
    write_atomically(build_dir / JOURNAL, (json.dumps(journal, indent=2) + "\n").encode("utf-8"))
    checkpoint("journal")
    try:
        for name in names:
            if name in journal["existing"]:
                os.rename(root / name, backup / name)
            checkpoint(f"out:{name}")
            if name in journal["incoming"]:
                os.rename(stage / name, root / name)
            checkpoint(f"in:{name}")
        sync_path(root)
        checkpoint("swapped")
    except BaseException:
        recover(root)
        raise
    (build_dir / JOURNAL).unlink()
    sync_path(build_dir)
    checkpoint("committed")
    clean(root)


def read_journal(path: Path) -> dict[str, list[str]]:
    """The journal of an interrupted publish."""
    try:
        journal = json.loads(path.read_text(encoding="utf-8"))
        return {key: [str(name) for name in journal[key]] for key in ("names", "existing", "incoming")}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ReleaseError(
            f"{path}: unreadable publish journal ({exc}); restore the published files from git, "
            "then delete it"
        ) from None


def recover(root: Path) -> bool:
    """Undo a publish that was interrupted before its commit, putting the previous release back, and
    clear what a killed build left in `.build/`; True when there was a publish to undo."""
    build_dir = root / STAGING
    journal_path = build_dir / JOURNAL
    if not journal_path.exists():
        clean(root)
        return False
    journal = read_journal(journal_path)
    backup, trash = build_dir / BACKUP, build_dir / TRASH
    remove(trash)
    trash.mkdir(parents=True)
    for name in reversed(journal["names"]):
        live, old = root / name, backup / name
        if exists(old):
            if exists(live):
                os.rename(live, trash / name)
            os.rename(old, live)
        elif name not in journal["existing"] and exists(live):
            os.rename(live, trash / name)
    sync_path(root)
    journal_path.unlink()
    sync_path(build_dir)
    clean(root)
    return True


def recover_interrupted(root: Path) -> bool:
    """Undo an interrupted publish under root, if there is one, taking the build lock to do it (LockBusy
    when a build holds it); True when a publish was undone."""
    if not (root / STAGING / JOURNAL).exists():
        return False
    with build_lock(root / STAGING):
        return recover(root)


def clean(root: Path) -> None:
    """Delete what a finished or undone publish leaves in `.build/` (never the lock)."""
    build_dir = root / STAGING
    for name in (NEXT, NEXT + ROWS_SUFFIX, BACKUP, TRASH, JOURNAL + ".tmp"):
        remove(build_dir / name)
