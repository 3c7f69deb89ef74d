"""The site's pages for people, through Datasette's own client: the landing page, the downloads page,
the served catalogue records, search across articles and quotes, table pages and charts."""

from __future__ import annotations

import hashlib
import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from markupsafe import escape
from rdflib import Graph, URIRef
from rdflib import namespace as ns
from rdflib.compare import isomorphic

from etl.layout import DATABASE, DOWNLOADS
from etl.site.charts import load_charts
from etl.site.facts import release_facts
from etl.site.landing import human_size, table_groups
from etl.site.metadata import LATEST_POSTS_QUERY, PLUGIN, all_queries, site_charts
from etl.specs import load_packages, load_project, resource_specs
from tests.conftest import Client

SCHEMA = "https://schema.org/"
SEED_ID = "000_03760b43a54f4e20"
FRENCH_QUOTE = "901_fr_journees_diplomatiques-q1"
DUTCH_QUOTE = "902_nl_diplomatieke_contactdagen-q1"

# rdflib's own JSON-LD parser uses its deprecated ConjunctiveGraph.
pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")


class Page(HTMLParser):
    """The links and JSON-LD scripts of an HTML page."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.json_ld: list[str] = []
        self._in_json_ld = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("a", "link") and values.get("href"):
            self.hrefs.append(str(values["href"]))
        if tag == "script" and values.get("type") == "application/ld+json":
            self._in_json_ld = True
            self.json_ld.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_json_ld = False

    def handle_data(self, data: str) -> None:
        if self._in_json_ld:
            self.json_ld[-1] += data


def local_paths(hrefs: list[str]) -> set[str]:
    """The site paths (with their query, without fragment) among links."""
    found = set()
    for href in hrefs:
        parts = urlsplit(href)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/"):
            found.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


@pytest.fixture(scope="module")
def landing(client: Client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return str(response.text)


@pytest.fixture(scope="module")
def landing_page(landing: str) -> Page:
    return Page(landing)


@pytest.fixture(scope="module")
def visible_tables(client: Client) -> list[str]:
    return [t["name"] for t in client.get("/diplomacy.json").json()["tables"] if not t["hidden"]]


# -- Landing page -------------------------------------------------------------------------------------


def test_landing_says_what_where_how_fresh_licence_and_how_to_cite(landing: str, release: Path) -> None:
    project = load_project()
    schema = json.loads((release / DOWNLOADS / "dataset.schema.jsonld").read_text(encoding="utf-8"))
    facts = release_facts(release, schema["url"], project)
    for anchor in ("what", "source", "freshness", "licence", "cite", "tables", "charts", "downloads"):
        assert f'id="{anchor}"' in landing, anchor
    assert str(escape(" ".join(project["description"].split()))) in landing
    assert "https://diplomatie.belgium.be/en/news" in landing
    assert f'<time datetime="{facts.build_date}">' in landing
    assert facts.latest is not None and f'<time datetime="{facts.latest}">' in landing
    assert project["licenses"][0]["path"] in landing and project["licenses"][0]["name"] in landing
    citation = re.search(r'<blockquote class="landing-citation"><p>(.*?)</p></blockquote>', landing, re.S)
    assert citation is not None
    text = html.unescape(citation.group(1))
    assert project["title"] in text and facts.version in text and facts.build_date[:4] in text
    assert project["licenses"][0]["name"] in text and schema["url"] in text


def test_landing_has_one_search_box_for_articles_and_quotes(landing: str) -> None:
    form = re.search(r'<form[^>]*action="/-/search"[^>]*method="get"[^>]*>(.*?)</form>', landing, re.S)
    assert form is not None
    assert 'name="q"' in form.group(1)
    assert landing.count('action="/-/search"') == 1


def test_landing_links_every_table(landing_page: Page, visible_tables: list[str]) -> None:
    paths = local_paths(landing_page.hrefs)
    assert {f"/diplomacy/{t}" for t in visible_tables} <= paths
    assert set(resource_specs()) <= set(visible_tables)


def test_landing_links_every_chart(landing_page: Page, client: Client) -> None:
    charts = client.get("/-/metadata.json").json()["plugins"][PLUGIN]["charts"]
    assert charts == site_charts()
    assert any(c["query"] == LATEST_POSTS_QUERY for c in charts)
    for chart in charts:
        assert chart["path"] in landing_page.hrefs, chart["title"]


def test_landing_links_every_download_and_catalogue_record(landing_page: Page) -> None:
    paths = local_paths(landing_page.hrefs)
    for package in load_packages():
        assert f"/downloads/{package.name}.zip" in paths
        assert f"/datapackages/{package.name}/datapackage.json" in paths
    for record in ("catalog.ttl", "catalog.jsonld", "dataset.schema.jsonld"):
        assert f"/downloads/{record}" in paths
    assert f"/{DATABASE}" in paths and "/-/downloads" in paths


def test_every_link_of_the_landing_page_answers(landing_page: Page, client: Client) -> None:
    paths = local_paths(landing_page.hrefs)
    assert len(paths) > 20
    for path in sorted(paths):
        assert client.get(path).status_code == 200, path


def test_landing_embeds_the_schema_org_record_of_the_release(landing_page: Page, release: Path) -> None:
    assert len(landing_page.json_ld) == 1
    embedded = json.loads(landing_page.json_ld[0])
    assert embedded == json.loads((release / DOWNLOADS / "dataset.schema.jsonld").read_text(encoding="utf-8"))
    project = load_project()
    assert embedded["@context"] == "https://schema.org" and embedded["@type"] == "Dataset"
    for key in (
        "name",
        "description",
        "url",
        "license",
        "creator",
        "publisher",
        "version",
        "dateModified",
        "temporalCoverage",
        "inLanguage",
        "keywords",
        "isAccessibleForFree",
        "distribution",
        "hasPart",
    ):
        assert embedded.get(key) not in (None, "", []), key
    assert embedded["name"] == project["title"]
    assert embedded["license"] == project["licenses"][0]["path"]
    for download in embedded["distribution"] + [d for p in embedded["hasPart"] for d in p["distribution"]]:
        assert download["@type"] == "DataDownload"
        assert download["contentUrl"] and download["encodingFormat"] and len(download["sha256"]) == 64
        path = urlsplit(download["contentUrl"]).path
        assert hashlib.sha256((release / path.lstrip("/")).read_bytes()).hexdigest() == download["sha256"]


def test_landing_json_ld_parses_as_a_schema_org_dataset(landing_page: Page) -> None:
    data = json.loads(landing_page.json_ld[0])
    data["@context"] = {"@vocab": SCHEMA}  # no network fetch of the context
    graph = Graph().parse(data=json.dumps(data), format="json-ld")
    dataset = URIRef(data["@id"])
    assert (dataset, ns.RDF.type, URIRef(SCHEMA + "Dataset")) in graph
    for prop in ("name", "description", "license", "distribution", "temporalCoverage", "hasPart"):
        assert (dataset, URIRef(SCHEMA + prop), None) in graph, prop
    parts = list(graph.objects(dataset, URIRef(SCHEMA + "hasPart")))
    assert len(parts) == len(load_packages())


def test_landing_announces_the_dcat_records(landing: str) -> None:
    assert '<link rel="alternate" type="text/turtle"' in landing
    assert 'href="/downloads/catalog.ttl"' in landing and 'href="/downloads/catalog.jsonld"' in landing


# -- Catalogue records, as served ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def served_graphs(client: Client) -> dict[str, Graph]:
    graphs = {}
    for name, fmt, media in (
        ("catalog.ttl", "turtle", "text/turtle"),
        ("catalog.jsonld", "json-ld", "application/ld+json"),
    ):
        response = client.get(f"/downloads/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media), name
        graphs[fmt] = Graph().parse(data=response.content, format=fmt)
    return graphs


def test_served_dcat_records_are_the_same_graph(served_graphs: dict[str, Graph]) -> None:
    assert isomorphic(served_graphs["turtle"], served_graphs["json-ld"])


@pytest.mark.parametrize("fmt", ["turtle", "json-ld"])
def test_served_dcat_records_have_the_required_properties(served_graphs: dict[str, Graph], fmt: str) -> None:
    graph = served_graphs[fmt]
    catalogs = list(graph.subjects(ns.RDF.type, ns.DCAT.Catalog))
    assert len(catalogs) == 1
    for prop in (ns.DCTERMS.title, ns.DCTERMS.publisher, ns.DCTERMS.license, ns.DCAT.dataset):
        assert (catalogs[0], prop, None) in graph, prop
    datasets = list(graph.subjects(ns.RDF.type, ns.DCAT.Dataset))
    assert len(datasets) == len(load_packages()) + 1
    for dataset in datasets:
        for prop in (
            ns.DCTERMS.title,
            ns.DCTERMS.description,
            ns.DCTERMS.publisher,
            ns.DCTERMS.license,
            ns.DCTERMS.language,
            ns.DCTERMS.temporal,
            ns.DCAT.theme,
            ns.DCAT.distribution,
        ):
            assert (dataset, prop, None) in graph, (dataset, prop)
    for distribution in graph.subjects(ns.RDF.type, ns.DCAT.Distribution):
        for prop in (ns.DCAT.downloadURL, ns.DCAT.mediaType, ns.DCAT.byteSize, ns.DCTERMS.license):
            assert (distribution, prop, None) in graph, (distribution, prop)


# -- Downloads page -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def downloads(client: Client) -> dict[str, Any]:
    response = client.get("/-/downloads.json")
    assert response.status_code == 200
    return dict(response.json())


def test_downloads_list_each_package_as_zip_and_files(downloads: dict[str, Any]) -> None:
    packages = {p["name"]: p for p in downloads["packages"]}
    assert list(packages) == [p.name for p in load_packages()]
    for spec in load_packages():
        paths = {f["path"] for f in packages[spec.name]["files"]}
        expected = {f"/downloads/{spec.name}.{ext}" for ext in ("zip", "xlsx")}
        expected |= {f"/datapackages/{spec.name}/datapackage.json"}
        expected |= {
            f"/datapackages/{spec.name}/data/{r.name}.{ext}"
            for r in spec.resources
            for ext in ("csv", "json", "parquet")
        }
        assert paths == expected, spec.name
    assert downloads["database"]["path"] == f"/{DATABASE}"
    assert {f["name"] for f in downloads["catalogue"]} == {
        "catalog.ttl",
        "catalog.jsonld",
        "dataset.schema.jsonld",
    }


def every_file(downloads: dict[str, Any]) -> list[dict[str, Any]]:
    return (
        [f for p in downloads["packages"] for f in p["files"]]
        + [downloads["database"]]
        + downloads["catalogue"]
        + downloads["other"]
    )


def test_downloads_sizes_and_checksums_are_those_of_the_files(
    downloads: dict[str, Any], release: Path
) -> None:
    for file in every_file(downloads):
        data = (release / file["path"].lstrip("/")).read_bytes()
        assert file["bytes"] == len(data), file["path"]
        assert file["sha256"] == hashlib.sha256(data).hexdigest(), file["path"]


def test_every_download_is_served_with_its_bytes(downloads: dict[str, Any], client: Client) -> None:
    for file in every_file(downloads):
        response = client.get(file["path"])
        assert response.status_code == 200, file["path"]
        assert hashlib.sha256(response.content).hexdigest() == file["sha256"], file["path"]


def test_downloads_page_shows_each_file_with_size_and_sha256(
    downloads: dict[str, Any], client: Client
) -> None:
    page = client.get("/-/downloads")
    assert page.status_code == 200
    hrefs = Page(page.text).hrefs
    for file in every_file(downloads):
        assert file["path"] in hrefs, file["path"]
        assert f'<code class="downloads-sha256">{file["sha256"]}</code>' in page.text, file["path"]
        assert f'data-bytes="{file["bytes"]}">{human_size(file["bytes"])}<' in page.text, file["path"]
    for package in load_packages():
        assert f'id="{package.name}"' in page.text


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "0 B"), (999, "999 B"), (1000, "1.0 kB"), (18_835, "18.8 kB"), (2_500_000, "2.5 MB")],
)
def test_human_size(size: int, text: str) -> None:
    assert human_size(size) == text


# -- Search across articles and quotes ----------------------------------------------------------------


def test_search_page_searches_every_table_with_a_full_text_index(mixed_client: Client) -> None:
    page = mixed_client.get("/-/search?q=belgie")
    assert page.status_code == 200
    urls = set(re.findall(r'<li data-searchable-url="([^"]+)"', page.text))
    searched = {name for name, spec in resource_specs().items() if spec.datasette.get("fts")}
    assert urls == {f"/diplomacy/{name}" for name in searched}
    assert {"/diplomacy/articles", "/diplomacy/quotes", "/diplomacy/events"} <= urls


def search_all(client: Client, table: str, query: str) -> list[dict[str, Any]]:
    """The rows datasette-search-all's page fetches for a table (the same URL its script builds)."""
    url = (
        f"/diplomacy/{table}.json?_shape=objects&_labels=on&_extra=count&_extra=database"
        f"&_extra=table&_size=5&_search={quote(query)}"
    )
    response = client.get(url)
    assert response.status_code == 200, response.text
    return list(response.json()["rows"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("belgie", DUTCH_QUOTE),
        ("België", DUTCH_QUOTE),
        ("BELGIË", DUTCH_QUOTE),
        ("wereldorde", DUTCH_QUOTE),
        ("determination", FRENCH_QUOTE),
        ("détermination", FRENCH_QUOTE),
        ("Securite", FRENCH_QUOTE),
        ("multilatéralisme", FRENCH_QUOTE),
        ("naivety", f"{SEED_ID}-q1"),
    ],
)
def test_search_finds_quotes_in_three_languages_with_or_without_accents(
    mixed_client: Client, query: str, expected: str
) -> None:
    assert expected in {row["id"] for row in search_all(mixed_client, "quotes", query)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Egmontpaleis", "902_nl_diplomatieke_contactdagen"),
        ("journees", "901_fr_journees_diplomatiques"),
        ("Journées", "901_fr_journees_diplomatiques"),
        ("PREVOT", SEED_ID),
    ],
)
def test_search_finds_articles_with_or_without_accents(
    mixed_client: Client, query: str, expected: str
) -> None:
    assert expected in {row["id"] for row in search_all(mixed_client, "articles", query)}


