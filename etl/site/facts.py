"""What the catalogue records know of a built release: its files' facts, and the texts both records share."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from etl.layout import DATABASE, DATAPACKAGES, DOWNLOADS, RELEASE_FACTS
from etl.specs import DEFAULT_LANGUAGE, LANGUAGES, PackageSpec, text_key

DESCRIPTOR = "datapackage.json"
NEWS_PACKAGE = "diplomacy-news"
ARTICLES_CSV = f"{DATAPACKAGES}/{NEWS_PACKAGE}/data/articles.csv"


@dataclass(frozen=True)
class FileType:
    """What a published file is, by its extension: its IANA media type, its code in the EU
    file-type table (None when the table has none for it) and its name for people."""

    media_type: str
    eu_file_type: str | None
    name: str


# Every kind of file the catalogue records describe, by extension. The EU file-type table
# (http://publications.europa.eu/resource/authority/file-type) has CSV, JSON, ZIP and PARQUET, but
# no code for an SQLite database (its SQL is a script of statements, DBF, MDB and ODB other
# databases, GPKG a geographic profile of SQLite): the database has its media type alone.
FILE_TYPES = {
    ".csv": FileType("text/csv", "CSV", "CSV"),
    ".json": FileType("application/json", "JSON", "JSON"),
    ".zip": FileType("application/zip", "ZIP", "zip"),
    ".db": FileType("application/vnd.sqlite3", None, "SQLite"),
    ".parquet": FileType("application/vnd.apache.parquet", "PARQUET", "Parquet"),
    ".xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX", "XLSX"),
}
MEDIA_TYPES = {suffix: kind.media_type for suffix, kind in FILE_TYPES.items()}
FORMAT_NAMES = {suffix: kind.name for suffix, kind in FILE_TYPES.items()}


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

    @property
    def eu_file_type(self) -> str | None:
        """The file's code in the EU file-type table, None when it has none."""
        kind = FILE_TYPES.get(self.suffix)
        return kind.eu_file_type if kind is not None else None


@dataclass(frozen=True)
class Publication:
    """A publication a package cites for its curated facts (a `sources` row of kind publication)."""

    id: str
    title: str
    url: str
    publisher: str
    published: str
    language: str


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
    # The publications each package cites (its sources of kind publication), by package name.
    publications: Mapping[str, tuple[Publication, ...]] = dataclasses.field(default_factory=dict)

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


def release_facts(
    root: Path, base_url: str, project: dict[str, Any], data: DataFacts | None = None
) -> ReleaseFacts:
    """Read a built release folder: file sizes and checksums, and what its data say (source dates,
    content languages, publications: `data`, else read_data_facts)."""
    data = read_data_facts(root) if data is None else data
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
        # The CSV and Parquet files the descriptor lists, and the JSON copies beside them.
        paths += [f"/{DATAPACKAGES}/{name}/{r['path']}" for r in descriptor["resources"]]
        paths += other_data_files(root, name, descriptor, paths)
        distributions[name] = tuple(file_distribution(root, p, checksums=checksums) for p in paths)
    if not created:
        raise FileNotFoundError(f"no data packages under {root / DATAPACKAGES}")
    return ReleaseFacts(
        base_url=base_url,
        version=release_version(root) or "",
        build_date=max(created),
        earliest=data.earliest,
        latest=data.latest,
        languages=data.languages,
        distributions=distributions,
        database=file_distribution(root, f"/{DATABASE}", checksums=checksums),
        latest_source=data.latest_source,
        publications={name: data.publications.get(name, ()) for name in distributions},
    )


def release_version(root: Path) -> str | None:
    """The version of a built release: the newest its packages' descriptors give (None without one)."""
    versions = [
        str(json.loads(p.read_text(encoding="utf-8"))["version"])
        for p in sorted((root / DATAPACKAGES).glob(f"*/{DESCRIPTOR}"))
    ]
    return max(versions, key=lambda v: tuple(int(x) for x in v.split(".")), default=None)


# -- What the data say: worked out by the build, kept in the release -----------------------------------


@dataclass(frozen=True)
class Headline:
    """The landing page's headline figure: Belgium's posts abroad in the newest FPS count."""

    total: int
    as_of: str
    source: str
    source_title: str


