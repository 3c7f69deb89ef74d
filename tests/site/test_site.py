"""The published site, through Datasette's own client on the built release."""

from __future__ import annotations

import html
import io
import json
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
import sqlite_utils
import yaml
from markupsafe import escape

from etl.layout import DATABASE
from etl.release.report import report_tables_metadata
from etl.specs import load_project, resource_specs
from tests.conftest import Client

TABLES = sorted(resource_specs())
SEED_ID = "000_03760b43a54f4e20"


@pytest.mark.parametrize("table", TABLES)
def test_every_table_is_served_with_rows(client: Client, table: str) -> None:
    response = client.get(f"/diplomacy/{table}.json?_shape=array")
    assert response.status_code == 200
    assert len(response.json()) >= 1


@pytest.mark.parametrize("table", TABLES)
def test_table_page_shows_title_and_column_descriptions(client: Client, table: str) -> None:
    spec = resource_specs()[table]
    page = client.get(f"/diplomacy/{table}").text
    assert spec.title in page
    for field in spec.schema["fields"]:
        assert f"<dd>{escape(field['description'])}</dd>" in page, field["name"]


@pytest.mark.parametrize("table", TABLES)
def test_table_page_shows_the_description_in_english_dutch_and_french(client: Client, table: str) -> None:
    spec = resource_specs()[table]
    page = client.get(f"/diplomacy/{table}").text
    for lang in ("en", "nl", "fr"):
        text = " ".join(spec.descriptions[lang].split())
        assert f'<p lang="{lang}">' in page and html.escape(text) in page, lang
    assert html.escape(spec.titles["nl"]) in page and html.escape(spec.titles["fr"]) in page


def test_generated_metadata_keeps_english_texts_and_adds_dutch_and_french_html(release: Path) -> None:
    metadata = yaml.safe_load((release / "metadata.yml").read_text(encoding="utf-8"))
    database = metadata["databases"]["diplomacy"]
    for name, spec in resource_specs().items():
        table = database["tables"][name]
        assert table["title"] == spec.title and table["description"] == spec.description
        assert '<p lang="nl">' in table["description_html"] and '<p lang="fr">' in table["description_html"]
    project = load_project()
    for name, query in project["queries"].items():
        served = database["queries"][name]
        assert not [k for k in served if k.endswith(("_nl", "_fr"))], name  # Datasette's keys only
        assert served["title"] == query["title"]
        if "description" in query:
            assert served["description"] == query["description"]
            assert html.escape(query["description_nl"]) in served["description_html"]
            assert html.escape(query["description_fr"]) in served["description_html"]
        else:  # a chart's query keeps its English HTML, which the landing page lists
            assert served["description_html"] == query["description_html"]


def test_query_page_shows_its_description_in_three_languages(client: Client) -> None:
    query = load_project()["queries"]["minister_quotes"]
    page = client.get("/diplomacy/minister_quotes").text
    for key in ("description", "description_nl", "description_fr"):
        assert html.escape(query[key]) in page, key


def test_post_counts_page_lists_the_six_counts(client: Client) -> None:
    rows = client.get(f"/diplomacy/post_counts.json?_shape=array&source={SEED_ID}").json()
    assert sorted((r["post_type"], r["count"]) for r in rows) == [
        ("belgian_office", 1),
        ("consulate", 3),
        ("consulate_general", 15),
        ("diplomatic_office", 1),
        ("embassy", 87),
        ("permanent_representation", 8),
    ]


@pytest.mark.parametrize(
    ("table", "query", "expected"),
    [
        ("quotes", "naivety", "maxime-prevot"),
        ("quotes", "favourable", "theo-francken"),
        ("articles", "prevot", "000_03760b43a54f4e20"),
        ("articles", "PRÉVOT", "000_03760b43a54f4e20"),
    ],
)
def test_full_text_search_folds_accents(client: Client, table: str, query: str, expected: str) -> None:
    rows = client.get(f"/diplomacy/{table}.json?_search={query}&_shape=array").json()
    assert expected in {r.get("person") or r.get("id") for r in rows}