def test_search_finds_nothing_for_an_absent_word(mixed_client: Client) -> None:
    assert search_all(mixed_client, "quotes", "kangaroo") == []
    assert search_all(mixed_client, "articles", "kangaroo") == []


# -- Table pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", sorted(t for t, s in resource_specs().items() if s.datasette.get("facets")))
def test_table_page_shows_its_facets(client: Client, table: str) -> None:
    facets = resource_specs()[table].datasette["facets"]
    data = client.get(f"/diplomacy/{table}.json").json()
    assert list(data["facet_results"]) == facets
    page = client.get(f"/diplomacy/{table}").text
    for facet in facets:
        assert f'data-column="{facet}"' in page, facet


@pytest.mark.parametrize(
    "table",
    sorted(t for t, s in resource_specs().items() if {"sort", "sort_desc"} & set(s.datasette)),
)
def test_table_page_uses_its_sort_order(client: Client, table: str) -> None:
    options = resource_specs()[table].datasette
    data = client.get(f"/diplomacy/{table}.json").json()
    if "sort_desc" in options:
        assert f"sorted by {options['sort_desc']} descending" in data["human_description_en"]
    else:
        assert f"sorted by {options['sort']}" in data["human_description_en"]
        assert "descending" not in data["human_description_en"]


def test_foreign_keys_show_the_persons_name(client: Client) -> None:
    rows = client.get(f"/diplomacy/quotes.json?_labels=on&_shape=array&article={SEED_ID}").json()
    assert {r["person"]["label"] for r in rows} == {"Maxime Prévot", "Bernard Quintin", "Theo Francken"}
    page = client.get("/diplomacy/quotes").text
    assert '<a href="/diplomacy/persons/maxime-prevot">Maxime Prévot</a>' in page


