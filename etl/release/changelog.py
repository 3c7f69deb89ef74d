"""Reports of a release diff (etl/release/diff.py): a text report for the terminal, and the Markdown
changelog of the data (CHANGELOG.md), one section per release, newest first."""

from __future__ import annotations

import itertools
import json
import os
import re
from pathlib import Path
from typing import Any

from etl.release.changes import PackageDiff, PackageSummary, ReleaseDiff, ResourceDiff, RowChange, SchemaDiff
from etl.release.read import DiffError
from etl.release.versions import VERSION_PATTERN, bump_reasons, classify

CHANGELOG_HEADING = "# Changelog of the data"
CHANGELOG_INTRO = (
    "What changed in the published data packages, release by release, newest first. "
    "Rows are named by their primary key, its values joined with `/`."
)
SECTION_PREFIX = "## "
SECTION_PATTERN = re.compile(r"## (\S+)")
MAX_EXAMPLES = 20
MAX_VALUE_CHARS = 80
CONTEXT_CHARS = 20
MAX_REASONS = 3
KEY_SEPARATOR = "/"
ARROW = "→"
ELLIPSIS = "…"
EMPTY = "(empty)"
ABSENT = "(none)"
MARKDOWN_SPECIAL = re.compile(r"[\\`*\[\]<>]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
BUMP_MEANINGS = {
    "major": "Major: breaking schema changes (a field or resource removed, or a type, primary key or "
    "constraint changed).",
    "minor": "Minor: data added (rows, fields or resources); nothing removed from the schema.",
    "patch": "Patch: corrections only (values of existing rows changed, or rows removed).",
    "none": "No changes to the data.",
}


# Values, keys and names, as written in the terminal (plain) or in Markdown (escaped).


def code_span(text: str) -> str:
    """Text as a Markdown code span, fenced with more backticks than it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") or not text.strip() else text
    return f"{fence}{padded}{fence}"


def escape_markdown(text: str) -> str:
    """Text with the characters Markdown would format escaped (intraword underscores kept)."""
    return MARKDOWN_SPECIAL.sub(lambda match: "\\" + match.group(0), text)


def shorten(value: str) -> str:
    """A cell value for reading: (empty) for null, JSON-quoted when its whitespace matters, cut."""
    if value == "":
        return EMPTY
    if value != " ".join(value.split()):
        value = json.dumps(value, ensure_ascii=False)
    return value if len(value) <= MAX_VALUE_CHARS else value[: MAX_VALUE_CHARS - 1] + ELLIPSIS


def window(old: str, new: str) -> tuple[str, str]:
    """Two values cut to a little before where they first differ, so long texts show their change."""
    start = next(
        (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), min(len(old), len(new))
    )
    if start <= CONTEXT_CHARS:
        return old, new
    cut = start - CONTEXT_CHARS
    return ELLIPSIS + old[cut:], ELLIPSIS + new[cut:]


def show_value(value: str, markdown: bool) -> str:
    """A cell value, shortened, escaped for Markdown."""
    short = shorten(value)
    return escape_markdown(short) if markdown else short


def show_code(text: str, markdown: bool) -> str:
    """A key, type or schema value: a code span in Markdown, plain otherwise."""
    return code_span(text) if markdown else text


def show_name(name: str, markdown: bool) -> str:
    """A field or resource name, escaped for Markdown."""
    return escape_markdown(name) if markdown else name


def show_json(value: Any, markdown: bool) -> str:
    """A constraint value as JSON, (none) when absent."""
    return ABSENT if value is None else show_code(json.dumps(value, ensure_ascii=False), markdown)


def plural(count: int, word: str) -> str:
    """'1 row', '2 rows'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


# Lines of changes, shared by both reports.


def counts_phrase(resource: ResourceDiff) -> str:
    """'2 added, 1 removed, 1 changed', with schema changes and unmatched rows when there are."""
    phrase = (
        f"{resource.added_count} added, {resource.removed_count} removed, {resource.changed_count} changed"
    )
    if resource.schema.count:
        phrase += f", {plural(resource.schema.count, 'schema change')}"
    if not resource.key:
        phrase += " (rows not matched: no primary key fits both releases)"
    return phrase


def schema_lines(schema: SchemaDiff, markdown: bool) -> list[str]:
    """One line per schema change."""
    lines = [f"field {show_name(f, markdown)} added" for f in schema.fields_added]
    lines += [f"field {show_name(f, markdown)} removed" for f in schema.fields_removed]
    for kind in schema.types_changed:
        old, new = show_code(kind.old, markdown), show_code(kind.new, markdown)
        lines.append(f"field {show_name(kind.field, markdown)} type {old} {ARROW} {new}")
    for rule in schema.constraints_changed:
        old, new = show_json(rule.old, markdown), show_json(rule.new, markdown)
        how = "tightened" if rule.tightened else "loosened"
        name, constraint = show_name(rule.field, markdown), show_name(rule.constraint, markdown)
        lines.append(f"field {name} constraint {constraint} {old} {ARROW} {new} ({how})")
    if schema.primary_key is not None:
        old, new = (
            show_code(", ".join(k), markdown) for k in (schema.primary_key.old, schema.primary_key.new)
        )
        lines.append(f"primary key {old} {ARROW} {new}")
    return lines


def change_phrase(change: RowChange, markdown: bool) -> str:
    """'changed KEY: count 87 → 88; evidence … → …'."""
    cells = []
    for cell in change.fields:
        old, new = window(cell.old, cell.new)
        shown = f"{show_value(old, markdown)} {ARROW} {show_value(new, markdown)}"
        cells.append(f"{show_name(cell.field, markdown)} {shown}")
    return f"changed {show_code(KEY_SEPARATOR.join(change.key), markdown)}: {'; '.join(cells)}"


def resource_lines(resource: ResourceDiff, markdown: bool, limit: int | None) -> list[str]:
    """Schema changes, then up to `limit` rows added, removed and changed, then how many were left."""
    rows = [f"added {show_code(KEY_SEPARATOR.join(r.key), markdown)}" for r in resource.added]
    rows += [f"removed {show_code(KEY_SEPARATOR.join(r.key), markdown)}" for r in resource.removed]
    rows += [change_phrase(change, markdown) for change in resource.changed]
    shown = rows if limit is None else rows[:limit]
    total = resource.added_count + resource.removed_count + resource.changed_count
    more = [f"{ELLIPSIS} and {plural(total - len(shown), 'more row change')}"] if len(shown) < total else []
    return schema_lines(resource.schema, markdown) + shown + more


def package_phrase(package: PackageSummary, markdown: bool) -> str:
    """A package's resources with their rows: 'post_counts (6 rows), post_types (6 rows)'."""
    parts = [f"{show_name(r.name, markdown)} ({plural(r.rows, 'row')})" for r in package.resources]
    return ", ".join(parts) or "no CSV resources"


def package_lines(package: PackageDiff, markdown: bool, limit: int | None) -> list[tuple[str, str]]:
    """A package's changes as (resource, line) pairs: resources removed and added, then each
    changed resource's counts and changes."""
    lines = [(r.name, f"resource removed ({plural(r.rows, 'row')})") for r in package.resources_removed]
    lines += [(r.name, f"resource added ({plural(r.rows, 'row')})") for r in package.resources_added]
    for resource in package.resources:
        if not resource.is_empty:
            lines.append((resource.name, counts_phrase(resource)))
            lines += [(resource.name, line) for line in resource_lines(resource, markdown, limit)]
    return lines


def bump_line(diff: ReleaseDiff) -> str:
    """'bump: minor (why; why)', with the reasons of the winning level."""
    bump = classify(diff)
    reasons = [why for level, why in bump_reasons(diff) if level == bump]
    if not reasons:
        return f"bump: {bump}"
    shown = "; ".join(reasons[:MAX_REASONS]) + (f"; {ELLIPSIS}" if len(reasons) > MAX_REASONS else "")
    return f"bump: {bump} ({shown})"


# The terminal report.


def render_text(diff: ReleaseDiff, limit: int | None = None) -> str:
    """A terminal report: per package/resource a counts line, then one line per change, then the bump."""
    blocks: list[tuple[str, list[str]]] = []
    for gone in diff.packages_removed:
        blocks.append((gone.name, [f"{gone.name}: package removed ({package_phrase(gone, False)})"]))
    for new in diff.packages_added:
        blocks.append((new.name, [f"{new.name}: package added ({package_phrase(new, False)})"]))
    for package in diff.packages:
        lines, current = [], None
        for resource, line in package_lines(package, False, limit):
            head = f"{package.name}/{resource}: "
            lines.append(("  " if resource == current else head) + line)
            current = resource
        blocks.append((package.name, lines))
    lines = [line for _, block in sorted(blocks, key=lambda b: b[0]) for line in block] or ["no changes"]
    return "\n".join([*lines, bump_line(diff)]) + "\n"


# The Markdown changelog.


def render_changelog_section(diff: ReleaseDiff, version: str, date: str) -> str:
    """A release's CHANGELOG.md section: '## VERSION — DATE', its bump, then bullets per package."""
    if not version or any(c.isspace() for c in version):
        raise ValueError(f"version {version!r} must be one word, such as 0.2.0")
    lines = [f"{SECTION_PREFIX}{version} — {date}", "", BUMP_MEANINGS[classify(diff)]]
    blocks: list[tuple[str, list[str]]] = []
    for gone in diff.packages_removed:
        blocks.append((gone.name, [f"- package removed: {package_phrase(gone, True)}"]))
    for new in diff.packages_added:
        version_note = f" (version {new.version})" if new.version else ""
        blocks.append((new.name, [f"- package added{version_note}: {package_phrase(new, True)}"]))
    for package in diff.packages:
        bullets = [
            f"- {show_name(r, True)}: {line}" for r, line in package_lines(package, True, MAX_EXAMPLES)
        ]
        if bullets:
            blocks.append((package.name, bullets))
    for name, bullets in sorted(blocks, key=lambda b: b[0]):
        lines += ["", f"### {escape_markdown(name)}", "", *bullets]
    return "\n".join(lines) + "\n"


def section_version(section: str) -> str:
    """The version a section is about, from its '## VERSION — DATE' heading."""
    match = SECTION_PATTERN.match(section.lstrip("\n"))
    if match is None:
        raise ValueError("a changelog section starts with '## VERSION'")
    return match.group(1)


def version_order(version: str) -> tuple[int, ...] | None:
    """An X.Y.Z version as numbers to sort by, None for another kind of version."""
    match = VERSION_PATTERN.fullmatch(version)
    return tuple(int(part) for part in match.groups()) if match else None


def insert_position(sections: list[str], version: str) -> int:
    """Where a new version's section goes: before the first section of an older or unnumbered version."""
    rank = version_order(version)
    for index, section in enumerate(sections):
        other = version_order(section_version(section))
        if rank is None or other is None or other < rank:
            return index
    return len(sections)


def insert_section(text: str, section: str, where: Path | str) -> str:
    """A changelog with a section added under its top heading, newest version first, or put in place
    of the section of the same version."""
    lines = text.splitlines()
    if CHANGELOG_HEADING not in lines:
        raise DiffError(where, f"not a data changelog: no {CHANGELOG_HEADING!r} heading")
    top = lines.index(CHANGELOG_HEADING)
    starts = [i for i in range(top + 1, len(lines)) if lines[i].startswith(SECTION_PREFIX)]
    preamble = "\n".join(lines[: starts[0] if starts else len(lines)]).strip("\n")
    sections = ["\n".join(lines[a:b]).strip("\n") for a, b in itertools.pairwise([*starts, len(lines)])]
    version, fresh = section_version(section), section.strip("\n")
    same = [i for i, old in enumerate(sections) if section_version(old) == version]
    if same:
        sections[same[0]] = fresh
        sections = [old for i, old in enumerate(sections) if i not in same[1:]]
    else:
        sections.insert(insert_position(sections, version), fresh)
    return "\n\n".join([preamble, *sections]) + "\n"


def update_changelog(path: Path, section: str) -> None:
    """Put a release section into CHANGELOG.md (created if missing), replacing its version's section."""
    text = (
        path.read_text(encoding="utf-8") if path.exists() else f"{CHANGELOG_HEADING}\n\n{CHANGELOG_INTRO}\n"
    )
    updated = insert_section(text, section, path)
    staging = path.with_name(path.name + ".tmp")
    staging.write_text(updated, encoding="utf-8")
    os.replace(staging, path)
