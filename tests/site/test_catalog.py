"""The catalogue records of a built release: DCAT-AP in Turtle and JSON-LD, and schema.org."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib import namespace as ns  # a module: rdflib's closed namespaces as globals make pytest warn
from rdflib.compare import isomorphic

from etl.layout import DATABASE, DATAPACKAGES, DOWNLOADS, ROOT
from etl.site.dcat import dcat_graph, render_jsonld, render_turtle
from etl.site.facts import ReleaseFacts, distribution_texts, release_facts
from etl.site.schema_org import schema_org_dataset, schema_org_script
from etl.specs import LANGUAGES, load_packages, load_project, text_key, translations

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")

BASE_URL = "https://data.example.org/diplodata"
EU = "http://publications.europa.eu/resource/authority/"
EU_LANGUAGE = EU + "language/"
EU_THEME = EU + "data-theme/"
EU_FILE_TYPE = EU + "file-type/"
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
IANA = "https://www.iana.org/assignments/media-types/"
SCHEMA_CONTEXT = "https://schema.org"
WORKFLOW = ROOT / ".github" / "workflows" / "update.yml"

# DCAT-AP 3.0 (SEMIC, releases/3.0.0: the specification's property tables and its SHACL shapes),
# per class: the mandatory properties, the recommended ones, and those that may appear once at most.
CATALOG_MANDATORY = (ns.DCTERMS.title, ns.DCTERMS.description, ns.DCTERMS.publisher)
CATALOG_RECOMMENDED = (
    ns.DCAT.dataset,  # (or dcat:service)
    ns.DCTERMS.spatial,
    ns.FOAF.homepage,
    ns.DCTERMS.language,
    ns.DCTERMS.license,
    ns.DCTERMS.issued,
    ns.DCTERMS.modified,
    ns.DCAT.themeTaxonomy,
)
CATALOG_AT_MOST_ONCE = (
    ns.DCTERMS.publisher,
    ns.DCTERMS.license,
    ns.DCTERMS.issued,
    ns.DCTERMS.modified,
    ns.DCTERMS.rights,
    ns.FOAF.homepage,
)
DATASET_MANDATORY = (ns.DCTERMS.title, ns.DCTERMS.description)
DATASET_RECOMMENDED = (
    ns.DCAT.contactPoint,
    ns.DCAT.distribution,
    ns.DCAT.keyword,
    ns.DCTERMS.publisher,
    ns.DCTERMS.spatial,
    ns.DCTERMS.temporal,
    ns.DCAT.theme,
)
# Optional in DCAT-AP, and expected by data.gov.be and this project's own tests.
DATASET_OPTIONAL = (
    ns.DCTERMS.identifier,
    ns.DCTERMS.license,
    ns.DCTERMS.language,
    ns.DCTERMS.issued,
    ns.DCTERMS.modified,
    ns.DCTERMS.accessRights,
    ns.DCTERMS.accrualPeriodicity,
    ns.DCTERMS.creator,
    ns.DCTERMS.source,
    ns.OWL.versionInfo,
    ns.DCAT.landingPage,
)
DATASET_AT_MOST_ONCE = (
    ns.DCTERMS.publisher,
    ns.DCTERMS.accessRights,
    ns.DCTERMS.accrualPeriodicity,
    ns.DCTERMS.issued,
    ns.DCTERMS.modified,
    ns.OWL.versionInfo,
)
DISTRIBUTION_MANDATORY = (ns.DCAT.accessURL,)
DISTRIBUTION_RECOMMENDED = (
    ns.DCTERMS.description,
    DCATAP.availability,
    ns.DCTERMS.format,
    ns.DCTERMS.license,
)
DISTRIBUTION_OPTIONAL = (
    ns.DCTERMS.title,
    ns.DCAT.downloadURL,
    ns.DCAT.mediaType,
    ns.DCAT.byteSize,
    SPDX.checksum,
)
DISTRIBUTION_AT_MOST_ONCE = (
    DCATAP.availability,
    ns.DCTERMS.format,
    ns.DCTERMS.license,
    ns.DCTERMS.modified,
    ns.DCAT.mediaType,
    ns.DCAT.byteSize,
    SPDX.checksum,
)
# The agents: a name is mandatory, the type recommended (at most one).
AGENT_MANDATORY = (ns.FOAF.name,)
AGENT_RECOMMENDED = (ns.DCTERMS.type,)
# Each published file's EU file type (None: the EU table has none) and media type, by extension.
FILE_TYPES = {
    "csv": ("CSV", "text/csv"),
    "json": ("JSON", "application/json"),
    "zip": ("ZIP", "application/zip"),
    "db": (None, "application/vnd.sqlite3"),
    "parquet": ("PARQUET", "application/vnd.apache.parquet"),
    "xlsx": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
# Google's Dataset structured data: required, then recommended properties.
GOOGLE_REQUIRED = ("name", "description")
GOOGLE_RECOMMENDED = (
    "url",
    "identifier",
    "alternateName",
    "keywords",
    "license",
    "isAccessibleForFree",
    "creator",
    "distribution",
    "temporalCoverage",
    "spatialCoverage",
    "includedInDataCatalog",
    "variableMeasured",
    "citation",
    "version",
    "isBasedOn",
)
FORMATS = ("turtle", "json-ld")

# rdflib's own JSON-LD parser uses its deprecated ConjunctiveGraph.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


@pytest.fixture(scope="module")
def built_facts(release: Path) -> ReleaseFacts:
    """The facts of the release built once for the session (conftest's `release`)."""
    return release_facts(release, BASE_URL + "/", load_project())


@pytest.fixture(scope="module")
def graph(built_facts: ReleaseFacts) -> Graph:
    return dcat_graph(load_packages(), load_project(), built_facts)


@pytest.fixture(scope="module")
def rendered(graph: Graph) -> dict[str, bytes]:
    return {"turtle": render_turtle(graph), "json-ld": render_jsonld(graph)}


@pytest.fixture(scope="module", params=FORMATS)
def parsed(request: pytest.FixtureRequest, rendered: dict[str, bytes]) -> Graph:
    """Each rendering parsed back with rdflib."""
    fmt: str = request.param
    return Graph().parse(data=rendered[fmt], format=fmt)


@pytest.fixture(scope="module")
def schema_org(built_facts: ReleaseFacts) -> dict[str, Any]:
    return schema_org_dataset(load_packages(), load_project(), built_facts)


@pytest.fixture(scope="module", params=FORMATS)
def built(request: pytest.FixtureRequest, release: Path) -> Graph:
    """The catalogue records the build wrote into the release, each parsed with rdflib."""
    fmt: str = request.param
    name = {"turtle": "catalog.ttl", "json-ld": "catalog.jsonld"}[fmt]
    return Graph().parse(release / DOWNLOADS / name, format=fmt)


def one(graph: Graph, subject: URIRef, predicate: URIRef) -> Any:
    """The single object of a subject's property."""
    objects = list(graph.objects(subject, predicate))
    assert len(objects) == 1, (subject, predicate, objects)
    return objects[0]


def typed(graph: Graph, kind: URIRef) -> list[URIRef]:
    """Every IRI subject of a type, sorted."""
    found = sorted(s for s in graph.subjects(ns.RDF.type, kind) if isinstance(s, URIRef))
    assert len(found) == len(set(graph.subjects(ns.RDF.type, kind)))  # no blank nodes
    return found


def missing(graph: Graph, subject: URIRef, properties: tuple[URIRef, ...]) -> list[str]:
    """The properties a subject lacks."""
    return [graph.qname(p) for p in properties if (subject, p, None) not in graph]


def repeated(graph: Graph, subject: URIRef, properties: tuple[URIRef, ...]) -> list[str]:
    """The properties a subject has more than once."""
    return [graph.qname(p) for p in properties if len(list(graph.objects(subject, p))) > 1]


def by_language(graph: Graph, subject: URIRef, predicate: URIRef) -> dict[str, str]:
    """A subject's literals of a property by language tag (one each)."""
    values = list(graph.objects(subject, predicate))
    found = {str(v.language): str(v) for v in values if isinstance(v, Literal)}
    assert len(found) == len(values), (subject, predicate, values)
    return found


def one_line(value: str) -> str:
    """Text with its runs of white space collapsed, as the records write it."""
    return " ".join(value.split())


def catalogue() -> dict[str, Any]:
    """project.yml's catalogue block."""
    settings: dict[str, Any] = load_project()["catalogue"]
    return settings


def article_rows(release: Path) -> list[dict[str, str]]:
    path = release / DATAPACKAGES / "diplomacy-news" / "data" / "articles.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# -- release_facts ------------------------------------------------------------------------------------


def test_release_facts_list_every_published_file(release: Path, built_facts: ReleaseFacts) -> None:
    for package in load_packages():
        expected = {
            f"/downloads/{package.name}.zip",
            f"/downloads/{package.name}.xlsx",
            f"/datapackages/{package.name}/datapackage.json",
            *(
                f"/datapackages/{package.name}/data/{r.name}.{ext}"
                for r in package.resources
                for ext in ("csv", "json", "parquet")
            ),
            # any other copy of a resource, such as a Parquet file, is a distribution too
            *(
                f"/datapackages/{package.name}/data/{f.name}"
                for f in (release / DATAPACKAGES / package.name / "data").iterdir()
                if f.suffix not in (".csv", ".json")
            ),
        }
        assert {d.path for d in built_facts.distributions[package.name]} == expected
    assert built_facts.database.path == f"/{DATABASE}"
    assert set(built_facts.distributions) == {p.name for p in load_packages()}


def test_release_facts_sizes_and_checksums_are_the_files(release: Path, built_facts: ReleaseFacts) -> None:
    every = [d for files in built_facts.distributions.values() for d in files] + [built_facts.database]
    for dist in every:
        data = (release / dist.path.lstrip("/")).read_bytes()
        assert dist.byte_size == len(data), dist.path
        assert dist.sha256 == hashlib.sha256(data).hexdigest(), dist.path


def test_release_facts_media_types(built_facts: ReleaseFacts) -> None:
    every = [d for files in built_facts.distributions.values() for d in files] + [built_facts.database]
    for dist in every:
        assert dist.media_type == FILE_TYPES[dist.path.rsplit(".", 1)[1]][1], dist.path


def test_release_facts_dates_languages_version(release: Path, built_facts: ReleaseFacts) -> None:
    rows = article_rows(release)
    # The temporal coverage spans the dates the facts hold: the Senate's 2011 total to the 2025 events.
    assert (built_facts.earliest, built_facts.latest) == ("2011-01-01", "2025-11-14")
    published = sorted(r["published"] or r["archived"] for r in rows)
    assert built_facts.latest_source is not None and built_facts.latest_source >= published[-1]
    assert built_facts.languages == tuple(sorted({r["language"] for r in rows}))
    descriptor = json.loads((release / DATAPACKAGES / "diplomacy-news" / "datapackage.json").read_text())
    assert built_facts.version == descriptor["version"]
    assert built_facts.build_date == descriptor["created"][:10]
    assert built_facts.base_url == BASE_URL  # the trailing slash is dropped


# -- DCAT-AP ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_rendering_parses_back_to_the_same_graph(fmt: str, graph: Graph, rendered: dict[str, bytes]) -> None:
    assert isomorphic(Graph().parse(data=rendered[fmt], format=fmt), graph)


def test_catalog_has_the_required_properties(parsed: Graph) -> None:
    catalogs = typed(parsed, ns.DCAT.Catalog)
    assert catalogs == [URIRef(f"{BASE_URL}/#catalog")]
    assert missing(parsed, catalogs[0], CATALOG_MANDATORY + CATALOG_RECOMMENDED) == []
    assert set(parsed.objects(catalogs[0], ns.DCAT.dataset)) == set(typed(parsed, ns.DCAT.Dataset))


def test_one_dataset_per_package_and_one_for_the_database(parsed: Graph) -> None:
    project = load_project()
    names = [p.name for p in load_packages()] + [project["database"]]
    assert typed(parsed, ns.DCAT.Dataset) == sorted(URIRef(f"{BASE_URL}/#dataset-{n}") for n in names)
    whole = URIRef(f"{BASE_URL}/#dataset-{project['database']}")
    assert set(parsed.objects(whole, ns.DCTERMS.hasPart)) == {
        URIRef(f"{BASE_URL}/#dataset-{p.name}") for p in load_packages()
    }


def test_every_dataset_has_the_required_properties(parsed: Graph) -> None:
    for dataset in typed(parsed, ns.DCAT.Dataset):
        assert missing(parsed, dataset, DATASET_MANDATORY + DATASET_RECOMMENDED + DATASET_OPTIONAL) == [], (
            dataset
        )
        assert {str(t) for t in parsed.objects(dataset, ns.DCAT.theme)} == {
            EU_THEME + "GOVE",
            EU_THEME + "INTR",
        }
        for distribution in parsed.objects(dataset, ns.DCAT.distribution):
            assert (distribution, ns.RDF.type, ns.DCAT.Distribution) in parsed


def test_dataset_metadata_comes_from_the_specs(parsed: Graph, release: Path) -> None:
    for package in load_packages():
        dataset = URIRef(f"{BASE_URL}/#dataset-{package.name}")
        assert by_language(parsed, dataset, ns.DCTERMS.title) == package.titles
        assert by_language(parsed, dataset, ns.DCTERMS.description) == {
            lang: one_line(text) for lang, text in package.descriptions.items()
        }
        assert set(package.titles) == set(LANGUAGES) == set(package.descriptions)
        assert str(one(parsed, dataset, ns.DCTERMS.identifier)) == package.name
        descriptor = json.loads((release / DATAPACKAGES / package.name / "datapackage.json").read_text())
        assert str(one(parsed, dataset, ns.OWL.versionInfo)) == descriptor["version"]
        for lang in LANGUAGES:
            words = [k for k in parsed.objects(dataset, ns.DCAT.keyword) if k.language == lang]
            assert sorted(map(str, words)) == sorted(descriptor[text_key("keywords", lang)]), lang
        data_files = sum(1 for f in (release / DATAPACKAGES / package.name / "data").iterdir() if f.is_file())
        assert len(list(parsed.objects(dataset, ns.DCAT.distribution))) == 3 + data_files


def test_catalog_and_whole_dataset_texts_are_the_project_s_in_every_language(parsed: Graph) -> None:
    project = load_project()
    for subject in (URIRef(f"{BASE_URL}/#catalog"), URIRef(f"{BASE_URL}/#dataset-{project['database']}")):
        for key, predicate in (("title", ns.DCTERMS.title), ("description", ns.DCTERMS.description)):
            expected = {lang: one_line(text) for lang, text in translations(project, key).items()}
            assert set(expected) == set(LANGUAGES)
            assert by_language(parsed, subject, predicate) == expected, (subject, key)
    rights = URIRef(f"{BASE_URL}/#rights")
    assert set(by_language(parsed, rights, ns.RDFS.label)) == set(LANGUAGES)


def test_distribution_titles_and_descriptions_are_in_every_language(
    parsed: Graph, built_facts: ReleaseFacts
) -> None:
    project = load_project()
    for package in [None, *load_packages()]:
        files = [built_facts.database] if package is None else built_facts.distributions[package.name]
        name = project["database"] if package is None else package.name
        for dist in files:
            iri = URIRef(f"{BASE_URL}/#distribution-{name}-{dist.file_name}")
            texts = distribution_texts(package, project, dist)
            assert set(texts) == set(LANGUAGES)
            assert by_language(parsed, iri, ns.DCTERMS.title) == {k: one_line(v[0]) for k, v in texts.items()}
            assert by_language(parsed, iri, ns.DCTERMS.description) == {
                k: one_line(v[1]) for k, v in texts.items()
            }


def test_publisher_license_language_contact_and_period(parsed: Graph, built_facts: ReleaseFacts) -> None:
    project = load_project()
    license_ = URIRef(project["licenses"][0]["path"])
    languages = {
        URIRef(EU_LANGUAGE + {"en": "ENG", "nl": "NLD", "fr": "FRA"}[c]) for c in built_facts.languages
    }
    for subject in typed(parsed, ns.DCAT.Catalog) + typed(parsed, ns.DCAT.Dataset):
        publisher = one(parsed, subject, ns.DCTERMS.publisher)
        assert (publisher, ns.RDF.type, ns.FOAF.Agent) in parsed
        assert str(one(parsed, publisher, ns.FOAF.name)) == project["contributors"][0]["title"]
        assert one(parsed, subject, ns.DCTERMS.license) == license_
        assert set(parsed.objects(subject, ns.DCTERMS.language)) == languages
    assert (license_, ns.RDF.type, ns.DCTERMS.LicenseDocument) in parsed
    for dataset in typed(parsed, ns.DCAT.Dataset):
        contact = one(parsed, dataset, ns.DCAT.contactPoint)
        assert (contact, ns.RDF.type, VCARD.Kind) in parsed
        assert (contact, VCARD.fn, None) in parsed
        assert str(one(parsed, contact, VCARD.hasURL)) == BASE_URL + "/"
        email = str(one(parsed, contact, VCARD.hasEmail))
        assert email == "mailto:" + catalogue()["contact_email"] and "@" in email
        period = one(parsed, dataset, ns.DCTERMS.temporal)
        assert (period, ns.RDF.type, ns.DCTERMS.PeriodOfTime) in parsed
        assert one(parsed, period, ns.DCAT.startDate) == Literal(built_facts.earliest, datatype=ns.XSD.date)
        assert one(parsed, period, ns.DCAT.endDate) == Literal(built_facts.latest, datatype=ns.XSD.date)


def test_every_distribution_has_the_required_properties(parsed: Graph) -> None:
    distributions = typed(parsed, ns.DCAT.Distribution)
    linked = {
        d for dataset in typed(parsed, ns.DCAT.Dataset) for d in parsed.objects(dataset, ns.DCAT.distribution)
    }
    assert set(distributions) == linked
    for distribution in distributions:
        assert (
            missing(
                parsed, distribution, DISTRIBUTION_MANDATORY + DISTRIBUTION_OPTIONAL + (ns.DCTERMS.license,)
            )
            == []
        ), distribution
        url = str(one(parsed, distribution, ns.DCAT.downloadURL))
        assert url.startswith(BASE_URL + "/")
        assert str(one(parsed, distribution, ns.DCAT.accessURL)) == url
        media = str(one(parsed, distribution, ns.DCAT.mediaType))
        assert media.startswith(IANA)
        formats = [str(f) for f in parsed.objects(distribution, ns.DCTERMS.format)]
        assert all(f.startswith(EU_FILE_TYPE) for f in formats) and len(formats) <= 1
        checksum = one(parsed, distribution, SPDX.checksum)
        assert (checksum, ns.RDF.type, SPDX.Checksum) in parsed
        assert one(parsed, checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert one(parsed, distribution, ns.DCAT.byteSize).datatype == ns.XSD.nonNegativeInteger


def test_distribution_sizes_and_checksums_equal_the_files(parsed: Graph, release: Path) -> None:
    seen = 0
    for distribution in typed(parsed, ns.DCAT.Distribution):
        path = str(one(parsed, distribution, ns.DCAT.downloadURL)).removeprefix(BASE_URL + "/")
        data = (release / path).read_bytes()
        assert int(one(parsed, distribution, ns.DCAT.byteSize)) == len(data), path
        checksum = one(parsed, distribution, SPDX.checksum)
        assert str(one(parsed, checksum, SPDX.checksumValue)).lower() == hashlib.sha256(data).hexdigest()
        seen += 1
    data_files = [f for p in load_packages() for f in (release / DATAPACKAGES / p.name / "data").iterdir()]
    assert seen == 1 + 3 * len(load_packages()) + len(data_files)


def test_distribution_file_types_and_media_types(parsed: Graph) -> None:
    seen = set()
    for distribution in typed(parsed, ns.DCAT.Distribution):
        suffix = str(one(parsed, distribution, ns.DCAT.downloadURL)).rsplit(".", 1)[1]
        file_type, media = FILE_TYPES[suffix]
        assert str(one(parsed, distribution, ns.DCAT.mediaType)) == IANA + media
        assert (URIRef(IANA + media), ns.RDF.type, ns.DCTERMS.MediaType) in parsed
        formats = list(parsed.objects(distribution, ns.DCTERMS.format))
        assert formats == ([URIRef(EU_FILE_TYPE + file_type)] if file_type else []), distribution
        for found in formats:
            assert (found, ns.RDF.type, ns.DCTERMS.MediaTypeOrExtent) in parsed
        seen.add(suffix)
    assert {"csv", "json", "zip", "db"} <= seen


# -- DCAT-AP 3.0, on the records the build wrote ---------------------------------------------------


def test_built_records_have_dcat_ap_s_mandatory_and_recommended_properties(built: Graph) -> None:
    (catalog,) = typed(built, ns.DCAT.Catalog)
    assert missing(built, catalog, CATALOG_MANDATORY) == []
    assert missing(built, catalog, CATALOG_RECOMMENDED) == []
    assert repeated(built, catalog, CATALOG_AT_MOST_ONCE) == []
    datasets = typed(built, ns.DCAT.Dataset)
    assert len(datasets) == len(load_packages()) + 1
    for dataset in datasets:
        assert missing(built, dataset, DATASET_MANDATORY) == [], dataset
        assert missing(built, dataset, DATASET_RECOMMENDED) == [], dataset
        assert missing(built, dataset, DATASET_OPTIONAL) == [], dataset
        assert repeated(built, dataset, DATASET_AT_MOST_ONCE) == [], dataset
    distributions = typed(built, ns.DCAT.Distribution)
    assert len(distributions) > 3 * len(load_packages())
    for distribution in distributions:
        assert missing(built, distribution, DISTRIBUTION_MANDATORY) == [], distribution
        recommended = DISTRIBUTION_RECOMMENDED
        if str(one(built, distribution, ns.DCAT.downloadURL)).endswith(".db"):
            # No EU file type is an SQLite database: its media type says what it is.
            recommended = tuple(p for p in recommended if p != ns.DCTERMS.format)
        assert missing(built, distribution, recommended) == [], distribution
        assert missing(built, distribution, DISTRIBUTION_OPTIONAL) == [], distribution
        assert repeated(built, distribution, DISTRIBUTION_AT_MOST_ONCE) == [], distribution
    agents = typed(built, ns.FOAF.Agent)
    assert len(agents) == 2  # the team, and the articles' publisher
    for agent in agents:
        assert missing(built, agent, AGENT_MANDATORY + AGENT_RECOMMENDED) == [], agent
        assert repeated(built, agent, AGENT_RECOMMENDED) == [], agent
    for period in typed(built, ns.DCTERMS.PeriodOfTime):
        assert missing(built, period, (ns.DCAT.startDate, ns.DCAT.endDate)) == []


def test_built_records_use_the_controlled_vocabularies_of_project_yml(built: Graph) -> None:
    settings = catalogue()
    places = [URIRef(p["iri"]) for p in settings["spatial"]]
    assert [str(p) for p in places] == [EU + "continent/WORLD", EU + "country/BEL"]
    for subject in typed(built, ns.DCAT.Catalog) + typed(built, ns.DCAT.Dataset):
        assert sorted(built.objects(subject, ns.DCTERMS.spatial)) == sorted(places), subject
    for place in places:
        assert (place, ns.RDF.type, ns.DCTERMS.Location) in built
    for dataset in typed(built, ns.DCAT.Dataset):
        rights = one(built, dataset, ns.DCTERMS.accessRights)
        assert rights == URIRef(EU + "access-right/PUBLIC") == URIRef(settings["access_rights"])
        assert (rights, ns.RDF.type, ns.DCTERMS.RightsStatement) in built
        frequency = one(built, dataset, ns.DCTERMS.accrualPeriodicity)
        assert frequency == URIRef(settings["accrual_periodicity"])
        assert (frequency, ns.RDF.type, ns.DCTERMS.Frequency) in built
    for distribution in typed(built, ns.DCAT.Distribution):
        availability = one(built, distribution, DCATAP.availability)
        assert availability == URIRef(EU + "planned-availability/STABLE") == URIRef(settings["availability"])
        assert (availability, ns.RDF.type, ns.SKOS.Concept) in built


def test_the_accrual_periodicity_is_the_scheduled_update_s() -> None:
    """The workflow updates the release every day: the records say DAILY, and each would change
    together with the other."""
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    (schedule,) = workflow[True]["schedule"]  # YAML 1.1 reads the key `on` as true
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert minute.isdigit() and hour.isdigit() and (day, month, weekday) == ("*", "*", "*")
    assert catalogue()["accrual_periodicity"] == EU + "frequency/DAILY"


def test_the_team_publishes_the_data_and_the_fps_the_articles(built: Graph) -> None:
    """Two agents, kept apart: the datasets' publisher and creator is the project's team, a
    non-profit organisation; the articles the data are compiled from (dct:source) are published by
    FPS Foreign Affairs, a national authority."""
    project, settings = load_project(), catalogue()
    (team,) = {one(built, d, ns.DCTERMS.publisher) for d in typed(built, ns.DCAT.Dataset)}
    assert {one(built, d, ns.DCTERMS.creator) for d in typed(built, ns.DCAT.Dataset)} == {team}
    assert str(one(built, team, ns.FOAF.name)) == project["contributors"][0]["title"]
    assert one(built, team, ns.DCTERMS.type) == URIRef(ADMS_PUBLISHER_TYPE + "NonProfitOrganisation")
    assert one(built, team, ns.DCTERMS.type) == URIRef(settings["publisher_type"])
    (source,) = {one(built, d, ns.DCTERMS.source) for d in typed(built, ns.DCAT.Dataset)}
    fps = one(built, source, ns.DCTERMS.publisher)
    assert fps != team and (fps, ns.RDF.type, ns.FOAF.Agent) in built
    assert by_language(built, fps, ns.FOAF.name) == translations(project["publisher"], "title")
    assert by_language(built, fps, ns.FOAF.name)["nl"].startswith("FOD Buitenlandse Zaken")
    assert by_language(built, fps, ns.FOAF.name)["fr"].startswith("SPF Affaires étrangères")
    assert one(built, fps, ns.DCTERMS.type) == URIRef(ADMS_PUBLISHER_TYPE + "NationalAuthority")
    assert str(one(built, fps, ns.FOAF.homepage)) == project["publisher"]["path"]


def test_built_records_name_the_files_sha256_as_sha256sums_lists_them(built: Graph, release: Path) -> None:
    listed = {}
    for line in (release / DOWNLOADS / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    for distribution in typed(built, ns.DCAT.Distribution):
        path = urlsplit(str(one(built, distribution, ns.DCAT.downloadURL))).path.lstrip("/")
        checksum = one(built, distribution, SPDX.checksum)
        assert str(one(built, checksum, SPDX.checksumValue)) == listed[path], path


@pytest.fixture
def with_parquet(release: Path) -> tuple[Path, str]:
    """The built release and the sha256 of its Parquet twin of post_counts."""
    data = (release / DATAPACKAGES / "diplomacy-network" / "data" / "post_counts.parquet").read_bytes()
    assert data[:4] == data[-4:] == b"PAR1"  # the magic bytes that open and close a Parquet file
    return release, hashlib.sha256(data).hexdigest()


def test_a_parquet_file_is_a_distribution_with_its_file_type_media_type_and_checksum(
    with_parquet: tuple[Path, str],
) -> None:
    root, digest = with_parquet
    facts = release_facts(root, BASE_URL, load_project())
    graph = Graph().parse(
        data=render_turtle(dcat_graph(load_packages(), load_project(), facts)), format="turtle"
    )
    iri = URIRef(f"{BASE_URL}/#distribution-diplomacy-network-post_counts.parquet")
    dataset = URIRef(f"{BASE_URL}/#dataset-diplomacy-network")
    assert (dataset, ns.DCAT.distribution, iri) in graph
    assert one(graph, iri, ns.DCTERMS.format) == URIRef(EU_FILE_TYPE + "PARQUET")
    assert one(graph, iri, ns.DCAT.mediaType) == URIRef(IANA + "application/vnd.apache.parquet")
    assert str(one(graph, one(graph, iri, SPDX.checksum), SPDX.checksumValue)) == digest
    assert by_language(graph, iri, ns.DCTERMS.title)["fr"] == "Nombres de postes (Parquet)"
    assert missing(graph, iri, DISTRIBUTION_MANDATORY + DISTRIBUTION_RECOMMENDED) == []
    downloads = schema_org_dataset(load_packages(), load_project(), facts)["hasPart"][2]["distribution"]
    (parquet,) = [d for d in downloads if d["contentUrl"].endswith("/post_counts.parquet")]
    assert parquet["encodingFormat"] == "application/vnd.apache.parquet" and parquet["sha256"] == digest


def test_renderings_are_byte_identical_across_calls(
    built_facts: ReleaseFacts, rendered: dict[str, bytes]
) -> None:
    again = dcat_graph(load_packages(), load_project(), built_facts)
    assert render_turtle(again) == rendered["turtle"]
    assert render_jsonld(again) == rendered["json-ld"]


def test_renderings_do_not_depend_on_the_hash_seed(release: Path) -> None:
    script = (
        "import hashlib, sys; from pathlib import Path;"
        "from etl.site.dcat import dcat_graph, render_jsonld, render_turtle;"
        "from etl.site.facts import release_facts;"
        "from etl.specs import load_packages, load_project;"
        "p = load_project(); facts = release_facts(Path(sys.argv[1]), 'http://x', p);"
        "g = dcat_graph(load_packages(), p, facts);"
        "print(hashlib.sha256(render_turtle(g) + render_jsonld(g)).hexdigest())"
    )
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script, str(release)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def test_temporal_coverage_is_left_out_when_no_source_has_a_date(built_facts: ReleaseFacts) -> None:
    undated = dataclasses.replace(built_facts, earliest=None, latest=None)
    graph = dcat_graph(load_packages(), load_project(), undated)
    assert (None, ns.DCTERMS.temporal, None) not in graph
    assert "temporalCoverage" not in schema_org_dataset(load_packages(), load_project(), undated)
    open_ended = dataclasses.replace(built_facts, earliest=None)
    assert schema_org_dataset(load_packages(), load_project(), open_ended)["temporalCoverage"] == (
        f"../{built_facts.latest}"
    )


def test_an_unknown_language_is_refused(built_facts: ReleaseFacts) -> None:
    with pytest.raises(ValueError, match="xx"):
        dcat_graph(load_packages(), load_project(), dataclasses.replace(built_facts, languages=("xx",)))


def test_iris_follow_the_base_url(built_facts: ReleaseFacts) -> None:
    local = dataclasses.replace(built_facts, base_url="http://127.0.0.1:8001/")
    turtle = render_turtle(dcat_graph(load_packages(), load_project(), local)).decode()
    assert "<http://127.0.0.1:8001/#catalog>" in turtle
    assert "<http://127.0.0.1:8001/downloads/diplomacy-news.zip>" in turtle
    assert BASE_URL not in turtle
    assert "8001//" not in turtle


# -- schema.org ---------------------------------------------------------------------------------------


def test_schema_org_dataset_has_the_required_properties(
    schema_org: dict[str, Any], built_facts: ReleaseFacts
) -> None:
    project = load_project()
    assert schema_org["@context"] == SCHEMA_CONTEXT
    assert schema_org["@type"] == "Dataset"
    assert schema_org["name"] == project["title"]
    assert schema_org["description"] == " ".join(project["description"].split())
    assert schema_org["license"] == project["licenses"][0]["path"]
    assert schema_org["url"] == BASE_URL + "/"
    assert schema_org["version"] == built_facts.version
    assert schema_org["isAccessibleForFree"] is True
    assert schema_org["inLanguage"] == list(built_facts.languages)
    assert schema_org["temporalCoverage"] == f"{built_facts.earliest}/{built_facts.latest}"
    assert schema_org["dateModified"] == built_facts.build_date
    assert schema_org["creator"]["@type"] == "Organization"
    assert schema_org["keywords"]


def test_schema_org_dataset_has_google_s_required_and_recommended_properties(
    schema_org: dict[str, Any], release: Path
) -> None:
    for dataset in [schema_org, *schema_org["hasPart"]]:
        for key in GOOGLE_REQUIRED + GOOGLE_RECOMMENDED:
            assert dataset.get(key) not in (None, "", [], {}), (dataset["identifier"], key)
        assert 50 <= len(dataset["description"]) <= 5000
        assert dataset["creator"]["@type"] == "Organization"
        assert dataset["creator"]["name"] and dataset["creator"]["url"] == BASE_URL + "/"
        for download in dataset["distribution"]:
            assert download["encodingFormat"] and download["contentUrl"].startswith(BASE_URL + "/")
    catalog = schema_org["includedInDataCatalog"]
    assert catalog["@type"] == "DataCatalog" and catalog["url"] == BASE_URL + "/"
    # The record the build wrote has them too (with the address it was built with).
    written = json.loads((release / DOWNLOADS / "dataset.schema.jsonld").read_text(encoding="utf-8"))
    for key in GOOGLE_REQUIRED + GOOGLE_RECOMMENDED:
        assert written.get(key) not in (None, "", [], {}), key


def test_schema_org_spatial_coverage_and_other_names(schema_org: dict[str, Any]) -> None:
    project = load_project()
    assert schema_org["spatialCoverage"] == [
        {"@type": "Place", "name": "World", "sameAs": EU + "continent/WORLD"},
        {"@type": "Country", "name": "Belgium", "identifier": "BE", "sameAs": EU + "country/BEL"},
    ]
    assert schema_org["alternateName"] == [project["title_nl"], project["title_fr"]]
    for part, package in zip(schema_org["hasPart"], load_packages(), strict=True):
        assert part["alternateName"] == [package.titles["nl"], package.titles["fr"]]
    for lang in LANGUAGES:
        assert set(project[text_key("keywords", lang)]) <= set(schema_org["keywords"])


def test_schema_org_cites_the_publications_of_the_sources(schema_org: dict[str, Any], release: Path) -> None:
    cited = {}
    for package in load_packages():
        rows = [
            r
            for r in csv.DictReader((release / DATAPACKAGES / package.name / "data" / "sources.csv").open())
            if r["kind"] == "publication"
        ]
        part = next(p for p in schema_org["hasPart"] if p["identifier"] == package.name)
        assert sorted(c["url"] for c in part.get("citation", [])) == sorted(r["url"] for r in rows)
        cited.update({r["url"]: r for r in rows})
    assert len(cited) >= 5
    assert {c["url"]: c["name"] for c in schema_org["citation"]} == {u: r["title"] for u, r in cited.items()}
    for work in schema_org["citation"]:
        assert (
            work["@type"] == "CreativeWork" and work["publisher"]["name"] == cited[work["url"]]["publisher"]
        )
    based_on = schema_org["isBasedOn"]
    assert based_on["url"] == "https://diplomatie.belgium.be/en/news"
    assert based_on["publisher"]["name"] == load_project()["publisher"]["title"]


def test_schema_org_variables_are_the_packages_fields(schema_org: dict[str, Any]) -> None:
    variables = {v["name"]: v for v in schema_org["variableMeasured"]}
    expected = {
        f"{r.name}.{f['name']}": f for p in load_packages() for r in p.resources for f in r.schema["fields"]
    }
    assert set(variables) == set(expected)
    for name, field in expected.items():
        assert variables[name]["@type"] == "PropertyValue"
        assert variables[name]["description"] == one_line(field["description"])
        assert variables[name].get("unitText") == field.get("unit"), name
    assert variables["post_counts.count"]["unitText"] == "posts"
    assert variables["events.participants"]["unitText"] == "persons"
    assert "unitText" not in variables["post_counts.as_of"]
    for part, package in zip(schema_org["hasPart"], load_packages(), strict=True):
        names = [f"{r.name}.{f['name']}" for r in package.resources for f in r.schema["fields"]]
        assert part["variableMeasured"] == names


def test_schema_org_distributions_are_downloads_of_the_files(
    schema_org: dict[str, Any], release: Path
) -> None:
    parts = schema_org["hasPart"]
    assert [p["identifier"] for p in parts] == [p.name for p in load_packages()]
    downloads = schema_org["distribution"] + [d for p in parts for d in p["distribution"]]
    urls = {d["contentUrl"] for d in schema_org["distribution"]}
    assert urls == {f"{BASE_URL}/downloads/{p.name}.zip" for p in load_packages()} | {
        f"{BASE_URL}/{DATABASE}"
    }
    for download in downloads:
        assert download["@type"] == "DataDownload"
        assert download["encodingFormat"] in {media for _, media in FILE_TYPES.values()}
        data = (release / download["contentUrl"].removeprefix(BASE_URL + "/")).read_bytes()
        assert download["sha256"] == hashlib.sha256(data).hexdigest()
    for part in parts:
        assert part["@type"] == "Dataset"
        assert part["name"] and part["description"] and part["license"]


def test_schema_org_parses_as_json_ld(schema_org: dict[str, Any]) -> None:
    local = json.loads(json.dumps(schema_org))
    local["@context"] = {"@vocab": "https://schema.org/"}  # no network fetch of the context
    graph = Graph().parse(data=json.dumps(local), format="json-ld")
    dataset = URIRef(schema_org["@id"])
    assert (dataset, ns.RDF.type, URIRef("https://schema.org/Dataset")) in graph
    assert len(list(graph.objects(dataset, URIRef("https://schema.org/hasPart")))) == len(load_packages())


def test_schema_org_script_escapes_a_closing_tag(schema_org: dict[str, Any]) -> None:
    hostile = {**schema_org, "name": "</script><script>alert(1)</script> <!-- & ]]>"}
    tag = schema_org_script(hostile)
    assert tag.startswith('<script type="application/ld+json">')
    assert tag.endswith("</script>")
    assert tag.count("</") == 1
    assert tag.lower().count("<script") == 1
    assert "<!--" not in tag
    body = re.fullmatch(r'<script type="application/ld\+json">(.*)</script>', tag, re.DOTALL)
    assert body is not None
    assert json.loads(body.group(1)) == hostile


def test_schema_org_script_is_deterministic(built_facts: ReleaseFacts) -> None:
    first = schema_org_script(schema_org_dataset(load_packages(), load_project(), built_facts))
    second = schema_org_script(schema_org_dataset(load_packages(), load_project(), built_facts))
    assert first == second