def test_foreign_keys_show_the_post_types_label(client: Client) -> None:
    rows = client.get(f"/diplomacy/post_counts.json?_labels=on&_shape=array&source={SEED_ID}").json()
    assert {r["post_type"]["value"]: r["post_type"]["label"] for r in rows}["embassy"] == "Embassy"
    page = client.get(f"/diplomacy/post_counts?source={SEED_ID}").text
    assert '<a href="/diplomacy/post_types/embassy">Embassy</a>' in page
    assert '<a href="/diplomacy/post_types/consulate_general">Consulate general</a>' in page


@pytest.fixture(scope="module")
def seed_body(client: Client) -> str:
    return str(client.get(f"/diplomacy/articles/{SEED_ID}.json?_shape=array").json()[0]["body"])


def test_table_page_shows_a_preview_of_long_text_with_its_line_breaks(client: Client, seed_body: str) -> None:
    page = client.get("/diplomacy/articles?_col=body").text
    cell = re.search(r'<td class="col-body type-str">(.*?)</td>', page, re.S)
    assert cell is not None
    shown = cell.group(1)
    assert shown.startswith('<div class="long-text">')
    assert f"Read all {len(seed_body):,} characters" in shown
    preview = html.unescape(
        shown.split('<span class="long-text-ellipsis">')[0].removeprefix('<div class="long-text">')
    )
    assert seed_body.startswith(preview) and "\n" in preview and len(preview) <= 500
    rest = re.search(r"</summary>(.*?)</details>", shown, re.S)
    assert rest is not None and preview + html.unescape(rest.group(1)) == seed_body