def test_full_text_search_finds_nothing_for_absent_words(client: Client) -> None:
    assert client.get("/diplomacy/quotes.json?_search=zanzibar&_shape=array").json() == []


QUERY_PARAMETERS = {
    "network_at_date": "date=2024-01-01",
    "changes_between": "start=2023-01-01&end=2025-12-31",
    "values_for_post_type": "post_type=embassy",
}


@pytest.mark.parametrize("query", sorted(load_project()["queries"]))
def test_canned_queries_answer(client: Client, query: str) -> None:
    parameters = QUERY_PARAMETERS.get(query, "")
    response = client.get(f"/diplomacy/{query}.json?_shape=array&{parameters}")
    assert response.status_code == 200 and response.json()


def test_canned_query_network_at_date_takes_the_latest_snapshot(client: Client) -> None:
    rows = client.get("/diplomacy/network_at_date.json?_shape=array&date=2024-01-01").json()
    fps = {r["post_type"]: r["count"] for r in rows if r["source"] == "fps-2021-03-figure"}
    assert fps["Embassy"] == 83
    assert not any(r["source"] == "000_03760b43a54f4e20" for r in rows)


def test_canned_query_minister_quotes_names_speakers(client: Client) -> None:
    rows = client.get("/diplomacy/minister_quotes.json?_shape=array").json()
    assert {r["person"] for r in rows} == {"Maxime Prévot", "Bernard Quintin", "Theo Francken"}


def test_metadata_has_license_and_source(client: Client) -> None:
    data = client.get("/-/metadata.json").json()
    assert data["license"] == "CC-BY-4.0" and data["source_url"].startswith("https://")


def test_value_length_limit_refuses_huge_values(client: Client) -> None:
    response = client.get("/diplomacy.json?sql=select+length(hex(zeroblob(300000000)))")
    assert response.status_code == 400
    assert "too big" in response.json()["error"]


def test_settings_are_those_of_a_public_instance(client: Client) -> None:
    settings = client.get("/-/settings.json").json()
    assert settings["sql_time_limit_ms"] <= 1000 and settings["max_returned_rows"] <= 1000
    assert settings["suggest_facets"] is False


def test_database_is_immutable_and_refuses_writes(client: Client, release: Path) -> None:
    before = (release / DATABASE).read_bytes()
    response = client.get("/diplomacy.json?sql=delete+from+post_counts")
    assert response.status_code == 400
    assert client.get("/-/databases.json").status_code == 404  # it would show the file's path
    assert client.app.databases["diplomacy"].is_mutable is False
    assert (release / DATABASE).read_bytes() == before


@pytest.mark.parametrize("package", ["diplomacy-news", "diplomacy-events", "diplomacy-network"])
def test_downloads_are_served(client: Client, package: str) -> None:
    archive = client.get(f"/downloads/{package}.zip")
    assert archive.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert "datapackage.json" in names  # at the root: frictionless.Package(zip) opens it
    descriptor = client.get(f"/datapackages/{package}/datapackage.json")
    assert descriptor.status_code == 200 and descriptor.json()["name"] == package
    for resource in descriptor.json()["resources"]:
        assert client.get(f"/datapackages/{package}/{resource['path']}").status_code == 200


def test_database_file_is_downloadable(client: Client) -> None:
    response = client.get("/diplomacy.db")
    assert response.status_code == 200 and response.content.startswith(b"SQLite format 3")


def test_generated_metadata_is_valid_yaml_with_every_table(release: Path) -> None:
    metadata = yaml.safe_load((release / "metadata.yml").read_text(encoding="utf-8"))
    described = metadata["databases"]["diplomacy"]["tables"]
    assert set(described) == set(TABLES) | set(report_tables_metadata())


def test_every_database_table_is_described(release: Path) -> None:
    metadata = yaml.safe_load((release / "metadata.yml").read_text(encoding="utf-8"))
    described = metadata["databases"]["diplomacy"]["tables"]
    db = sqlite_utils.Database(release / DATABASE)
    for table in db.table_names():
        if "_fts" in table:
            continue
        assert described.get(table, {}).get("description"), table
        columns = described[table]["columns"]
        assert set(columns) == set(db[table].columns_dict), table
        assert all(columns.values()), table


