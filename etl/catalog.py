"""Machine-readable catalogue records of a release, from the same metadata as everything else: a
DCAT-AP catalogue (Turtle and JSON-LD) and a schema.org Dataset for the landing page.

The package specs and project.yml give titles, descriptions, licence and authors; a small
`ReleaseFacts` read from a built release gives what only the files know: sizes, sha256 checksums,
media types, the sources' dates and the languages of the content. Every node has a stable IRI
under the base URL (no blank nodes), so the same inputs give byte-identical records."""

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

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, XSD

from etl.descriptors import PackageSpec
from etl.layout import DATABASE, DATAPACKAGES, DOWNLOADS
from etl.package import package_descriptor
from etl.site import DEFAULT_HOST, DEFAULT_PORT, SOURCE_URL

DEFAULT_BASE_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
DESCRIPTOR = "datapackage.json"
NEWS_PACKAGE = "diplomacy-news"
ARTICLES_CSV = f"{DATAPACKAGES}/{NEWS_PACKAGE}/data/articles.csv"
# The language of the metadata itself (titles and descriptions in etl/schemas/*.yml).
METADATA_LANGUAGE = "en"

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
PREFIXES: dict[str, Namespace] = {
    "dcat": Namespace(str(DCAT)),
    "dct": Namespace(str(DCTERMS)),
    "foaf": Namespace(str(FOAF)),
    "owl": Namespace(str(OWL)),
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "spdx": SPDX,
    "vcard": VCARD,
    "xsd": Namespace(str(XSD)),
}

EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
EU_THEME_SCHEME = URIRef("http://publications.europa.eu/resource/authority/data-theme")
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
FRICTIONLESS_DATA_PACKAGE = URIRef("https://specs.frictionlessdata.io/data-package/")
# ISO 639-1 codes of the content to the EU Publications Office language authority table.
LANGUAGE_CODES = {"de": "DEU", "en": "ENG", "fr": "FRA", "nl": "NLD"}
# EU data themes: government and public sector; international issues.
THEMES = ("GOVE", "INTR")
MEDIA_TYPES = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".zip": "application/zip",
    ".db": "application/vnd.sqlite3",
}
FORMAT_NAMES = {".csv": "CSV", ".json": "JSON", ".zip": "zip", ".db": "SQLite"}


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


# -- Reading a release (the only I/O of this module) ------------------------------------------------


def media_type(path: str) -> str:
    """The IANA media type of a published file, from its extension."""
    suffix = "." + path.rsplit(".", 1)[-1]
    if suffix not in MEDIA_TYPES:
        raise ValueError(f"no media type known for {path}")
    return MEDIA_TYPES[suffix]


def file_distribution(root: Path, path: str) -> Distribution:
    """The Distribution of a file of the release, by its URL path relative to the root."""
    file = root / path.lstrip("/")
    with file.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return Distribution(path, file.stat().st_size, digest, media_type(path))


def iso_date(value: str) -> str:
    """The ISO date (YYYY-MM-DD) at the start of a date or date-time string."""
    return date.fromisoformat(value.strip()[:10]).isoformat()


def release_facts(root: Path, base_url: str, project: dict[str, Any]) -> ReleaseFacts:
    """Read a built release folder: file sizes and checksums, source dates and content languages."""
    distributions: dict[str, tuple[Distribution, ...]] = {}
    created: list[str] = []
    for descriptor_file in sorted((root / DATAPACKAGES).glob(f"*/{DESCRIPTOR}")):
        name = descriptor_file.parent.name
        descriptor = json.loads(descriptor_file.read_text(encoding="utf-8"))
        created.append(iso_date(descriptor["created"]))
        paths = [f"/{DOWNLOADS}/{name}.zip", f"/{DATAPACKAGES}/{name}/{DESCRIPTOR}"]
        paths += [f"/{DATAPACKAGES}/{name}/{r['path']}" for r in descriptor["resources"]]
        distributions[name] = tuple(file_distribution(root, p) for p in paths)
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
        database=file_distribution(root, f"/{DATABASE}"),
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
            "The whole Frictionless data package: datapackage.json and every resource as CSV and JSON.",
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


