"""Semantic versions of a release: the bump each change of a diff needs, and the version after it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from etl.release.changes import ReleaseDiff

BUMPS = ("none", "patch", "minor", "major")
VERSION_PATTERN = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")


def bump_reasons(diff: ReleaseDiff) -> Iterator[tuple[str, str]]:
    """Every change as (the bump it needs, why), in report order."""
    for gone in diff.packages_removed:
        yield "major", f"package {gone.name} removed"
    for new in diff.packages_added:
        yield "minor", f"package {new.name} added"
    for package in diff.packages:
        for summary in package.resources_removed:
            yield "major", f"{package.name}/{summary.name} removed"
        for summary in package.resources_added:
            yield "minor", f"{package.name}/{summary.name} added"
        for resource in package.resources:
            where, schema = f"{package.name}/{resource.name}", resource.schema
            for field in schema.fields_removed:
                yield "major", f"{where}: field {field} removed"
            for change in schema.types_changed:
                yield "major", f"{where}: field {change.field} type changed"
            if schema.primary_key is not None:
                yield "major", f"{where}: primary key changed"
            for constraint in schema.constraints_changed:
                how = "tightened" if constraint.tightened else "loosened"
                bump = "major" if constraint.tightened else "minor"
                yield bump, f"{where}: field {constraint.field} constraint {constraint.constraint} {how}"
            for field in schema.fields_added:
                yield "minor", f"{where}: field {field} added"
            if resource.added_count:
                yield "minor", f"{where}: {resource.added_count} rows added"
            if resource.removed_count:
                yield "patch", f"{where}: {resource.removed_count} rows removed"
            if resource.changed_count:
                yield "patch", f"{where}: {resource.changed_count} rows changed"


def classify(diff: ReleaseDiff) -> str:
    """The semantic-version bump a diff needs: "major", "minor", "patch" or "none"."""
    return max((bump for bump, _ in bump_reasons(diff)), key=BUMPS.index, default="none")


def next_version(old_version: str, bump: str) -> str:
    """The version after old_version (X.Y.Z) for a bump: "major", "minor", "patch" or "none"."""
    match = VERSION_PATTERN.fullmatch(old_version.strip())
    if match is None:
        raise ValueError(f"version {old_version!r} is not a semantic version X.Y.Z")
    if bump not in BUMPS:
        raise ValueError(f"bump {bump!r} is not one of {', '.join(BUMPS)}")
    major, minor, patch = (int(part) for part in match.groups())
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    if bump == "patch":
        return f"{major}.{minor}.{patch + 1}"
    return f"{major}.{minor}.{patch}"
