"""What the site's pages for people say about a built release: the landing page (what the data is,
where it comes from, how fresh it is, its licence, how to cite it, links to every table, chart,
download and catalogue record) and the downloads page (every file with its size and sha256).

Everything is read from the release folder the site serves, with the catalogue module's own
readers, so the pages, the DCAT-AP records and the schema.org record always agree; what the data
say (dates, languages, the headline figure) as the build kept them in the release
(etl/site/facts.py, `release-facts.json`)."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl.layout import DATABASE, DOWNLOADS
from etl.site.catalog import CATALOG_JSONLD, CATALOG_TURTLE, SCHEMA_ORG
from etl.site.charts import CHARTS_DIR
from etl.site.facts import (
    DESCRIPTOR,
    Distribution,
    Headline,
    ReleaseFacts,
    distribution_text,
    file_distribution,
    publisher_name,
    read_checksums,
    read_data_facts,
    release_facts,
)
from etl.site.metadata import SOURCE, SOURCE_URL
from etl.specs import PackageSpec, load_packages, load_project

LANGUAGE_NAMES = {"en": "English", "nl": "Dutch", "fr": "French", "de": "German"}
# The catalogue records of a release, under downloads/: file name, title, format, media type.
CATALOGUE_RECORDS = (
    (CATALOG_TURTLE, "DCAT-AP catalogue record", "Turtle", "text/turtle"),
    (CATALOG_JSONLD, "DCAT-AP catalogue record", "JSON-LD", "application/ld+json"),
    (
        SCHEMA_ORG,
        "schema.org Dataset record (the one embedded in the landing page)",
        "JSON-LD",
        "application/ld+json",
    ),
)
CATALOGUE_DESCRIPTION = (
    "The catalogue (DCAT-AP) describes a dataset per package and one for the whole database, with "
    "publisher, licence, themes, languages, period covered and every file as a distribution with its "
    "media type, size and checksum."
)
FORMATS = {
    ".zip": "zip",
    ".csv": "CSV",
    ".json": "JSON",
    ".db": "SQLite",
    ".parquet": "Parquet",
    ".xlsx": "XLSX (Excel)",
}
OTHER_MEDIA_TYPES = {".json": "application/json", ".md": "text/markdown", ".txt": "text/plain"}


def human_size(byte_size: int) -> str:
    """A byte count for people: `812 B`, `18.4 kB`, `1.2 MB` (powers of 1000)."""
    if byte_size < 1000:
        return f"{byte_size} B"
    value = float(byte_size)
    for unit in ("kB", "MB", "GB"):
        value /= 1000
        if value < 1000 or unit == "GB":
            break
    return f"{value:.1f} {unit}"


@dataclass(frozen=True)
class FileLink(Distribution):
    """A published file as the pages show it: the catalogue's distribution, and what it is."""

    title: str
    description: str
    format: str

    @property
    def size(self) -> str:
        """The size for people."""
        return human_size(self.byte_size)

    def as_json(self) -> dict[str, Any]:
        """The file as the downloads page's JSON gives it."""
        return {
            "path": self.path,
            "name": self.file_name,
            "title": self.title,
            "format": self.format,
            "media_type": self.media_type,
            "bytes": self.byte_size,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class PackageFiles:
    """A data package and its files: the zip, datapackage.json, and each resource as CSV and JSON."""

    name: str
    title: str
    description: str
    files: tuple[FileLink, ...]

    @property
    def zip(self) -> FileLink:
        """The zip of the whole package."""
        return next(f for f in self.files if f.format == "zip")

    @property
    def workbook(self) -> FileLink | None:
        """The package as a workbook for spreadsheets, when the release has one."""
        return next((f for f in self.files if f.suffix == ".xlsx"), None)

    @property
    def descriptor(self) -> FileLink:
        """The package's datapackage.json."""
        return next(f for f in self.files if f.file_name == DESCRIPTOR)


@dataclass(frozen=True)
class TableEntry:
    """A table as the landing page lists it."""

    name: str
    title: str
    description: str
    rows: int | None


@dataclass(frozen=True)
class TableGroup:
    """The tables of one package (or the tables of no package)."""

    title: str
    description: str
    tables: tuple[TableEntry, ...]


@dataclass(frozen=True)
class SiteRelease:
    """What the landing and downloads pages show about one built release."""

    facts: ReleaseFacts
    project: Mapping[str, Any]
    schema_org: Mapping[str, Any]
    packages: tuple[PackageFiles, ...]
    database: FileLink
    catalogue: tuple[FileLink, ...]
    other: tuple[FileLink, ...]
    # The headline figure, None when the release holds no FPS total.
    headline: Headline | None = None

    @property
    def url(self) -> str:
        """The address of the site the release was built for (its catalogue records' landing page)."""
        return str(self.schema_org.get("url") or self.facts.url("/"))

    @property
    def description(self) -> str:
        """What the data is, in one paragraph (project.yml's description)."""
        return " ".join(str(self.project["description"]).split())

    @property
    def language_names(self) -> list[str]:
        """The languages of the articles, in words."""
        return [LANGUAGE_NAMES.get(code, code) for code in self.facts.languages]

    @property
    def license(self) -> Mapping[str, str]:
        """The licence of the compiled data: name, title and address."""
        return dict(self.project["licenses"][0])

    @property
    def citation(self) -> str:
        """How to cite the data, in one line."""
        year = self.facts.build_date[:4]
        return (
            f"{publisher_name(dict(self.project))} ({year}). {self.project['title']}, version "
            f"{self.facts.version} [data set]. Compiled from {SOURCE} ({SOURCE_URL}). "
            f"{self.license['name']}. {self.url}"
        )

    def downloads_json(self) -> dict[str, Any]:
        """Every published file, as the downloads page's JSON gives them."""
        return {
            "packages": [
                {
                    "name": p.name,
                    "title": p.title,
                    "description": p.description,
                    "files": [f.as_json() for f in p.files],
                }
                for p in self.packages
            ],
            "database": self.database.as_json(),
            "catalogue": [f.as_json() for f in self.catalogue],
            "other": [f.as_json() for f in self.other],
        }


def hashed_file(root: Path, path: str, title: str, description: str, fmt: str, media_type: str) -> FileLink:
    """A FileLink of a file of the release, its size and sha256 (from SHA256SUMS, else the file)."""
    found = file_distribution(root, path, media_type, read_checksums(root))
    return FileLink(path, found.byte_size, found.sha256, media_type, title, description, fmt)


def distribution_link(package: PackageSpec | None, project: dict[str, Any], dist: Distribution) -> FileLink:
    """A FileLink of one of the catalogue's distributions, titled as the catalogue titles it."""
    title, description = distribution_text(package, project, dist)
    fmt = DESCRIPTOR if dist.file_name == DESCRIPTOR else FORMATS.get(dist.suffix, dist.suffix)
    return FileLink(dist.path, dist.byte_size, dist.sha256, dist.media_type, title, description, fmt)


def release_stamp(root: Path) -> tuple[int, ...]:
    """When the release's database and records last changed: a new build gives a new stamp."""
    return tuple((root / name).stat().st_mtime_ns for name in (DATABASE, f"{DOWNLOADS}/{SCHEMA_ORG}"))


def read_release(root: Path) -> SiteRelease:
    """The release served from root, read once per build (the files are immutable while served)."""
    return _read_release(root.resolve(), release_stamp(root))


@functools.lru_cache(maxsize=8)
def _read_release(root: Path, stamp: tuple[int, ...]) -> SiteRelease:
    """The release under root; `stamp` only keys the cache."""
    del stamp
    project = load_project()
    schema_org = json.loads((root / DOWNLOADS / SCHEMA_ORG).read_text(encoding="utf-8"))
    # What the data say, as the build kept them (read from the CSV files for a release built before).
    data = read_data_facts(root)
    facts = release_facts(root, str(schema_org.get("url") or "/"), project, data)
    packages = tuple(
        PackageFiles(
            name=spec.name,
            title=spec.title,
            description=" ".join(spec.description.split()),
            files=tuple(distribution_link(spec, project, d) for d in facts.distributions[spec.name]),
        )
        for spec in load_packages()
        if spec.name in facts.distributions
    )
    catalogue = tuple(
        hashed_file(root, f"/{DOWNLOADS}/{name}", title, CATALOGUE_DESCRIPTION, fmt, media)
        for name, title, fmt, media in CATALOGUE_RECORDS
        if (root / DOWNLOADS / name).is_file()
    )
    listed = {f.path for p in packages for f in p.files} | {f.path for f in catalogue}
    other = tuple(
        hashed_file(
            root,
            f"/{DOWNLOADS}/{file.name}",
            file.name,
            "A file of the release.",
            file.suffix.lstrip(".").upper() or "file",
            OTHER_MEDIA_TYPES.get(file.suffix, "application/octet-stream"),
        )
        for file in sorted((root / DOWNLOADS).iterdir())
        if file.is_file() and not file.name.startswith(".") and f"/{DOWNLOADS}/{file.name}" not in listed
    )
    return SiteRelease(
        facts=facts,
        project=project,
        schema_org=schema_org,
        packages=packages,
        database=distribution_link(None, project, facts.database),
        catalogue=catalogue,
        other=other,
        headline=data.headline,
    )


def table_groups(
    packages: Iterable[PackageSpec], present: Iterable[str], counts: Mapping[str, int | None]
) -> list[TableGroup]:
    """The tables of the database grouped by the package that first carries them; a table of no
    package comes last, under its own heading. Only tables present in the database are listed."""
    remaining = list(present)
    groups = []
    for package in packages:
        entries = []
        for spec in package.resources:
            if spec.name in remaining:
                remaining.remove(spec.name)
                entries.append(
                    TableEntry(
                        spec.name, spec.title, " ".join(spec.description.split()), counts.get(spec.name)
                    )
                )
        if entries:
            groups.append(TableGroup(package.title, " ".join(package.description.split()), tuple(entries)))
    if remaining:
        entries = [TableEntry(name, name, "", counts.get(name)) for name in sorted(remaining)]
        groups.append(TableGroup("Other tables", "Tables of the database in no package.", tuple(entries)))
    return groups


def chart_svg(root: Path, chart_id: str, lang: str) -> str | None:
    """The SVG of a chart drawn in a language by the build (downloads/charts/), or None."""
    path = root / DOWNLOADS / CHARTS_DIR / f"{chart_id}.{lang}.svg"
    return path.read_text(encoding="utf-8") if path.is_file() else None