def language_iri(code: str) -> URIRef:
    """The EU authority language IRI of an ISO 639-1 code."""
    if code not in LANGUAGE_CODES:
        raise ValueError(f"no EU language authority code known for {code!r}")
    return URIRef(EU_LANGUAGE + LANGUAGE_CODES[code])


def media_type_iri(value: str) -> URIRef:
    """The IANA registry IRI of a media type."""
    return URIRef(IANA_MEDIA_TYPES + value)


# -- DCAT-AP ----------------------------------------------------------------------------------------


def new_graph() -> Graph:
    """An empty graph with the catalogue's prefixes bound."""
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def text(value: str) -> Literal:
    """A literal in the metadata's language."""
    return Literal(one_line(value), lang=METADATA_LANGUAGE)


def xsd_date(value: str) -> Literal:
    """An xsd:date literal of an ISO date."""
    return Literal(iso_date(value), datatype=XSD.date)


def add_distribution(
    graph: Graph,
    iri: URIRef,
    dist: Distribution,
    texts: tuple[str, str],
    license_url: str,
    facts: ReleaseFacts,
) -> None:
    """The triples of one dcat:Distribution, its checksum and media type."""
    title, description = texts
    url = URIRef(facts.url(dist.path))
    media = media_type_iri(dist.media_type)
    checksum = URIRef(f"{iri}-checksum")
    graph.add((iri, RDF.type, DCAT.Distribution))
    graph.add((iri, DCTERMS.title, text(title)))
    graph.add((iri, DCTERMS.description, text(description)))
    graph.add((iri, DCAT.accessURL, url))
    graph.add((iri, DCAT.downloadURL, url))
    graph.add((iri, DCTERMS.format, media))
    graph.add((iri, DCAT.mediaType, media))
    graph.add((media, RDF.type, DCTERMS.MediaType))
    graph.add((media, RDF.type, DCTERMS.MediaTypeOrExtent))
    graph.add((iri, DCAT.byteSize, Literal(str(dist.byte_size), datatype=XSD.nonNegativeInteger)))
    graph.add((iri, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((checksum, SPDX.checksumValue, Literal(dist.sha256.lower(), datatype=XSD.hexBinary)))
    graph.add((iri, DCTERMS.modified, xsd_date(facts.build_date)))
    graph.add((iri, DCTERMS.license, URIRef(license_url)))
    if dist.suffix == ".zip" or dist.file_name == DESCRIPTOR:
        graph.add((iri, DCTERMS.conformsTo, FRICTIONLESS_DATA_PACKAGE))


def add_common(graph: Graph, subject: URIRef, project: dict[str, Any], facts: ReleaseFacts) -> None:
    """Properties the catalogue and every dataset share: publisher, licence, languages, dates."""
    base = facts.base_url
    graph.add((subject, DCTERMS.publisher, URIRef(f"{base}/#publisher")))
    graph.add((subject, DCTERMS.license, URIRef(project["licenses"][0]["path"])))
    graph.add((subject, DCTERMS.rights, URIRef(f"{base}/#rights")))
    for code in facts.languages:
        graph.add((subject, DCTERMS.language, language_iri(code)))
    graph.add((subject, DCTERMS.issued, xsd_date(facts.build_date)))
    graph.add((subject, DCTERMS.modified, xsd_date(facts.build_date)))


def add_dataset(
    graph: Graph,
    iri: URIRef,
    title: str,
    description: str,
    identifier: str,
    words: list[str],
    project: dict[str, Any],
    facts: ReleaseFacts,
) -> None:
    """The triples of one dcat:Dataset, without its distributions."""
    base = facts.base_url
    graph.add((URIRef(f"{base}/#catalog"), DCAT.dataset, iri))
    graph.add((iri, RDF.type, DCAT.Dataset))
    graph.add((iri, DCTERMS.title, text(title)))
    graph.add((iri, DCTERMS.description, text(description)))
    graph.add((iri, DCTERMS.identifier, Literal(identifier)))
    add_common(graph, iri, project, facts)
    graph.add((iri, DCTERMS.creator, URIRef(f"{base}/#publisher")))
    for theme in THEMES:
        graph.add((iri, DCAT.theme, URIRef(EU_THEME + theme)))
    for word in words:
        graph.add((iri, DCAT.keyword, Literal(word, lang=METADATA_LANGUAGE)))
    if temporal_coverage(facts) is not None:
        graph.add((iri, DCTERMS.temporal, URIRef(f"{base}/#temporal")))
    graph.add((iri, OWL.versionInfo, Literal(facts.version)))
    graph.add((iri, DCAT.contactPoint, URIRef(f"{base}/#contact")))
    graph.add((iri, DCAT.landingPage, URIRef(f"{base}/")))
    graph.add((iri, DCTERMS.source, URIRef(SOURCE_URL)))


def add_shared_nodes(graph: Graph, project: dict[str, Any], facts: ReleaseFacts) -> None:
    """The nodes the catalogue and the datasets point to: publisher, licence, period, contact."""
    base = facts.base_url
    publisher, contact, rights = (URIRef(f"{base}/#{n}") for n in ("publisher", "contact", "rights"))
    name = publisher_name(project)
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(name)))
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, VCARD.fn, Literal(name)))
    graph.add((contact, VCARD.hasURL, URIRef(f"{base}/")))
    graph.add((rights, RDF.type, DCTERMS.RightsStatement))
    graph.add((rights, RDFS.label, text(project["license_note"])))
    graph.add((URIRef(f"{base}/"), RDF.type, FOAF.Document))
    for license_ in project["licenses"]:
        iri = URIRef(license_["path"])
        graph.add((iri, RDF.type, DCTERMS.LicenseDocument))
        graph.add((iri, DCTERMS.identifier, Literal(license_["name"])))
        graph.add((iri, DCTERMS.title, Literal(license_["title"], lang=METADATA_LANGUAGE)))
    for code in facts.languages:
        graph.add((language_iri(code), RDF.type, DCTERMS.LinguisticSystem))
    if temporal_coverage(facts) is not None:
        period = URIRef(f"{base}/#temporal")
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        if facts.earliest is not None:
            graph.add((period, DCAT.startDate, xsd_date(facts.earliest)))
        if facts.latest is not None:
            graph.add((period, DCAT.endDate, xsd_date(facts.latest)))


