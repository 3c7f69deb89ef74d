"""The DCAT-AP catalogue of a release as an RDF graph, rendered as Turtle and as JSON-LD.

It follows DCAT-AP 3.0 (and data.gov.be's DCAT-AP BE): the mandatory and recommended properties
of the catalogue, its datasets (one per package and one for the whole database) and their
distributions (every published file), with titles and descriptions as literals in English, Dutch
and French. Two agents are kept apart: the project's team publishes (and compiles) the data, while
FPS Foreign Affairs publishes the articles they are compiled from, the datasets' dct:source."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from etl.site.facts import (
    DESCRIPTOR,
    Distribution,
    ReleaseFacts,
    all_keywords,
    database_name,
    distribution_texts,
    iso_date,
    keywords,
    one_line,
    publisher_name,
    temporal_coverage,
)
from etl.site.metadata import SOURCE, SOURCE_URL
from etl.specs import DEFAULT_LANGUAGE, LANGUAGES, PackageSpec, translations

# The language of the metadata's default texts (the plain titles and descriptions of etl/schemas/).
METADATA_LANGUAGE = DEFAULT_LANGUAGE

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
# DCAT-AP's own terms (dcatap:availability).
DCATAP = Namespace("http://data.europa.eu/r5r/")
PREFIXES: dict[str, Namespace] = {
    "dcat": Namespace(str(DCAT)),
    "dcatap": DCATAP,
    "dct": Namespace(str(DCTERMS)),
    "foaf": Namespace(str(FOAF)),
    "owl": Namespace(str(OWL)),
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "skos": Namespace(str(SKOS)),
    "spdx": SPDX,
    "vcard": VCARD,
    "xsd": Namespace(str(XSD)),
}

EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
EU_THEME_SCHEME = URIRef("http://publications.europa.eu/resource/authority/data-theme")
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
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


def file_type_iri(code: str) -> URIRef:
    """The EU file-type authority IRI of a code (CSV, JSON, ZIP, PARQUET)."""
    return URIRef(EU_FILE_TYPE + code)


def catalogue_settings(project: dict[str, Any]) -> dict[str, Any]:
    """project.yml's `catalogue` block: the records' controlled-vocabulary IRIs and contact."""
    return dict(project.get("catalogue") or {})


# -- DCAT-AP ----------------------------------------------------------------------------------------


def new_graph() -> Graph:
    """An empty graph with the catalogue's prefixes bound."""
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def text(value: str, language: str = METADATA_LANGUAGE) -> Literal:
    """A literal in a language of the metadata (English unless said)."""
    return Literal(one_line(value), lang=language)


def add_texts(graph: Graph, subject: URIRef, predicate: URIRef, texts: dict[str, str]) -> None:
    """One literal per language of a text (its English, Dutch and French), tagged with it."""
    for language in LANGUAGES:
        if language in texts:
            graph.add((subject, predicate, text(texts[language], language)))


def add_concept(graph: Graph, subject: URIRef, predicate: URIRef, iri: str, kind: URIRef) -> None:
    """A property whose value is a concept of a controlled vocabulary, typed as its range."""
    graph.add((subject, predicate, URIRef(iri)))
    graph.add((URIRef(iri), RDF.type, kind))


def xsd_date(value: str) -> Literal:
    """An xsd:date literal of an ISO date."""
    return Literal(iso_date(value), datatype=XSD.date)


def add_distribution(
    graph: Graph,
    iri: URIRef,
    dist: Distribution,
    texts: dict[str, tuple[str, str]],
    project: dict[str, Any],
    facts: ReleaseFacts,
) -> None:
    """The triples of one dcat:Distribution: its titles and descriptions in every language, its
    EU file type (when the table has one) and IANA media type, from its extension, its size,
    checksum, licence and availability."""
    url = URIRef(facts.url(dist.path))
    media = media_type_iri(dist.media_type)
    checksum = URIRef(f"{iri}-checksum")
    license_url = project["licenses"][0]["path"]
    graph.add((iri, RDF.type, DCAT.Distribution))
    add_texts(graph, iri, DCTERMS.title, {lang: title for lang, (title, _) in texts.items()})
    add_texts(graph, iri, DCTERMS.description, {lang: words for lang, (_, words) in texts.items()})
    graph.add((iri, DCAT.accessURL, url))
    graph.add((iri, DCAT.downloadURL, url))
    if dist.eu_file_type is not None:
        add_concept(
            graph, iri, DCTERMS.format, str(file_type_iri(dist.eu_file_type)), DCTERMS.MediaTypeOrExtent
        )
    graph.add((iri, DCAT.mediaType, media))
    graph.add((media, RDF.type, DCTERMS.MediaType))
    add_concept(graph, iri, DCATAP.availability, catalogue_settings(project)["availability"], SKOS.Concept)
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
    """Properties the catalogue and every dataset share: publisher, licence, languages, dates,
    geographical coverage."""
    base = facts.base_url
    graph.add((subject, DCTERMS.publisher, URIRef(f"{base}/#publisher")))
    for place in catalogue_settings(project).get("spatial") or []:
        add_concept(graph, subject, DCTERMS.spatial, place["iri"], DCTERMS.Location)
    graph.add((subject, DCTERMS.license, URIRef(project["licenses"][0]["path"])))
    graph.add((subject, DCTERMS.rights, URIRef(f"{base}/#rights")))
    for code in facts.languages:
        graph.add((subject, DCTERMS.language, language_iri(code)))
    graph.add((subject, DCTERMS.issued, xsd_date(facts.build_date)))
    graph.add((subject, DCTERMS.modified, xsd_date(facts.build_date)))


