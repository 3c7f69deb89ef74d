"""Search covers every table that has words (articles, quotes, events, network changes, post types
in their three labels, sources, persons...), folds accents, and the search box suggests only words
the release finds."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from etl.site.i18n import LANGUAGES, texts
from etl.specs import resource_specs
from tests.conftest import Client

SEARCHED = {name for name, spec in resource_specs().items() if spec.datasette.get("fts")}


def found_in(client: Client, word: str) -> dict[str, int]:
    """How many rows each searchable table finds for a word."""
    counts = {}
    for table in sorted(SEARCHED):
        answer = client.get(f"/diplomacy/{table}.json?_search={quote(word)}&_size=0").json()
        if answer.get("filtered_table_rows_count"):
            counts[table] = answer["filtered_table_rows_count"]
    return counts


def test_every_table_with_names_places_or_labels_is_searchable() -> None:
    expected = {"articles", "quotes", "events", "network_changes", "post_types", "sources", "persons"}
    assert expected <= SEARCHED
    labels = resource_specs()["post_types"].datasette["fts"]
    assert {"label_en", "label_nl", "label_fr"} <= set(labels)


@pytest.mark.parametrize(
    ("word", "table"),
    [
        ("Egmont", "events"),
        ("egmont", "events"),
        ("Mali", "network_changes"),
        ("Bamako", "network_changes"),
        ("ambassade", "post_types"),
        ("Consulaat-generaal", "post_types"),
        ("consulat general", "post_types"),
        ("général", "post_types"),
        ("Lowy", "sources"),
    ],
)
def test_search_finds_words_of_every_table(client: Client, word: str, table: str) -> None:
    assert table in found_in(client, word), word


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_search_box_suggests_only_words_the_release_finds(client: Client, lang: str) -> None:
    placeholder = texts(lang).search_placeholder
    words = [w.strip() for w in re.split(r"[:,]", placeholder)[1:]]
    assert len(words) >= 2, placeholder
    for word in words:
        assert found_in(client, word), (lang, word)


def test_the_search_page_lists_every_searchable_table(client: Client) -> None:
    page = client.get("/-/search?q=Egmont").text
    for table in SEARCHED:
        assert f'/diplomacy/{table}"' in page or f"/diplomacy/{table}?" in page, table


@pytest.mark.parametrize(
    ("word", "post"),
    [
        ("Prague", "cz-prague-embassy"),
        ("Tsjechië", "cz-prague-embassy"),
        ("tchequie", "cz-prague-embassy"),
        ("Pékin", "cn-beijing-embassy"),
        ("Peking", "cn-beijing-embassy"),
        ("Verenigde Staten", "us-washington-d-c-embassy"),
        ("Etats-Unis", "us-washington-d-c-embassy"),
    ],
)
def test_search_finds_posts_by_city_and_country_in_three_languages(
    client: Client, word: str, post: str
) -> None:
    answer = client.get(f"/diplomacy/posts.json?_search={quote(word)}&_shape=array&_col=id").json()
    assert post in {row["id"] for row in answer}
