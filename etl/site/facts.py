"""What the catalogue records know of a built release: its files' facts, and the texts both records share."""

from __future__ import annotations

import calendar
import csv
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from etl.layout import DATABASE, DATAPACKAGES, DOWNLOADS
from etl.package import package_descriptor
from etl.specs import PackageSpec

DESCRIPTOR = "datapackage.json"
NEWS_PACKAGE = "diplomacy-news"
ARTICLES_CSV = f"{DATAPACKAGES}/{NEWS_PACKAGE}/data/articles.csv"
MEDIA_TYPES = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".zip": "application/zip",
    ".db": "application/vnd.sqlite3",
    ".parquet": "application/vnd.apache.parquet",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMAT_NAMES = {
    ".csv": "CSV",
    ".json": "JSON",
    ".zip": "zip",
    ".db": "SQLite",
    ".parquet": "Parquet",
    ".xlsx": "XLSX",
}


@dataclass(frozen=True)
class Distribution:
    """A published file: its URL path under the base URL, size, sha256 and media type."""

    path: str
    byte_size: int
    sha256: str
    media_type: str

    @property
    def file_name(self) -> str:
        """The last segment of the path."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def suffix(self) -> str:
        """The file name's extension, with its dot."""
        return "." + self.file_name.rsplit(".", 1)[-1]


@dataclass(frozen=True)
class ReleaseFacts:
    """What the catalogue records need to know about one built release besides its metadata."""

    base_url: str
    version: str
    build_date: str
    earliest: str | None
    latest: str | None
    languages: tuple[str, ...]
    distributions: Mapping[str, tuple[Distribution, ...]]
    database: Distribution
    latest_source: str | None = None

    def __post_init__(self) -> None:
        """Drop a trailing slash from the base URL, so IRIs never hold `//`."""
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    def url(self, path: str) -> str:
        """The absolute URL of a path of the site."""
        return self.base_url + "/" + path.lstrip("/")


# -- Reading a release (the only I/O of the catalogue records) ---------------------------------------


def media_type(path: str) -> str:
    """The IANA media type of a published file, from its extension."""
    suffix = "." + path.rsplit(".", 1)[-1]
    if suffix not in MEDIA_TYPES:
        raise ValueError(f"no media type known for {path}")
    return MEDIA_TYPES[suffix]


CHECKSUMS = "SHA256SUMS"