def test_row_page_shows_the_whole_text(client: Client, seed_body: str) -> None:
    page = client.get(f"/diplomacy/articles/{SEED_ID}").text
    assert f'<div class="long-text">{escape(seed_body)}</div>' in page
    assert "long-text-rest" not in page


def test_short_text_is_left_to_datasette(client: Client) -> None:
    page = client.get("/diplomacy/persons").text
    assert '<td class="col-name type-str">Maxime Prévot</td>' in page


# -- Charts -------------------------------------------------------------------------------------------


def test_the_latest_posts_query_gives_one_count_per_type_from_one_source(client: Client) -> None:
    rows = client.get(f"/diplomacy/{LATEST_POSTS_QUERY}.json?_shape=array").json()
    assert len(rows) > 1
    assert len({(r["source"], r["as_of"]) for r in rows}) == 1
    assert len({r["post_type"] for r in rows}) == len(rows)


def test_every_chart_is_drawn_from_a_canned_query_with_rows(client: Client) -> None:
    queries = all_queries(load_project())
    for chart in load_charts():
        assert chart.query in queries, chart.id
        rows = client.get(f"/diplomacy/{chart.query}.json?_shape=array").json()
        assert len(rows) > 1, chart.id
        fields = set(rows[0])
        used = set(re.findall(r"'field': '([a-z_$]+)'", str(chart.spec)))
        derived = {"until", "from", "label"}  # computed by the spec's own transforms
        for lang in ("en", "nl", "fr"):
            missing = {f.replace("$lang", lang) for f in used} - fields - derived
            assert not missing, (chart.id, lang, missing)


def test_the_sites_queries_may_not_shadow_the_projects() -> None:
    project = {**load_project(), "queries": {LATEST_POSTS_QUERY: {"sql": "select 1"}}}
    with pytest.raises(ValueError, match=LATEST_POSTS_QUERY):
        all_queries(project)


def test_table_groups_list_each_table_once_and_the_others_last() -> None:
    groups = table_groups(load_packages(), ["sources", "articles", "persons", "extra"], {"articles": 3})
    names = [[t.name for t in g.tables] for g in groups]
    assert names == [["articles", "persons", "sources"], ["extra"]]
    assert groups[0].tables[0].rows == 3 and groups[-1].title == "Other tables"
