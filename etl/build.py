"""The build: raw sources → extraction → packages → validation → database and site metadata,
staged aside and swapped in only when everything validated, so a failed build changes nothing.

One build at a time per root (etl/lock.py); the swap is atomic and a killed build is undone by the
next one (etl/release.py); the release's version follows the previous release and its changes go into
CHANGELOG.md; each build publishes its report (etl/report.py)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from etl.catalog import (
    DEFAULT_BASE_URL,
    dcat_graph,
    release_facts,
    render_jsonld,
    render_turtle,
    schema_org_dataset,
)
from etl.curate import assemble
from etl.curated import curated_rows
from etl.database import build_database
from etl.descriptors import load_packages, load_project
from etl.dictionary import render_dictionary
from etl.diff import DiffError, Release, load_release
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
from etl.lock import build_lock
from etl.package import render_package, write_files, write_zip
from etl.reference import load_reference
from etl.release import (
    ReleaseError,
    checkpoint,
    choose_version,
    describe,
    find_previous,
    lineage,
    publish,
    recover,
    remove,
    stage_changelog,
    staging_folder,
)
from etl.report import (
    STATUS_PUBLISHED,
    STATUS_SUPERSEDED,
    BuildReport,
    add_report_tables,
    input_entry,
    render_report,
)
from etl.site import render_metadata, site_metadata
from etl.sources import Source, SourceError, find_sources, newest_snapshots, read_source
from etl.validate import Problem, validate_release

CATALOG_TURTLE = "catalog.ttl"
CATALOG_JSONLD = "catalog.jsonld"
SCHEMA_ORG = "dataset.schema.jsonld"
Progress = Callable[[str], None]


class BuildFailed(Exception):
    """The staged release did not validate; the published release was left as it was."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} validation problem(s); the published release is unchanged")
        self.problems = problems


def read_sources(raw_dir: Path, report: BuildReport, progress: Progress) -> list[Source]:
    """Every readable source of the raw folder; the unreadable ones are recorded as rejected."""
    paths, strays = find_sources(raw_dir)
    report.read = len(paths) + len(strays)
    report.rejected.extend(strays)
    sources: list[Source] = []
    seen: dict[str, str] = {}
    for path in paths:
        try:
            source = read_source(path)
            if source.id in seen:
                raise SourceError(path, f"id {source.id} is already used by {seen[source.id]}")
        except SourceError as exc:
            report.rejected.append(exc)
            continue
        seen[source.id] = source.file
        sources.append(source)
    for rejected in report.rejected:
        progress(f"rejected {rejected}")
    sources, superseded = newest_snapshots(sources)
    for old in superseded:
        progress(f"superseded {old.source.file}: {old.reason}")
    report.inputs = [input_entry(s.file, STATUS_PUBLISHED, s.id, s.record.get("url")) for s in sources]
    for old in superseded:
        url = old.source.record.get("url")
        report.inputs.append(
            input_entry(old.source.file, STATUS_SUPERSEDED, old.source.id, url, old.reason, old.newer.id)
        )
    return sources


def created_date(sources: list[Source]) -> str:
    """The release's creation time, taken from the inputs (the newest archiving date), not the clock."""
    dates = [str(s.record.get(k)) for s in sources for k in ("archived", "retrieved") if s.record.get(k)]
    return f"{max(dates, default='1970-01-01')[:10]}T00:00:00Z"


def inspect_data(database: Path) -> dict[str, Any]:
    """Datasette's inspect data (sha256, size, row counts), so an immutable start does not hash the
    file; computed here as `datasette inspect` does, without an event loop (a caller may run one)."""
    data = database.read_bytes()
    with contextlib.closing(sqlite3.connect(database)) as connection:
        names = [row[0] for row in connection.execute("select name from sqlite_master where type = 'table'")]
        counts = {name: connection.execute(f'select count(*) from "{name}"').fetchone()[0] for name in names}
    return {
        database.stem: {
            "hash": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "file": database.name,
            "tables": {name: {"count": count} for name, count in sorted(counts.items())},
        }
    }


def read_staged(stage: Path) -> Release:
    """The staged packages, read back as the diff reads a release."""
    try:
        return load_release(stage / DATAPACKAGES)
    except DiffError as exc:
        raise ReleaseError(f"the staged release cannot be read back: {exc}") from None


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
    report = BuildReport()
    reference = load_reference(reference_dir)
    packages, project = load_packages(), load_project()
    sources = read_sources(raw_dir, report, progress)
    progress(f"extracting {len(sources)} source(s)")
    extractions = [extract_source(source, reference) for source in sources]
    report.published = [s.id for s in sources]
    report.warnings = [w for e in extractions for w in e["warnings"]]
    curated = curated_rows(reference.persons, reference.post_types, reference_dir / "curated")
    tables, merge_warnings = assemble(packages, extractions, reference, curated)
    report.warnings += merge_warnings
    created = created_date(sources)
    checkpoint("extracted")
    progress("writing packages")
    previous = find_previous(root)

    def write_packages(version: str) -> None:
        """Write every package, and its zip, with the release's version."""
        release_project = {**project, "version": version}
        for package in packages:
            rows = tables[package.name]
            files = render_package(
                package, rows, release_project, created, rows.get("sources") or rows.get("articles", [])
            )
            write_files(stage / DATAPACKAGES / package.name, files)
            write_zip(stage / DOWNLOADS / f"{package.name}.zip", package.name, files)

    provisional = previous.version if previous is not None else str(project["version"])
    write_packages(provisional)
    staged = read_staged(stage)
    versioning = choose_version(previous, staged, str(project["version"]))
    if versioning.version != provisional:
        write_packages(versioning.version)
        staged = read_staged(stage)
    project = {**project, "version": versioning.version}
    (stage / DATAPACKAGES / "README.md").write_bytes(render_dictionary(packages, project))
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


def write_catalog(stage: Path, base_url: str, packages: Any, project: dict[str, Any]) -> None:
    """Catalogue records of the staged release (DCAT-AP as Turtle and JSON-LD, schema.org JSON-LD)."""
    facts = release_facts(stage, base_url, project)
    graph = dcat_graph(packages, project, facts)
    (stage / DOWNLOADS / CATALOG_TURTLE).write_bytes(render_turtle(graph))
    (stage / DOWNLOADS / CATALOG_JSONLD).write_bytes(render_jsonld(graph))
    dataset = schema_org_dataset(packages, project, facts)
    (stage / DOWNLOADS / SCHEMA_ORG).write_text(
        json.dumps(dataset, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    )


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
