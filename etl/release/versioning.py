"""The previous release, the version of the next one and its section of CHANGELOG.md.

The previous release is the one published under the root or, when there is none there, the
one committed in the checkout. The new release is compared with it row by row (etl.release.diff): no change
keeps its version, so building the same inputs twice changes nothing; otherwise the version is bumped
(major for a breaking schema change, minor for added rows, patch for corrections), and never below the
version in etl/schemas/project.yml, which is also the first release's version."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from etl.layout import CHANGELOG, DATAPACKAGES, ROOT
from etl.release.changelog import (
    MAX_EXAMPLES,
    SECTION_PATTERN,
    render_changelog_section,
    update_changelog,
    version_order,
)
from etl.release.changes import ReleaseDiff
from etl.release.diff import compare_releases
from etl.release.publish import ReleaseError
from etl.release.read import CsvRows, DiffError, Package, Release, Table, load_release
from etl.release.versions import classify, next_version
from etl.specs import PackageSpec

NO_RELEASE = "(none)"
STAGED = "(staged)"


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


def staged_release(
    folder: Path, packages: tuple[PackageSpec, ...], counts: Mapping[tuple[str, str], int] | None = None
) -> Release:
    """The release that the CSV files written under a datapackages folder make, before their
    descriptors are written (packages in name order), as a diff reads it: each table read from its
    file when it is gone through, so that its version is chosen from the files in constant memory.
    counts: the rows written of each (package, resource), when known (a file the previous release
    has, byte for byte, is then not read at all)."""
    by_name: dict[str, Package] = {}
    for package in sorted(packages, key=lambda p: p.name):
        resources: dict[str, Table] = {}
        for spec in package.resources:
            header = tuple(spec.field_names)
            where = f"{package.name}/{spec.name}"
            path = folder / package.name / "data" / f"{spec.name}.csv"
            count = (counts or {}).get((package.name, spec.name))
            rows = CsvRows(path, where, "utf-8", {}, header, count)
            resources[spec.name] = Table(spec.name, where, spec.schema, header, rows)
        by_name[package.name] = Package(package.name, None, package.name, resources)
    return Release(STAGED, by_name)


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
                release = load_release(folder, lazy=True)
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
    try:
        # (published, it passed validation: a file it has byte for byte is unchanged at once)
        diff = compare_releases(previous.release, staged, keep=MAX_EXAMPLES, validated=True)
    except DiffError as exc:  # the previous release's files are read only now
        raise ReleaseError(f"cannot read the previous release: {exc}") from None
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
