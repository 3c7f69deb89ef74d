"""The build: raw sources → extraction → packages → validation → database and site metadata,
staged aside and swapped in only when everything validated, so a failed build changes nothing."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
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
from etl.database import build_database
from etl.descriptors import load_packages, load_project
from etl.dictionary import render_dictionary
from etl.extract import extract_source
from etl.layout import DATABASE, DATAPACKAGES, DOWNLOADS, INSPECT, METADATA, RAW_DIR, REFERENCE_DIR, ROOT
from etl.package import render_package, write_files, write_zip
from etl.reference import load_reference
from etl.site import render_metadata, site_metadata
from etl.sources import Source, SourceError, find_sources, read_source
from etl.validate import Problem, validate_release

STAGING = ".build"
CATALOG_TURTLE = "catalog.ttl"
CATALOG_JSONLD = "catalog.jsonld"
SCHEMA_ORG = "dataset.schema.jsonld"
PUBLISHED = (DATAPACKAGES, METADATA, DATABASE, INSPECT, DOWNLOADS)
Progress = Callable[[str], None]


class BuildFailed(Exception):
    """The staged release did not validate; the published release was left as it was."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} validation problem(s); the published release is unchanged")
        self.problems = problems


@dataclass
class BuildReport:
    """What a build read, published and rejected, and what it warned about."""

    read: int = 0
    published: list[str] = field(default_factory=list)
    rejected: list[SourceError] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: sources read, published and rejected."""
        return (
            f"{self.read} source(s) read, {len(self.published)} published, "
            f"{len(self.rejected)} rejected, {len(self.warnings)} warning(s)"
        )


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
    return sources


def created_date(sources: list[Source]) -> str:
    """The release's creation time, taken from the inputs (the newest archiving date), not the clock."""
    dates = [str(s.record.get(k)) for s in sources for k in ("archived", "retrieved") if s.record.get(k)]
    return f"{max(dates, default='1970-01-01')[:10]}T00:00:00Z"


def inspect_data(database: Path) -> dict[str, Any]:
    """Datasette's inspect data (hash, size, row counts), so an immutable start does not hash the file."""
    from datasette.cli import inspect_

    data: dict[str, Any] = asyncio.run(inspect_([str(database)], sqlite_extensions=[]))
    for entry in data.values():
        entry["file"] = database.name
    return data


def stage_release(
    stage: Path, raw_dir: Path, reference_dir: Path, progress: Progress, base_url: str = DEFAULT_BASE_URL
) -> BuildReport:
    """Build a complete release into a staging folder and validate it; raise BuildFailed if invalid."""
    report = BuildReport()
    reference = load_reference(reference_dir)
    packages, project = load_packages(), load_project()
    sources = read_sources(raw_dir, report, progress)
    progress(f"extracting {len(sources)} source(s)")
    extractions = [extract_source(source, reference) for source in sources]
    report.published = [s.id for s in sources]
    report.warnings = [w for e in extractions for w in e["warnings"]]
    tables, merge_warnings = assemble(packages, extractions, reference)
    report.warnings += merge_warnings
    created = created_date(sources)
    progress("writing packages")
    for package in packages:
        rows = tables[package.name]
        files = render_package(
            package, rows, project, created, rows.get("sources") or rows.get("articles", [])
        )
        write_files(stage / DATAPACKAGES / package.name, files)
        write_zip(stage / DOWNLOADS / f"{package.name}.zip", package.name, files)
    (stage / DATAPACKAGES / "README.md").write_bytes(render_dictionary(packages, project))
    progress("validating packages")
    problems = validate_release(stage / DATAPACKAGES)
    if problems:
        raise BuildFailed(problems)
    progress("building the database")
    report.tables = build_database(stage / DATAPACKAGES, packages, stage / DATABASE)
    (stage / INSPECT).write_text(json.dumps(inspect_data(stage / DATABASE), indent=2) + "\n")
    (stage / METADATA).write_bytes(render_metadata(site_metadata(packages, project)))
    write_catalog(stage, base_url, packages, project)
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


def publish(stage: Path, root: Path) -> None:
    """Swap a staged release in place of the published one."""
    previous = stage.parent / "previous"
    shutil.rmtree(previous, ignore_errors=True)
    previous.mkdir(parents=True)
    for name in PUBLISHED:
        if (root / name).exists():
            (root / name).rename(previous / name)
        (stage / name).rename(root / name)
    shutil.rmtree(previous)


def build(
    root: Path = ROOT,
    raw_dir: Path = RAW_DIR,
    reference_dir: Path = REFERENCE_DIR,
    progress: Progress = lambda message: None,
    base_url: str = DEFAULT_BASE_URL,
) -> BuildReport:
    """Build and publish a release under root; on failure the published release is untouched."""
    stage = root / STAGING / "next"
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    try:
        report = stage_release(stage, raw_dir, reference_dir, progress, base_url)
        progress("publishing")
        publish(stage, root)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return report
