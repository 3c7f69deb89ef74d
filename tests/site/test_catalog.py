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

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib import namespace as ns  # a module: rdflib's closed namespaces as globals make pytest warn
from rdflib.compare import isomorphic

from etl.layout import DATABASE, DATAPACKAGES, ROOT
from etl.site.dcat import dcat_graph, render_jsonld, render_turtle
from etl.site.facts import ReleaseFacts, release_facts
from etl.site.schema_org import schema_org_dataset, schema_org_script
from etl.specs import load_packages, load_project

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")

BASE_URL = "https://data.example.org/diplodata"
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
IANA = "https://www.iana.org/assignments/media-types/"
SCHEMA_CONTEXT = "https://schema.org"

CATALOG_PROPERTIES = (
    ns.DCTERMS.title,
    ns.DCTERMS.description,
    ns.DCTERMS.publisher,
    ns.DCTERMS.license,
    ns.DCTERMS.language,
    ns.DCTERMS.issued,
    ns.DCTERMS.modified,
    ns.FOAF.homepage,
    ns.DCAT.dataset,
)
DATASET_PROPERTIES = (
    ns.DCTERMS.title,
    ns.DCTERMS.description,
    ns.DCTERMS.identifier,
    ns.DCTERMS.publisher,
    ns.DCTERMS.license,
    ns.DCTERMS.language,
    ns.DCAT.theme,
    ns.DCAT.keyword,
    ns.DCTERMS.temporal,
    ns.DCTERMS.issued,
    ns.DCTERMS.modified,
    ns.OWL.versionInfo,
    ns.DCAT.contactPoint,
    ns.DCAT.landingPage,
    ns.DCAT.distribution,
)
DISTRIBUTION_PROPERTIES = (
    ns.DCTERMS.title,
    ns.DCTERMS.license,
    ns.DCAT.accessURL,
    ns.DCAT.downloadURL,
    ns.DCTERMS.format,
    ns.DCAT.mediaType,
    ns.DCAT.byteSize,
    SPDX.checksum,
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
    expected = {
        "csv": "text/csv",
        "json": "application/json",
        "zip": "application/zip",
        "db": "application/vnd.sqlite3",
        "parquet": "application/vnd.apache.parquet",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    for dist in every:
        assert dist.media_type == expected[dist.path.rsplit(".", 1)[1]], dist.path


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
    assert missing(parsed, catalogs[0], CATALOG_PROPERTIES) == []
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
        assert missing(parsed, dataset, DATASET_PROPERTIES) == [], dataset
        assert {str(t) for t in parsed.objects(dataset, ns.DCAT.theme)} == {
            EU_THEME + "GOVE",
            EU_THEME + "INTR",
        }
        for distribution in parsed.objects(dataset, ns.DCAT.distribution):
            assert (distribution, ns.RDF.type, ns.DCAT.Distribution) in parsed


def test_dataset_metadata_comes_from_the_specs(parsed: Graph, release: Path) -> None:
    for package in load_packages():
        dataset = URIRef(f"{BASE_URL}/#dataset-{package.name}")
        assert str(one(parsed, dataset, ns.DCTERMS.title)) == package.title
        assert str(one(parsed, dataset, ns.DCTERMS.description)) == package.description
        assert str(one(parsed, dataset, ns.DCTERMS.identifier)) == package.name
        descriptor = json.loads((release / DATAPACKAGES / package.name / "datapackage.json").read_text())
        assert str(one(parsed, dataset, ns.OWL.versionInfo)) == descriptor["version"]
        assert sorted(str(k) for k in parsed.objects(dataset, ns.DCAT.keyword)) == sorted(
            descriptor["keywords"]
        )
        assert len(list(parsed.objects(dataset, ns.DCAT.distribution))) == 3 + 3 * len(package.resources)


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
        assert missing(parsed, distribution, DISTRIBUTION_PROPERTIES) == [], distribution
        url = str(one(parsed, distribution, ns.DCAT.downloadURL))
        assert url.startswith(BASE_URL + "/")
        assert str(one(parsed, distribution, ns.DCAT.accessURL)) == url
        media = str(one(parsed, distribution, ns.DCAT.mediaType))
        assert media.startswith(IANA)
        assert str(one(parsed, distribution, ns.DCTERMS.format)) == media
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
    assert seen == 1 + sum(3 + 3 * len(p.resources) for p in load_packages())


def test_distribution_media_types(parsed: Graph) -> None:
    expected = {
        "csv": "text/csv",
        "json": "application/json",
        "zip": "application/zip",
        "db": "application/vnd.sqlite3",
        "parquet": "application/vnd.apache.parquet",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    for distribution in typed(parsed, ns.DCAT.Distribution):
        suffix = str(one(parsed, distribution, ns.DCAT.downloadURL)).rsplit(".", 1)[1]
        assert str(one(parsed, distribution, ns.DCAT.mediaType)) == IANA + expected[suffix]


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
        assert download["encodingFormat"] in {
            "text/csv",
            "application/json",
            "application/zip",
            "application/vnd.sqlite3",
            "application/vnd.apache.parquet",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
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
