"""The site's own pages in English, Dutch and French: every interface text and chart text in the
three languages (a missing one is an error), the visitor's language chosen from ?lang=, the
cookie that remembers it and Accept-Language, and each page in each language."""

from __future__ import annotations

import pytest

from etl.site.charts import ChartError, load_charts, parse_charts
from etl.site.i18n import (
    COOKIE,
    LANGUAGES,
    TextsError,
    choose_language,
    language_links,
    load_texts,
    parse_texts,
    period_label,
    texts,
)
from tests.conftest import Client

PAGES = ["/", "/-/charts", "/-/downloads", "/-/use", "/-/changelog"]


def test_every_interface_text_is_in_three_languages() -> None:
    for key, by_lang in load_texts().items():
        assert set(by_lang) == set(LANGUAGES), key
        assert all(by_lang[lang] for lang in LANGUAGES), key
    english = {k: v["en"] for k, v in load_texts().items()}
    for lang in ("nl", "fr"):  # translated, not copied (codes and names aside)
        same = [k for k, v in load_texts().items() if v[lang] == english[k] and len(english[k]) > 12]
        assert same == [], (lang, same)


def test_a_text_missing_in_a_language_is_an_error_naming_it() -> None:
    with pytest.raises(TextsError, match=r"greeting: no text in fr"):
        parse_texts({"greeting": {"en": "Hello", "nl": "Hallo"}})
    with pytest.raises(TextsError, match=r"greeting: no text in nl"):
        parse_texts({"greeting": {"en": "Hello", "nl": " ", "fr": "Bonjour"}})
    with pytest.raises(TextsError, match="unknown language de"):
        parse_texts({"greeting": {"en": "Hello", "nl": "Hallo", "fr": "Bonjour", "de": "Hallo"}})


def test_every_chart_text_is_in_three_languages_and_a_missing_one_fails() -> None:
    for chart in load_charts():
        for lang in LANGUAGES:
            assert chart.title(lang) and chart.description(lang) and chart.units[lang]
    broken = {
        "c": {
            "query": "q",
            "spec": {"mark": "bar"},
            "title": {"en": "T", "nl": "T", "fr": "T"},
            "description": {"en": "D", "nl": "D"},
            "unit": {"en": "u", "nl": "u", "fr": "u"},
        }
    }
    with pytest.raises(ChartError, match=r"c.description: no text in fr"):
        parse_charts(broken)


@pytest.mark.parametrize(
    ("query", "cookie", "header", "expected"),
    [
        ("lang=nl", None, None, "nl"),
        ("lang=xx", "fr", None, "fr"),
        ("", "fr", "nl-BE,nl;q=0.9", "fr"),
        ("", None, "nl-BE,nl;q=0.9,en;q=0.8", "nl"),
        ("", None, "de-DE,fr;q=0.5,en;q=0.7", "en"),
        ("", None, "de-DE", "en"),
        ("", None, None, "en"),
    ],
)
def test_the_language_is_asked_remembered_or_accepted(
    query: str, cookie: str | None, header: str | None, expected: str
) -> None:
    assert choose_language(query, cookie, header) == expected


def test_period_labels_and_language_links() -> None:
    assert period_label("2025-02", "en") == "February 2025"
    assert period_label("2025-02", "nl") == "februari 2025"
    assert period_label("2025-02", "fr") == "février 2025"
    assert period_label("2025-02-01", "fr") == "1er février 2025"
    assert period_label("2019", "nl") == "2019"
    links = language_links("/-/charts", "x=1&lang=fr")
    assert [link["href"] for link in links] == [f"/-/charts?x=1&lang={lang}" for lang in LANGUAGES]


def test_a_text_with_values_is_escaped() -> None:
    assert str(texts("en").f("headline_posts", count="<b>")) == "&lt;b&gt; posts abroad"


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_page_answers_in_each_language(client: Client, path: str, lang: str) -> None:
    page = client.get(f"{path}?lang={lang}")
    assert page.status_code == 200
    assert f'<main lang="{lang}">' in page.text
    assert f'hreflang="{lang}"' in page.text and 'hreflang="x-default"' in page.text
    assert texts(lang).nav_use in page.text
    assert f"{COOKIE}={lang}" in page.headers.get("set-cookie", "")


def test_the_landing_page_opens_with_the_headline_figure(client: Client) -> None:
    for lang, words in (("en", "posts abroad"), ("nl", "posten in het buitenland"), ("fr", "postes à l")):
        page = client.get(f"/?lang={lang}").text
        assert 'class="headline-figure"' in page and words in page
        assert page.index("headline-figure") < page.index('id="tables"')
        assert 'id="network-chart"' in page and "<svg" in page