def test_database_keeps_primary_and_foreign_keys(release: Path) -> None:
    db = sqlite_utils.Database(release / DATABASE)
    for name, spec in resource_specs().items():
        assert db[name].pks == spec.primary_key, name
        expected = {
            (fk["fields"][0], fk["reference"]["resource"]) for fk in spec.schema.get("foreignKeys", [])
        }
        assert {(fk.column, fk.other_table) for fk in db[name].foreign_keys} == expected, name
    assert db["quotes_fts"].exists() and db["articles_fts"].exists()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_command_answers_on_loopback(release: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "etl", "serve", "--root", str(release), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/diplomacy/post_counts.json?_shape=array&source={SEED_ID}"
                ) as r:
                    rows = json.load(r)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert len(rows) == 6
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_json_answers_allow_any_site_to_read_them_without_credentials(client: Client) -> None:
    answer = client.get("/diplomacy/post_counts.json")
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in answer.headers


def test_the_changelog_is_served_as_html_and_as_markdown_and_linked(client: Client, release: Path) -> None:
    page = client.get("/-/changelog")
    assert page.status_code == 200
    assert "<h1>Changelog of the data</h1>" in page.text and "<h2>" in page.text
    markdown = client.get("/-/changelog.md")
    assert markdown.text == (release / "CHANGELOG.md").read_text(encoding="utf-8")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert 'href="/-/changelog"' in client.get("/").text
    assert 'href="/-/changelog"' in client.get("/-/downloads").text


def test_a_build_for_a_loopback_address_warns_and_names_base_url(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from etl.cli import main
    from etl.site import loopback_warning

    result = CliRunner().invoke(main, ["build", "--quiet", "--root", str(tmp_path)])
    assert (
        "warning: the catalogue records and the pages' links point at http://127.0.0.1:8001" in result.output
    )
    assert "--base-url" in result.output
    assert loopback_warning("https://diplodata.example.org") is None
    assert loopback_warning("http://localhost:8001") is not None


def test_a_canned_query_with_parameters_opens_with_its_example(client: Client) -> None:
    from etl.site.metadata import query_examples
    from etl.specs import load_project

    examples = query_examples(load_project())
    assert set(examples) == {
        "/diplomacy/network_at_date",
        "/diplomacy/changes_between",
        "/diplomacy/values_for_post_type",
    }
    for path, values in examples.items():
        answer = client.get(path)
        assert answer.status_code == 302, path
        location = answer.headers["location"]
        assert location.startswith(path + "?") and all(f"{k}=" in location for k in values)
        rows = client.get(location.replace(path, path + ".json", 1) + "&_shape=array").json()
        assert rows, path  # the example finds rows
    assert client.get("/diplomacy/network_at_date?date=2021").status_code == 200  # a value given is kept


def test_a_query_without_an_example_for_a_parameter_is_an_error() -> None:
    from etl.site.metadata import query_examples

    project = {
        "database": "db",
        "queries": {"q": {"title": "Q", "sql": "select :a, :b", "examples": {"a": 1}}},
    }
    with pytest.raises(ValueError, match="query q: no example for b"):
        query_examples(project)


@pytest.mark.parametrize("path", ["/no/such/page", "/diplomacy/no_such_table", "/-/nothing"])
def test_a_missing_page_is_a_404_with_a_way_back(client: Client, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert (
        "Page not found" in answer.text and 'href="/"' in answer.text and 'action="/-/search"' in answer.text
    )
    assert "Pagina niet gevonden" in client.get(path + "?lang=nl").text


def test_the_key_columns_come_first(release: Path) -> None:
    import sqlite3

    with sqlite3.connect(release / "diplomacy.db") as connection:
        columns = [row[1] for row in connection.execute("pragma table_info(post_counts)")]
    assert columns[:2] == ["post_type", "count"]