def write_checksums(root: Path) -> None:
    """Write downloads/SHA256SUMS: the sha256 of every published file of a release (in the format
    `sha256sum -c` reads), so that a user can check a download and the site need not hash the
    files when it starts."""
    names = [DATABASE, *(p for p in ("metadata.yml", "CHANGELOG.md") if (root / p).is_file())]
    files = (
        [root / n for n in names]
        + sorted((root / DATAPACKAGES).rglob("*"))
        + sorted((root / DOWNLOADS).rglob("*"))
    )
    lines = []
    for file in files:
        if file.is_file() and file.name != CHECKSUMS and not file.name.startswith("."):
            with file.open("rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
            lines.append(f"{digest}  {file.relative_to(root).as_posix()}\n")
    (root / DOWNLOADS / CHECKSUMS).write_text(
        "".join(sorted(lines, key=lambda line: line[66:])), encoding="utf-8"
    )


def read_checksums(root: Path) -> dict[str, str]:
    """The sha256 of each file SHA256SUMS lists, by its path relative to the root (none when the
    release has no SHA256SUMS)."""
    path = root / DOWNLOADS / CHECKSUMS
    if not path.is_file():
        return {}
    pairs = (line.split("  ", 1) for line in path.read_text(encoding="utf-8").splitlines() if "  " in line)
    return {name: digest for digest, name in pairs}


def file_distribution(
    root: Path, path: str, media: str | None = None, checksums: Mapping[str, str] | None = None
) -> Distribution:
    """The Distribution of a file of the release, by its URL path relative to the root (its media
    type known from its extension unless given); its sha256 from the release's SHA256SUMS when
    given and listed there, else read from the file."""
    file = root / path.lstrip("/")
    digest = (checksums or {}).get(path.lstrip("/"))
    if digest is None:
        with file.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return Distribution(path, file.stat().st_size, digest, media or media_type(path))


def iso_date(value: str) -> str:
    """The ISO date (YYYY-MM-DD) at the start of a date or date-time string."""
    return date.fromisoformat(value.strip()[:10]).isoformat()


def release_facts(root: Path, base_url: str, project: dict[str, Any]) -> ReleaseFacts:
    """Read a built release folder: file sizes and checksums, source dates and content languages."""
    distributions: dict[str, tuple[Distribution, ...]] = {}
    created: list[str] = []
    checksums = read_checksums(root)
    for descriptor_file in sorted((root / DATAPACKAGES).glob(f"*/{DESCRIPTOR}")):
        name = descriptor_file.parent.name
        descriptor = json.loads(descriptor_file.read_text(encoding="utf-8"))
        created.append(iso_date(descriptor["created"]))
        paths = [f"/{DOWNLOADS}/{name}.zip", f"/{DATAPACKAGES}/{name}/{DESCRIPTOR}"]
        if (root / DOWNLOADS / f"{name}.xlsx").is_file():
            paths.append(f"/{DOWNLOADS}/{name}.xlsx")
        # Every table's files: the CSV and Parquet the descriptor lists, and the JSON beside them.
        data = sorted((descriptor_file.parent / "data").glob("*.*"))
        paths += [f"/{DATAPACKAGES}/{name}/data/{p.name}" for p in data if p.suffix in MEDIA_TYPES]
        distributions[name] = tuple(file_distribution(root, p, checksums=checksums) for p in paths)
    if not created:
        raise FileNotFoundError(f"no data packages under {root / DATAPACKAGES}")
    articles = read_csv_rows(root / ARTICLES_CSV)
    starts, ends = fact_dates(root)
    sources = [
        row
        for path in sorted((root / DATAPACKAGES).glob("*/data/sources.csv"))
        for row in read_csv_rows(path)
    ]
    published = [r["published"] for r in sources if r["published"]]
    published += [a["published"] or a["archived"] for a in articles if a["published"] or a["archived"]]
    versions = [
        json.loads(p.read_text(encoding="utf-8"))["version"]
        for p in sorted((root / DATAPACKAGES).glob(f"*/{DESCRIPTOR}"))
    ]
    return ReleaseFacts(
        base_url=base_url,
        version=max(versions, key=lambda v: tuple(int(x) for x in v.split("."))),
        build_date=max(created),
        earliest=min(starts) if starts else None,
        latest=max(ends) if ends else None,
        languages=tuple(sorted({a["language"] for a in articles if a["language"]})),
        distributions=distributions,
        database=file_distribution(root, f"/{DATABASE}", checksums=checksums),
        latest_source=max(published) if published else None,
    )


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file as strings (none when the file is missing)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def period_bounds(value: str) -> tuple[str, str]:
    """The first and last day of a date written YYYY, YYYY-MM or YYYY-MM-DD."""
    if len(value) == len("YYYY"):
        return f"{value}-01-01", f"{value}-12-31"
    if len(value) == len("YYYY-MM"):
        year, month = int(value[:4]), int(value[5:7])
        return f"{value}-01", f"{value}-{calendar.monthrange(year, month)[1]:02d}"
    return value[:10], value[:10]


def fact_dates(root: Path) -> tuple[list[str], list[str]]:
    """First and last days of the dates the published facts hold (counts, changes, events, articles):
    the temporal coverage of the data."""
    values: list[str] = []
    network, events = (
        root / DATAPACKAGES / "diplomacy-network" / "data",
        root / DATAPACKAGES / "diplomacy-events" / "data",
    )
    values += [r["as_of"] for r in read_csv_rows(network / "post_counts.csv")]
    values += [r["as_of"] for r in read_csv_rows(network / "post_totals.csv")]
    values += [r["announced"] for r in read_csv_rows(network / "network_changes.csv")]
    values += [r[k] for r in read_csv_rows(events / "events.csv") for k in ("start_date", "end_date")]
    values += [r["published"] for r in read_csv_rows(root / ARTICLES_CSV)]
    bounds = [period_bounds(v) for v in values if v]
    return [b[0] for b in bounds], [b[1] for b in bounds]


# -- Shared metadata --------------------------------------------------------------------------------


def publisher_name(project: dict[str, Any]) -> str:
    """Who publishes the compiled data: the contributor with role publisher, else the first one.

    project.yml's `publisher` is the publisher of the source articles, not of this data."""
    contributors = project["contributors"]
    chosen = next((c for c in contributors if c.get("role") == "publisher"), contributors[0])
    return str(chosen["title"])


def keywords(package: PackageSpec, project: dict[str, Any]) -> list[str]:
    """The keywords of a package, exactly as its datapackage.json gives them."""
    return list(package_descriptor(package, project, [], "", [])["keywords"])


def all_keywords(packages: Iterable[PackageSpec], project: dict[str, Any]) -> list[str]:
    """Every package's keywords, once each, in first-seen order."""
    return list(dict.fromkeys(k for p in packages for k in keywords(p, project)))


def one_line(text: str) -> str:
    """Text with its runs of white space collapsed (YAML folded blocks)."""
    return " ".join(text.split())


def database_name(project: dict[str, Any]) -> str:
    """The database's name, also the identifier of the whole-data dataset."""
    return str(project["database"])


def distribution_text(
    package: PackageSpec | None, project: dict[str, Any], dist: Distribution
) -> tuple[str, str]:
    """Title and description of a distribution, from the package and resource specs."""
    kind = FORMAT_NAMES.get(dist.suffix, dist.suffix)
    if package is None:
        return (
            f"{project['title']} (SQLite database)",
            "Every table of the data packages in one SQLite database; the tables several packages "
            "carry appear once.",
        )
    if dist.suffix == ".zip":
        return (
            f"{package.title} (data package, zip)",
            "The whole Frictionless data package: datapackage.json at its root and every resource as "
            "CSV, Parquet and JSON.",
        )
    if dist.suffix == ".xlsx":
        return (
            f"{package.title} (workbook for spreadsheets)",
            "Every table of the package as a sheet of one Excel workbook, with typed cells (numbers, "
            "dates), a sheet describing every column, and no separator or encoding to choose.",
        )
    if dist.file_name == DESCRIPTOR:
        return (
            f"{package.title} (datapackage.json)",
            "The Frictionless descriptor of the package: its resources, their Table Schemas, sizes and "
            "sha256 checksums.",
        )
    stem = dist.file_name.rsplit(".", 1)[0]
    if stem not in package.resource_names:
        raise ValueError(f"{dist.path} is no resource of {package.name}")
    resource = package.resource(stem)
    return f"{resource.title} ({kind})", resource.description


def temporal_coverage(facts: ReleaseFacts) -> str | None:
    """ISO 8601 interval of the sources' dates, open-ended (`..`) on a missing side; None if neither."""
    if facts.earliest is None and facts.latest is None:
        return None
    return f"{facts.earliest or '..'}/{facts.latest or '..'}"