def add_dataset(
    graph: Graph,
    iri: URIRef,
    titles: dict[str, str],
    descriptions: dict[str, str],
    identifier: str,
    words: dict[str, list[str]],
    project: dict[str, Any],
    facts: ReleaseFacts,
) -> None:
    """The triples of one dcat:Dataset, without its distributions: its titles, descriptions and
    keywords in every language, and the catalogue's common properties."""
    base = facts.base_url
    settings = catalogue_settings(project)
    graph.add((URIRef(f"{base}/#catalog"), DCAT.dataset, iri))
    graph.add((iri, RDF.type, DCAT.Dataset))
    add_texts(graph, iri, DCTERMS.title, titles)
    add_texts(graph, iri, DCTERMS.description, descriptions)
    graph.add((iri, DCTERMS.identifier, Literal(identifier)))
    add_common(graph, iri, project, facts)
    graph.add((iri, DCTERMS.creator, URIRef(f"{base}/#publisher")))
    add_concept(graph, iri, DCTERMS.accessRights, settings["access_rights"], DCTERMS.RightsStatement)
    add_concept(graph, iri, DCTERMS.accrualPeriodicity, settings["accrual_periodicity"], DCTERMS.Frequency)
    for theme in THEMES:
        graph.add((iri, DCAT.theme, URIRef(EU_THEME + theme)))
    for language, listed in words.items():
        for word in listed:
            graph.add((iri, DCAT.keyword, Literal(word, lang=language)))
    if temporal_coverage(facts) is not None:
        graph.add((iri, DCTERMS.temporal, URIRef(f"{base}/#temporal")))
    graph.add((iri, OWL.versionInfo, Literal(facts.version)))
    graph.add((iri, DCAT.contactPoint, URIRef(f"{base}/#contact")))
    graph.add((iri, DCAT.landingPage, URIRef(f"{base}/")))
    graph.add((iri, DCTERMS.source, URIRef(SOURCE_URL)))


def add_shared_nodes(graph: Graph, project: dict[str, Any], facts: ReleaseFacts) -> None:
    """The nodes the catalogue and the datasets point to: publisher (the team), contact point,
    rights, licence, period, and the source the data are compiled from with its own publisher."""
    base = facts.base_url
    settings = catalogue_settings(project)
    publisher, contact, rights = (URIRef(f"{base}/#{n}") for n in ("publisher", "contact", "rights"))
    name = publisher_name(project)
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal(name)))
    graph.add((publisher, FOAF.homepage, URIRef(f"{base}/")))
    add_concept(graph, publisher, DCTERMS.type, settings["publisher_type"], SKOS.Concept)
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, VCARD.fn, Literal(name)))
    graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{settings['contact_email']}")))
    graph.add((contact, VCARD.hasURL, URIRef(f"{base}/")))
    graph.add((rights, RDF.type, DCTERMS.RightsStatement))
    add_texts(graph, rights, RDFS.label, translations(project, "license_note"))
    source, source_publisher = URIRef(SOURCE_URL), URIRef(f"{base}/#source-publisher")
    graph.add((source, DCTERMS.title, text(SOURCE)))
    graph.add((source, DCTERMS.publisher, source_publisher))
    graph.add((source_publisher, RDF.type, FOAF.Agent))
    add_texts(graph, source_publisher, FOAF.name, translations(project["publisher"], "title"))
    graph.add((source_publisher, FOAF.homepage, URIRef(project["publisher"]["path"])))
    add_concept(graph, source_publisher, DCTERMS.type, settings["source_publisher_type"], SKOS.Concept)
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
    add_texts(graph, catalog, DCTERMS.title, translations(project, "title"))
    add_texts(graph, catalog, DCTERMS.description, translations(project, "description"))
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
        translations(project, "title"),
        translations(project, "description"),
        whole_name,
        {lang: all_keywords(packages, project, lang) for lang in LANGUAGES},
        project,
        facts,
    )
    iri = URIRef(f"{base}/#distribution-{whole_name}-{facts.database.file_name}")
    graph.add((whole, DCAT.distribution, iri))
    texts = distribution_texts(None, project, facts.database)
    add_distribution(graph, iri, facts.database, texts, project, facts)

    for package in packages:
        if package.name not in facts.distributions:
            raise ValueError(f"the release facts have no files of package {package.name}")
        dataset = URIRef(f"{base}/#dataset-{package.name}")
        words = {lang: keywords(package, project, lang) for lang in LANGUAGES}
        titles = package.titles or {METADATA_LANGUAGE: package.title}
        descriptions = package.descriptions or {METADATA_LANGUAGE: package.description}
        add_dataset(graph, dataset, titles, descriptions, package.name, words, project, facts)
        graph.add((whole, DCTERMS.hasPart, dataset))
        graph.add((dataset, DCTERMS.isPartOf, whole))
        for dist in facts.distributions[package.name]:
            iri = URIRef(f"{base}/#distribution-{package.name}-{dist.file_name}")
            graph.add((dataset, DCAT.distribution, iri))
            texts = distribution_texts(package, project, dist)
            add_distribution(graph, iri, dist, texts, project, facts)
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
