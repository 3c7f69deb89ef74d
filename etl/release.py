"""Releases: published all at once or not at all, versioned from the previous release, explained in
CHANGELOG.md.

Publishing. A release is staged complete in `.build/next/` (every name of `PUBLISHED`), validated and
flushed to disk. Then a journal, `.build/publish.json`, is written atomically: it names what is about
to be swapped and which of those names the published release had. Each published name is moved aside
to `.build/previous/` and the staged one moved in, each move a single rename. Removing the journal is
the commit: until then, the swap is undone by `recover`, which every build (and `serve`) runs first,
under the build lock. So a build killed at any point leaves, once recovered, either the previous
release or the new one, each whole, never a mixture. The published names stay real files and folders
(`datapackages/` and `metadata.yml` are committed to git), never symbolic links.

Versions. The previous release is the one published under the root or, when there is none there, the
one committed in the checkout. The new release is compared with it row by row (etl.diff): no change
keeps its version, so building the same inputs twice changes nothing; otherwise the version is bumped
(major for a breaking schema change, minor for added rows, patch for corrections), and never below the
version in etl/schemas/project.yml, which is also the first release's version."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl.changelog import SECTION_PATTERN, render_changelog_section, update_changelog, version_order
from etl.diff import DiffError, Release, ReleaseDiff, classify, compare_releases, load_release, next_version
from etl.layout import CHANGELOG, DATAPACKAGES, PUBLISHED, ROOT, STAGING
from etl.lock import build_lock

NEXT = "next"
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
    for name in (NEXT, BACKUP, TRASH, JOURNAL + ".tmp"):
        remove(build_dir / name)


# The previous release, the new version and the changelog.


@dataclass(frozen=True)
class Previous:
    """The release a new one is compared with: its packages, version, created date and changelog."""

    release: Release
    version: str
    changelog: Path
    created: str = ""


@dataclass(frozen=True)
class Versioning:
    """How a staged release relates to the previous one."""

    version: str
    previous_version: str | None
    bump: str
    diff: ReleaseDiff

    @property
    def changed(self) -> bool:
        """True when this is a new release (first one, other data or another version)."""
        return self.previous_version != self.version or self.bump != "none"


def has_packages(folder: Path) -> bool:
    """True when a folder holds at least one data package."""
    return folder.is_dir() and any(folder.glob("*/datapackage.json"))


def release_version(release: Release) -> str:
    """The version of a release: the highest X.Y.Z version of its packages."""
    found = [p.version for p in release.packages.values() if p.version and version_order(p.version)]
    if not found:
        raise ReleaseError(f"{release.where}: no package has a version X.Y.Z; cannot number the next release")
    return max(found, key=lambda v: version_order(v) or ())


def release_created(folder: Path) -> str:
    """The newest `created` date of the packages of a datapackages folder ('' when none gives one)."""
    dates = []
    for path in sorted(folder.glob("*/datapackage.json")):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            dates.append(str(json.loads(path.read_text(encoding="utf-8")).get("created") or ""))
    return max(dates, default="")


def find_previous(root: Path, checkout: Path = ROOT) -> Previous | None:
    """The release published under root, else the one committed in the checkout, else None."""
    for base in dict.fromkeys([root, checkout]):
        folder = base / DATAPACKAGES
        if has_packages(folder):
            try:
                release = load_release(folder)
            except DiffError as exc:
                raise ReleaseError(f"cannot read the previous release: {exc}") from None
            return Previous(release, release_version(release), base / CHANGELOG, release_created(folder))
    return None


def choose_version(previous: Previous | None, staged: Release, floor: str) -> Versioning:
    """The version of a staged release: the previous one's, bumped as the diff needs, never below floor."""
    if version_order(floor) is None:
        raise ReleaseError(f"project version {floor!r} is not a semantic version X.Y.Z")
    if previous is None:
        diff = compare_releases(Release(NO_RELEASE, {}), staged)
        return Versioning(floor, None, classify(diff), diff)
    diff = compare_releases(previous.release, staged)
    bump = classify(diff)
    bumped = next_version(previous.version, bump)
    version = max(bumped, floor, key=lambda v: version_order(v) or ())
    return Versioning(version, previous.version, bump, diff)


def stage_changelog(
    stage: Path, root: Path, previous: Previous | None, versioning: Versioning, staged: Release, created: str
) -> None:
    """Stage CHANGELOG.md: the published one (or the previous release's), with a section for this release
    when it is a new one, dated by the release's created date. A changelog that lacks the previous
    release, or this one, gets their section as a first release (all their packages added), so it
    always tells the story from its first release on and rebuilding adds nothing."""
    base = root / CHANGELOG
    if not base.exists() and previous is not None:
        base = previous.changelog
    target = stage / CHANGELOG
    if base.exists():
        shutil.copyfile(base, target)
    present = changelog_versions(target)
    nothing = Release(NO_RELEASE, {})
    sections = []
    if previous is not None and previous.version != versioning.version and previous.version not in present:
        first = compare_releases(nothing, previous.release)
        sections.append(render_changelog_section(first, previous.version, previous.created[:10] or "unknown"))
    if versioning.changed:
        sections.append(render_changelog_section(versioning.diff, versioning.version, created[:10]))
    elif versioning.version not in present:
        sections.append(
            render_changelog_section(compare_releases(nothing, staged), versioning.version, created[:10])
        )
    try:
        for section in sections:
            update_changelog(target, section)
    except DiffError as exc:
        raise ReleaseError(f"{base}: {exc.reason}") from None


def changelog_versions(path: Path) -> list[str]:
    """The X.Y.Z versions of a changelog's sections, in their order ([] when there is no changelog)."""
    if not path.exists():
        return []
    found = (SECTION_PATTERN.match(line) for line in path.read_text(encoding="utf-8").splitlines())
    return [m.group(1) for m in found if m is not None and version_order(m.group(1)) is not None]


def lineage(changelog: Path, version: str) -> tuple[str | None, str | None]:
    """The release before `version` in a changelog (the highest lower version) and the bump between
    them, read from the release's own changelog so that rebuilding it gives the same answer."""
    rank = version_order(version) or ()
    lower = [v for v in changelog_versions(changelog) if (version_order(v) or ()) < rank]
    if not lower:
        return None, None
    previous = max(lower, key=lambda v: version_order(v) or ())
    return previous, bump_between(previous, version)


def bump_between(old: str, new: str) -> str:
    """The part of the version that changed from old to new: major, minor, patch or none."""
    before, after = version_order(old) or (), version_order(new) or ()
    for part, a, b in zip(("major", "minor", "patch"), before, after, strict=False):
        if a != b:
            return part
    return "none"


def describe(versioning: Versioning) -> str:
    """One line: the version and how it follows from the previous release."""
    if versioning.previous_version is None:
        return f"release {versioning.version} (first release)"
    if not versioning.changed:
        return f"release {versioning.version} (data unchanged)"
    if versioning.bump == "none":
        return f"release {versioning.version} (the project's version, after {versioning.previous_version})"
    return f"release {versioning.version} ({versioning.bump} after {versioning.previous_version})"


def jsonable_versioning(versioning: Versioning) -> dict[str, Any]:
    """The versioning facts of the build report."""
    return {
        "version": versioning.version,
        "previous_version": versioning.previous_version,
        "bump": versioning.bump,
    }