def dcat_graph(packages: Iterable[PackageSpec], project: dict[str, Any], facts: ReleaseFacts) -> Graph:
    """The DCAT-AP catalogue: a dataset per package, one for the whole database, their distributions."""
    packages = tuple(packages)
    graph = new_graph()
    base = facts.base_url
    catalog = URIRef(f"{base}/#catalog")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, text(project["title"])))
    graph.add((catalog, DCTERMS.description, text(project["description"])))
    graph.add((catalog, FOAF.homepage, URIRef(f"{base}/")))
    graph.add((catalog, DCAT.themeTaxonomy, EU_THEME_SCHEME))
    graph.add((catalog, OWL.versionInfo, Literal(facts.version)))
    add_common(graph, catalog, project, facts)
    add_shared_nodes(graph, project, facts)

    whole_name = database_name(project)
    whole = URIRef(f"{base}/#dataset-{whole_name}")
    if whole_name in {p.name for p in packages}:
        raise ValueError(f"a package is named like the database: {whole_name}")
    add_dataset(
        graph,
        whole,
        project["title"],
        project["description"],
        whole_name,
        all_keywords(packages, project),
        project,
        facts,
    )
    iri = URIRef(f"{base}/#distribution-{whole_name}-{facts.database.file_name}")
    graph.add((whole, DCAT.distribution, iri))
    license_url = project["licenses"][0]["path"]
    texts = distribution_text(None, project, facts.database)
    add_distribution(graph, iri, facts.database, texts, license_url, facts)

    for package in packages:
        if package.name not in facts.distributions:
            raise ValueError(f"the release facts have no files of package {package.name}")
        dataset = URIRef(f"{base}/#dataset-{package.name}")
        words = keywords(package, project)
        add_dataset(graph, dataset, package.title, package.description, package.name, words, project, facts)
        graph.add((whole, DCTERMS.hasPart, dataset))
        graph.add((dataset, DCTERMS.isPartOf, whole))
        for dist in facts.distributions[package.name]:
            iri = URIRef(f"{base}/#distribution-{package.name}-{dist.file_name}")
            graph.add((dataset, DCAT.distribution, iri))
            texts = distribution_text(package, project, dist)
            add_distribution(graph, iri, dist, texts, license_url, facts)
    return graph