@dataclass(frozen=True)
class DataFacts:
    """What a release's data say about it, read from its packages' CSV files: the first and last
    day of the dates its facts hold, the languages of its articles, the newest day a source was
    published, the publications each package cites and the headline figure. Reading them is a pass
    over its largest tables (10 s at 100,000 articles), so the build works them out once and keeps
    them in the release (RELEASE_FACTS), where the site reads them."""

    earliest: str | None
    latest: str | None
    languages: tuple[str, ...]
    latest_source: str | None
    # The publications each package cites (its sources of kind publication), by package name.
    publications: Mapping[str, tuple[Publication, ...]]
    headline: Headline | None

    def as_json(self) -> dict[str, Any]:
        """The facts as RELEASE_FACTS holds them."""
        return {"format": DATA_FACTS_FORMAT, **dataclasses.asdict(self)}

    @classmethod
    def from_json(cls, found: Mapping[str, Any]) -> DataFacts:
        """The facts RELEASE_FACTS holds (ValueError when it holds something else)."""
        try:
            if found["format"] != DATA_FACTS_FORMAT:
                raise ValueError(f"format {found['format']!r}, not {DATA_FACTS_FORMAT}")
            headline = found["headline"]
            return cls(
                earliest=optional_text(found["earliest"]),
                latest=optional_text(found["latest"]),
                languages=tuple(str(code) for code in found["languages"]),
                latest_source=optional_text(found["latest_source"]),
                publications={
                    str(name): tuple(Publication(**{k: str(v) for k, v in p.items()}) for p in cited)
                    for name, cited in found["publications"].items()
                },
                headline=None
                if headline is None
                else Headline(
                    int(headline["total"]),
                    str(headline["as_of"]),
                    str(headline["source"]),
                    str(headline["source_title"]),
                ),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not the facts of a release: {exc!r}") from None


# The version of RELEASE_FACTS' contents: a release whose file has another is read from its CSV files.
DATA_FACTS_FORMAT = 1


def optional_text(value: Any) -> str | None:
    """A string, or None for a null."""
    return None if value is None else str(value)


def data_facts(root: Path) -> DataFacts:
    """What the data of the release built under root say, read from its packages' CSV files a row
    at a time, each file once (see DataFacts)."""
    folders = root / DATAPACKAGES
    best = newest_total(root)
    publications: dict[str, tuple[Publication, ...]] = {}
    latest_source: str | None = None
    title: str | None = None  # of the headline's source (the last package's that has it)
    named = {p.parent.name for p in folders.glob(f"*/{DESCRIPTOR}")}
    for name in sorted(named | {p.parent.parent.name for p in folders.glob("*/data/sources.csv")}):
        found = []
        for r in read_csv_rows(folders / name / "data" / "sources.csv"):
            if r.get("kind") == "publication":
                found.append(
                    Publication(r["id"], r["title"], r["url"], r["publisher"], r["published"], r["language"])
                )
            if r["published"] and (latest_source is None or r["published"] > latest_source):
                latest_source = r["published"]
            if best is not None and r["id"] == best["source"]:
                title = r.get("title") or r["id"]
        if name in named:
            publications[name] = tuple(found)
    languages, newest, published_dates = article_facts(root)
    dates = fact_dates(root).join(published_dates)
    if newest and (latest_source is None or newest > latest_source):
        latest_source = newest
    return DataFacts(dates.first, dates.last, languages, latest_source, publications, headline(best, title))


def write_data_facts(root: Path) -> None:
    """Write what the data of the release built under root say (data_facts) into its RELEASE_FACTS."""
    text = json.dumps(data_facts(root).as_json(), indent=2, ensure_ascii=False, sort_keys=True)
    (root / RELEASE_FACTS).write_text(text + "\n", encoding="utf-8")


def read_data_facts(root: Path) -> DataFacts:
    """What the data of the release under root say: as its build kept them in RELEASE_FACTS, or, for
    a release without that file (built before it was written) or with one that cannot be read,
    worked out from its CSV files (data_facts), the same facts; a file that cannot be read is
    named, with why, on stderr."""
    path = root / RELEASE_FACTS
    try:
        return DataFacts.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:  # a release built before the build kept its facts
        return data_facts(root)
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
        print(f"warning: {path}: {reason}; its facts are read from the CSV files", file=sys.stderr)
        return data_facts(root)


def other_data_files(root: Path, name: str, descriptor: dict[str, Any], listed: list[str]) -> list[str]:
    """The URL paths of a package's other copies of its resources: a file of its data/ folder
    named after one of its resources, of a kind the records know by its extension (such as
    `post_counts.parquet`), that the descriptor does not list."""
    resources = {str(r["name"]).removesuffix("_json") for r in descriptor["resources"]}
    found = []
    for file in sorted((root / DATAPACKAGES / name / "data").glob("*")):
        path = f"/{DATAPACKAGES}/{name}/data/{file.name}"
        if file.is_file() and file.suffix in FILE_TYPES and file.stem in resources and path not in listed:
            found.append(path)
    return found


def read_csv_rows(path: Path) -> Iterator[dict[str, str]]:
    """The rows of a CSV file as strings, one at a time (none when the file is missing)."""
    from etl.package import long_cells  # the build's and a release's from before RELEASE_FACTS: not served

    if not path.exists():
        return
    long_cells()
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def article_facts(root: Path) -> tuple[tuple[str, ...], str | None, DateBounds]:
    """The languages of the published articles, the newest day one was published (or, not dated,
    archived), and the first and last day of their publication dates, in one pass over the
    articles (the largest file a release has: read once)."""
    languages: set[str] = set()
    newest: str | None = None
    dates = DateBounds()
    for row in read_csv_rows(root / ARTICLES_CSV):
        if row["language"]:
            languages.add(row["language"])
        day = row["published"] or row["archived"]
        if day and (newest is None or day > newest):
            newest = day
        dates.add(row["published"])
    return tuple(sorted(languages)), newest, dates


class DateBounds:
    """The first and the last day of the periods of some dates (each read at its precision, the
    first ten characters of a date and time), each distinct date read once."""

    def __init__(self) -> None:
        from etl.curate import bounds  # the build's, and a release's from before RELEASE_FACTS

        self.period = bounds
        self.first: str | None = None
        self.last: str | None = None
        self.seen: set[str] = set()

    def add(self, value: str) -> None:
        """Take a date (an empty or unreadable one is no period)."""
        if not value or value in self.seen:
            return
        self.seen.add(value)
        found = self.period(value[:10])
        if found is not None:
            self.first = found[0] if self.first is None else min(self.first, found[0])
            self.last = found[1] if self.last is None else max(self.last, found[1])

    def join(self, other: DateBounds) -> DateBounds:
        """These bounds with another's (self, changed)."""
        for day in (other.first, other.last):
            if day is not None:
                self.first = day if self.first is None else min(self.first, day)
                self.last = day if self.last is None else max(self.last, day)
        return self


def fact_dates(root: Path) -> DateBounds:
    """The first and the last day of the dates the published facts other than the articles hold
    (counts, changes, events): with the articles' (article_facts), the temporal coverage of the
    data, read a row at a time."""
    network, events = (
        root / DATAPACKAGES / "diplomacy-network" / "data",
        root / DATAPACKAGES / "diplomacy-events" / "data",
    )
    columns = [
        (network / "post_counts.csv", ("as_of",)),
        (network / "post_totals.csv", ("as_of",)),
        (network / "network_changes.csv", ("announced",)),
        (events / "events.csv", ("start_date", "end_date")),
    ]
    dates = DateBounds()
    for path, names in columns:
        for row in read_csv_rows(path):
            for name in names:
                dates.add(row[name])
    return dates


def newest_total(root: Path) -> dict[str, str] | None:
    """The newest total of Belgium's posts abroad in the FPS typology (a total the source states
    preferred to one summed from its parts at the same date), as its row; None when there is none."""
    rows = [
        r
        for path in sorted((root / DATAPACKAGES).glob("*/data/post_totals.csv"))
        for r in read_csv_rows(path)
        if r.get("typology") == "fps" and r.get("total")
    ]
    if not rows:
        return None
    return max(rows, key=lambda r: (r.get("as_of_end") or r["as_of"], r.get("total_kind") == "stated"))


def headline(best: dict[str, str] | None, title: str | None) -> Headline | None:
    """The headline figure of a release: its newest total (newest_total), with its source's title
    (its id when the title is not known)."""
    if best is None:
        return None
    source = best["source"]
    return Headline(int(best["total"]), best["as_of"], source, title or source)


# -- Shared metadata --------------------------------------------------------------------------------


def publisher_name(project: dict[str, Any]) -> str:
    """Who publishes the compiled data: the contributor with role publisher, else the first one.

    project.yml's `publisher` is the publisher of the source articles, not of this data."""
    contributors = project["contributors"]
    chosen = next((c for c in contributors if c.get("role") == "publisher"), contributors[0])
    return str(chosen["title"])


def keywords(package: PackageSpec, project: dict[str, Any], language: str = DEFAULT_LANGUAGE) -> list[str]:
    """The keywords of a package in a language, exactly as its datapackage.json gives them."""
    from etl.package import package_descriptor  # the build's catalogue records: not served

    return list(package_descriptor(package, project, [], "", [])[text_key("keywords", language)])


def all_keywords(
    packages: Iterable[PackageSpec], project: dict[str, Any], language: str = DEFAULT_LANGUAGE
) -> list[str]:
    """Every package's keywords in a language, once each, in first-seen order."""
    return list(dict.fromkeys(k for p in packages for k in keywords(p, project, language)))


def one_line(text: str) -> str:
    """Text with its runs of white space collapsed (YAML folded blocks)."""
    return " ".join(text.split())


def database_name(project: dict[str, Any]) -> str:
    """The database's name, also the identifier of the whole-data dataset."""
    return str(project["database"])


# The titles ({title}: the package's, or the project's for the database) and descriptions of the
# distributions that are no resource's copy, in every language of the metadata.
DISTRIBUTION_TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "database": (
            "{title} (SQLite database)",
            "Every table of the data packages in one SQLite database; the tables several packages "
            "carry appear once.",
        ),
        "zip": (
            "{title} (data package, zip)",
            "The whole Frictionless data package: datapackage.json at its root and every resource as "
            "CSV, Parquet and JSON.",
        ),
        "workbook": (
            "{title} (workbook for spreadsheets)",
            "Every table of the package as a sheet of one Excel workbook, with typed cells (numbers, "
            "dates), a sheet describing every column, and no separator or encoding to choose.",
        ),
        "descriptor": (
            "{title} (datapackage.json)",
            "The Frictionless descriptor of the package: its resources, their Table Schemas, sizes and "
            "sha256 checksums.",
        ),
    },
    "nl": {
        "database": (
            "{title} (SQLite-databank)",
            "Alle tabellen van de datapakketten in één SQLite-databank; de tabellen die in meerdere "
            "pakketten voorkomen, staan er één keer in.",
        ),
        "zip": (
            "{title} (datapakket, zip)",
            "Het volledige Frictionless-datapakket: datapackage.json in de hoofdmap en elke tabel als "
            "CSV, Parquet en JSON.",
        ),
        "workbook": (
            "{title} (werkmap voor rekenbladen)",
            "Elke tabel van het pakket als blad van één Excel-werkmap, met getypeerde cellen "
            "(getallen, datums), een blad dat elke kolom beschrijft, en geen scheidingsteken of "
            "codering om te kiezen.",
        ),
        "descriptor": (
            "{title} (datapackage.json)",
            "De Frictionless-beschrijving van het pakket: de tabellen, hun Table Schema's, groottes en "
            "SHA-256-controlesommen.",
        ),
    },
    "fr": {
        "database": (
            "{title} (base de données SQLite)",
            "Toutes les tables des paquets de données dans une seule base de données SQLite ; les "
            "tables communes à plusieurs paquets n'y figurent qu'une fois.",
        ),
        "zip": (
            "{title} (paquet de données, zip)",
            "Le paquet de données Frictionless complet : datapackage.json à la racine et chaque table "
            "en CSV, Parquet et JSON.",
        ),
        "workbook": (
            "{title} (classeur pour tableurs)",
            "Chaque table du paquet comme feuille d'un classeur Excel, avec des cellules typées "
            "(nombres, dates), une feuille qui décrit chaque colonne, et ni séparateur ni encodage à "
            "choisir.",
        ),
        "descriptor": (
            "{title} (datapackage.json)",
            "Le descripteur Frictionless du paquet : ses tables, leurs Table Schemas, leurs tailles et "
            "leurs sommes de contrôle SHA-256.",
        ),
    },
}


