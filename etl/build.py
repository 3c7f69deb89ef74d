"""The build: the stages one after the other, raw sources → extraction → curation → packages →
validation → release (database, site metadata and catalogue records beside it), staged aside and
swapped in only when everything validated, so a failed build changes nothing.

One build at a time per root (the release's lock); the swap is atomic and a killed build is undone
by the next one; the release's version is chosen from the rows before anything is written, so that
each file is written once; its changes go into CHANGELOG.md and each build publishes its report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from etl.curate import assemble, curated_rows
from etl.extract import extract_source
from etl.layout import (
    CHANGELOG,
    DATABASE,
    DATAPACKAGES,
    DOWNLOADS,
    INSPECT,
    METADATA,
    PUBLISHED,
    RAW_DIR,
    REFERENCE_DIR,
    REPORT,
    ROOT,
    STAGING,
)
from etl.package import Problem, render_dictionary, render_package, validate_release, write_files, write_zip
from etl.raw import Source, read_raw
from etl.reference import load_reference
from etl.release import (
    BuildReport,
    add_report_tables,
    build_lock,
    checkpoint,
    choose_version,
    describe,
    find_previous,
    lineage,
    publish,
    recover,
    release_of_rows,
    remove,
    render_report,
    report_inputs,
    stage_changelog,
    staging_folder,
)
from etl.site import (
    DEFAULT_BASE_URL,
    build_database,
    inspect_data,
    render_metadata,
    site_metadata,
    write_catalog,
)
from etl.specs import PackageSpec, load_packages, load_project

Progress = Callable[[str], None]
Tables = dict[str, dict[str, list[dict[str, Any]]]]


class BuildFailed(Exception):
    """The staged release did not validate; the published release was left as it was."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} validation problem(s); the published release is unchanged")
        self.problems = problems


def created_date(sources: list[Source]) -> str:
    """The release's creation time, taken from the inputs (the newest archiving date), not the clock."""
    dates = [str(s.record.get(k)) for s in sources for k in ("archived", "retrieved") if s.record.get(k)]
    return f"{max(dates, default='1970-01-01')[:10]}T00:00:00Z"


def write_packages(
    stage: Path, packages: tuple[PackageSpec, ...], tables: Tables, project: dict[str, Any], created: str
) -> None:
    """Write every package of the release, and its zip, once, with the release's version."""
    for package in packages:
        rows = tables[package.name]
        files = render_package(
            package, rows, project, created, rows.get("sources") or rows.get("articles", [])
        )
        write_files(stage / DATAPACKAGES / package.name, files)
        write_zip(stage / DOWNLOADS / f"{package.name}.zip", package.name, files)
    (stage / DATAPACKAGES / "README.md").write_bytes(render_dictionary(packages, project))


def stage_release(
    stage: Path,
    raw_dir: Path,
    reference_dir: Path,
    progress: Progress,
    base_url: str = DEFAULT_BASE_URL,
    root: Path = ROOT,
) -> BuildReport:
    """Build a complete release into a staging folder and validate it; raise BuildFailed if invalid.
    Its version and changelog follow the release published under root (or the checkout's)."""
    reference = load_reference(reference_dir)
    packages, project = load_packages(), load_project()
    raw = read_raw(raw_dir, reference.site)
    report = report_inputs(raw)
    for rejected in raw.rejected:
        progress(f"rejected {rejected}")
    for old in raw.superseded:
        progress(f"superseded {old.source.file}: {old.reason}")
    sources = raw.sources
    progress(f"extracting {len(sources)} source(s)")
    extractions = [extract_source(source, reference) for source in sources]
    report.published = [s.id for s in sources]
    report.warnings = [w for e in extractions for w in e["warnings"]]
    curated = curated_rows(reference.persons, reference.post_types, reference_dir / "curated")
    tables, merge_warnings = assemble(packages, extractions, reference, curated)
    report.warnings += merge_warnings
    created = created_date(sources)
    checkpoint("extracted")
    previous = find_previous(root)
    staged = release_of_rows(packages, tables)
    versioning = choose_version(previous, staged, str(project["version"]))
    project = {**project, "version": versioning.version}
    progress("writing packages")
    write_packages(stage, packages, tables, project, created)
    progress("validating packages")
    problems = validate_release(stage / DATAPACKAGES)
    if problems:
        raise BuildFailed(problems)
    checkpoint("validated")
    stage_changelog(stage, root, previous, versioning, staged, created)
    report.version, report.created = versioning.version, created
    report.previous_version, report.bump = lineage(stage / CHANGELOG, versioning.version)
    progress("building the database")
    report.tables = build_database(stage / DATAPACKAGES, packages, stage / DATABASE)
    add_report_tables(stage / DATABASE, report)
    (stage / INSPECT).write_text(json.dumps(inspect_data(stage / DATABASE), indent=2) + "\n")
    (stage / METADATA).write_bytes(render_metadata(site_metadata(packages, project)))
    write_catalog(stage, base_url, packages, project)
    (stage / DOWNLOADS / REPORT).write_bytes(render_report(report))
    progress(describe(versioning))
    return report


def build(
    root: Path = ROOT,
    raw_dir: Path = RAW_DIR,
    reference_dir: Path = REFERENCE_DIR,
    progress: Progress = lambda message: None,
    base_url: str = DEFAULT_BASE_URL,
) -> BuildReport:
    """Build and publish a release under root, one build at a time (LockBusy otherwise); on failure,
    or when killed, the published release stays (or, on the next start, is put back as) it was."""
    with build_lock(root / STAGING, progress):
        if recover(root):
            progress("undid an interrupted publish: the previous release is back in place")
        checkpoint("locked")
        stage = staging_folder(root)
        stage.mkdir(parents=True)
        try:
            report = stage_release(stage, raw_dir, reference_dir, progress, base_url, root)
            checkpoint("staged")
            progress("publishing")
            publish(root, PUBLISHED)
        finally:
            remove(stage)
    return report