def render_turtle(graph: Graph) -> bytes:
    """The graph as Turtle, UTF-8; the same graph gives the same bytes."""
    return graph.serialize(format="turtle", encoding="utf-8")


def sorted_json(value: Any) -> Any:
    """JSON with every array sorted (JSON-LD arrays are unordered sets unless @list)."""
    if isinstance(value, dict):
        return {k: (v if k == "@list" else sorted_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((sorted_json(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def render_jsonld(graph: Graph) -> bytes:
    """The graph as compacted JSON-LD with the bound prefixes as context, keys and arrays sorted."""
    context = {prefix: str(namespace) for prefix, namespace in sorted(PREFIXES.items())}
    data = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    dumped = json.dumps(sorted_json(data), ensure_ascii=False, indent=2, sort_keys=True)
    return (dumped + "\n").encode("utf-8")


# -- schema.org -------------------------------------------------------------------------------------


def data_download(name: str, dist: Distribution, facts: ReleaseFacts) -> dict[str, Any]:
    """A schema.org DataDownload of a distribution."""
    return {
        "@type": "DataDownload",
        "name": name,
        "contentUrl": facts.url(dist.path),
        "encodingFormat": dist.media_type,
        "contentSize": f"{dist.byte_size} B",
        "sha256": dist.sha256,
    }


def schema_org_dataset(
    packages: Iterable[PackageSpec], project: dict[str, Any], facts: ReleaseFacts
) -> dict[str, Any]:
    """One schema.org Dataset for the whole data, with a part per package, for the landing page."""
    packages = tuple(packages)
    base = facts.base_url
    organisation = {"@type": "Organization", "name": publisher_name(project)}
    license_url = project["licenses"][0]["path"]
    common: dict[str, Any] = {
        "license": license_url,
        "creator": organisation,
        "publisher": organisation,
        "inLanguage": list(facts.languages),
        "isAccessibleForFree": True,
        "version": facts.version,
        "dateModified": facts.build_date,
        "isBasedOn": SOURCE_URL,
    }
    coverage = temporal_coverage(facts)
    if coverage is not None:
        common["temporalCoverage"] = coverage
    downloads = []
    parts = []
    for package in packages:
        files = facts.distributions[package.name]
        zip_file = next(d for d in files if d.suffix == ".zip")
        downloads.append(data_download(distribution_text(package, project, zip_file)[0], zip_file, facts))
        parts.append(
            {
                "@type": "Dataset",
                "@id": f"{base}/#dataset-{package.name}",
                "identifier": package.name,
                "name": package.title,
                "description": one_line(package.description),
                "url": f"{base}/",
                "keywords": keywords(package, project),
                **common,
                "distribution": [
                    data_download(distribution_text(package, project, d)[0], d, facts) for d in files
                ],
            }
        )
    name = distribution_text(None, project, facts.database)[0]
    downloads.append(data_download(name, facts.database, facts))
    whole = database_name(project)
    return {
        "@context": "https://schema.org",
        "@type": "Dataset",
        "@id": f"{base}/#dataset-{whole}",
        "identifier": whole,
        "name": project["title"],
        "description": one_line(project["description"]),
        "url": f"{base}/",
        "keywords": all_keywords(packages, project),
        **common,
        "distribution": downloads,
        "hasPart": parts,
    }


def schema_org_script(obj: dict[str, Any]) -> str:
    """A `<script type="application/ld+json">` element of a JSON-LD object, safe inside HTML.

    `<`, `>` and `&` only occur inside JSON strings, where their \\u escapes mean the same, so no
    value can close the element (`</script>`) or open a comment (`<!--`)."""
    body = json.dumps(obj, ensure_ascii=False, indent=2)
    body = body.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return f'<script type="application/ld+json">\n{body}\n</script>'
