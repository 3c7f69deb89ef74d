"""The DCAT-AP catalogue of a release as an RDF graph, rendered as Turtle and as JSON-LD."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, XSD

from etl.site.facts import (
    DESCRIPTOR,
    Distribution,
    ReleaseFacts,
    all_keywords,
    database_name,
    distribution_text,
    iso_date,
    keywords,
    one_line,
    publisher_name,
    temporal_coverage,
)
from etl.site.metadata import SOURCE_URL
from etl.specs import PackageSpec

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