def distribution_texts(
    package: PackageSpec | None, project: dict[str, Any], dist: Distribution
) -> dict[str, tuple[str, str]]:
    """Title and description of a distribution in every language, by language code, from the
    package and resource specs (English where a spec has no text in a language)."""
    kind = FORMAT_NAMES.get(dist.suffix, dist.suffix)
    if package is None:
        key, titles = (
            "database",
            {lang: str(project.get(text_key("title", lang)) or "") for lang in LANGUAGES},
        )
    elif dist.suffix == ".zip":
        key, titles = "zip", package.titles
    elif dist.suffix == ".xlsx":
        key, titles = "workbook", package.titles
    elif dist.file_name == DESCRIPTOR:
        key, titles = "descriptor", package.titles
    else:
        stem = dist.file_name.rsplit(".", 1)[0]
        if stem not in package.resource_names:
            raise ValueError(f"{dist.path} is no resource of {package.name}")
        resource = package.resource(stem)
        return {
            lang: (
                f"{resource.titles.get(lang, resource.title)} ({kind})",
                resource.descriptions.get(lang, resource.description),
            )
            for lang in LANGUAGES
        }
    default = project["title"] if package is None else package.title
    texts = {}
    for lang in LANGUAGES:
        title, description = DISTRIBUTION_TEXTS[lang][key]
        texts[lang] = (title.format(title=titles.get(lang) or default), description)
    return texts


def distribution_text(
    package: PackageSpec | None, project: dict[str, Any], dist: Distribution
) -> tuple[str, str]:
    """Title and description of a distribution in English, from the package and resource specs."""
    return distribution_texts(package, project, dist)[DEFAULT_LANGUAGE]


def temporal_coverage(facts: ReleaseFacts) -> str | None:
    """ISO 8601 interval of the sources' dates, open-ended (`..`) on a missing side; None if neither."""
    if facts.earliest is None and facts.latest is None:
        return None
    return f"{facts.earliest or '..'}/{facts.latest or '..'}"
