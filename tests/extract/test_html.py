"""HTML pages: site selectors, furniture kept out of the body, languages, trafilatura fallback."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from etl.extract import extract_source
from etl.extract.html import read_html
from etl.raw.sources import Source
from etl.reference import Reference
from tests.hostile import page as article_page

PAGE = """<!DOCTYPE html><html lang="nl"><head><title>T</title></head><body>
<header><nav><a href="/nl/nieuws">Nieuws</a> <a href="/top">Top 10 ambassades</a></nav></header>
<main><article class="node node--type-news">
<h1 class="page-title"><span>Ambassadeurs komen samen in Brussel</span></h1>
<div class="field field--name-field-date">
<time datetime="2024-03-12T10:00:00+01:00">12 maart 2024</time></div>
<div class="field field--name-body field__item">
<p>Van 18 tot 20 maart 2024 komen ruim 120 ambassadeurs samen in Brussel
voor de diplomatieke contactdagen.</p>
<figure><img src="/x.jpg" alt="Groepsfoto van 140 deelnemers">
<figcaption>Foto: 3 ministers op het podium</figcaption></figure>
<h2>België in de wereld</h2>
<p>België telt 84 ambassades, 16 consulaten-generaal en 8 permanente vertegenwoordigingen.</p>
<p lang="fr">La Belgique compte aussi 2 bureaux de coopération au développement dans la région.</p>
</div>
<div class="field field--name-changed">Laatst bijgewerkt op
<time datetime="2024-03-13T09:00:00+01:00">13 maart</time></div>
<div class="field field--name-field-news-type"><div class="field__label">Nieuwstype</div>
<div class="field__item">Persbericht</div></div>
<div class="field field--name-field-subjects"><div class="field__label">Onderwerpen</div>
<div class="field__items"><div class="field__item">Diplomatie</div>
<div class="field__item">Europa</div></div></div>
</article></main>
<aside>5 gerelateerde artikels</aside><footer>© 2024 FOD Buitenlandse Zaken, 15 Karmelietenstraat</footer>
</body></html>"""


def source_of(html: str) -> Source:
    data = html.encode("utf-8")
    return Source(
        id="page",
        file="page.html",
        held=html,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        record={"format": "text/html", "url": "https://diplomatie.belgium.be/nl/x"},
    )


def facts_of(html: str, reference: Reference) -> dict[str, Any]:
    return extract_source(source_of(html), reference)


def test_read_html_takes_metadata_from_the_drupal_fields() -> None:
    page = read_html(PAGE)
    assert page.title == "Ambassadeurs komen samen in Brussel"
    assert (page.published, page.updated, page.language) == ("2024-03-12", "2024-03-13", "nl")
    assert (page.news_type, page.subjects) == ("Persbericht", "Diplomatie; Europa")


def test_read_html_keeps_navigation_captions_and_alt_texts_out_of_the_body() -> None:
    body = " ".join(block.text for block in read_html(PAGE).blocks)
    for furniture in (
        "Top 10",
        "140 deelnemers",
        "3 ministers",
        "gerelateerde",
        "Karmelietenstraat",
        "Nieuwstype",
        "Persbericht",
    ):
        assert furniture not in body


def test_extract_source_html_facts_point_into_the_normalised_body(reference: Reference) -> None:
    facts = facts_of(PAGE, reference)
    body = facts["article"]["body"]
    assert facts["article"]["format"] == "text/html" and body.startswith("Ambassadeurs komen samen")
    (event,) = facts["events"]
    assert (event["start_date"], event["end_date"], event["participants"]) == (
        "2024-03-18",
        "2024-03-20",
        120,
    )
    assert event["participants_qualifier"] == "more_than"
    counts = {c["post_type"]: c["count"] for c in facts["post_counts"]}
    assert counts == {
        "embassy": 84,
        "consulate_general": 16,
        "permanent_representation": 8,
        "development_cooperation_office": 2,
    }
    for row in facts["post_counts"]:
        assert body[row["char_start"] : row["char_end"]] == row["evidence"]
    assert 140 not in [e["participants"] for e in facts["events"]]


def test_extract_source_html_reads_each_paragraph_in_its_language(reference: Reference) -> None:
    languages = [p["language"] for p in facts_of(PAGE, reference)["paragraphs"]]
    assert languages == ["nl", "nl", "fr"]
    sections = [p["section"] for p in facts_of(PAGE, reference)["paragraphs"]]
    assert sections == [None, "België in de wereld", "België in de wereld"]


def test_read_html_falls_back_to_trafilatura_without_an_article() -> None:
    sentence = "De minister van Buitenlandse Zaken ontving vandaag de ambassadeurs in Brussel voor overleg. "
    html = f"<html lang='nl'><body><div class='content'><div>{sentence * 6}</div></div></body></html>"
    page = read_html(html)
    assert any("trafilatura" in message for _, message in page.notes)
    assert any("ambassadeurs" in block.text for block in page.blocks)


def test_read_html_flags_a_page_where_selectors_and_trafilatura_disagree() -> None:
    long_text = " ".join(f"woord{i}" for i in range(300))
    html = (
        "<html lang='nl'><body><main><article><div class='field--name-body'><p>Kort bericht over niets.</p>"
        f"</div></article></main><div id='content'><p>{long_text}</p><p>{long_text}</p></div></body></html>"
    )
    page = read_html(html)
    assert any("disagree" in message for _, message in page.notes)


def body_of(html: str) -> list[str]:
    """The paragraphs read from a page."""
    return [b.text for b in read_html(html).blocks if b.kind == "paragraph"]


def in_body(inner: str) -> str:
    return article_page(inner, title="T")


@pytest.mark.parametrize(
    "written",
    [
        "<b>86</b> embassies",
        "<i>86</i> embassies",
        "<em>86</em> embassies",
        "<strong>86</strong> embassies",
        "<a href='/posts'>86</a> embassies",
        "<span class='figure'>86</span> embassies",
        "<abbr title='eighty-six'>86</abbr> embassies",
        "8<sup>6</sup> embassies",
        "<a href='/x'><b><i>86</i></b></a> embassies",
        "86 <img src='flag.png' alt='a flag'>embassies",
    ],
    ids=["b", "i", "em", "strong", "a", "span", "abbr", "sup", "nested", "img"],
)
def test_read_html_keeps_a_paragraph_whole_across_inline_elements(written: str) -> None:
    paragraphs = body_of(in_body(f"<p>Belgium has {written} in the world.</p>"))
    assert paragraphs == ["Belgium has 86 embassies in the world."]


def test_read_html_leaves_an_inline_image_and_its_alt_text_out_without_splitting() -> None:
    assert body_of(in_body("<p>Belgium has 86 <img src='x.png' alt='flag'> embassies.</p>")) == [
        "Belgium has 86 embassies."
    ]


def test_read_html_separates_the_words_a_br_separates() -> None:
    assert body_of(in_body("<p>Belgium has 86 embassies<br>and 12 consulates.</p>")) == [
        "Belgium has 86 embassies and 12 consulates."
    ]


@pytest.mark.parametrize(
    "inner",
    [
        "Belgium has <b>86</b> embassies in the world.",
        "<div>Belgium has <b>86</b> embassies in the world.</div>",
        "<section><span>Belgium has</span> <a href='/x'>86</a> embassies in the world.</section>",
    ],
    ids=["in-the-container", "in-a-div", "in-a-section"],
)
def test_read_html_reads_text_outside_block_elements_as_one_paragraph(inner: str) -> None:
    page = read_html(in_body(inner))
    assert [b.text for b in page.blocks if b.kind == "paragraph"] == [
        "Belgium has 86 embassies in the world."
    ]
    assert page.notes == []  # read by the site selectors, not left to trafilatura


def test_read_html_ends_a_loose_paragraph_where_a_block_begins() -> None:
    inner = "Belgium has 86 embassies.<p>It has 12 consulates.</p>And 8 representations."
    assert body_of(in_body(inner)) == [
        "Belgium has 86 embassies.",
        "It has 12 consulates.",
        "And 8 representations.",
    ]


@pytest.mark.parametrize(
    "unshown",
    [
        "<noscript><p>Enable JavaScript to see 99 embassies.</p></noscript>",
        "<template><p>A template of 99 embassies.</p></template>",
        "<p hidden>A hidden count of 99 embassies.</p>",
        "<div style='display: none'><p>A count of 99 embassies shown to no one.</p></div>",
        "<p style='visibility:hidden'>An invisible count of 99 embassies.</p>",
        "<p>Belgium has <span hidden>99</span>86 embassies.</p>",
    ],
    ids=["noscript", "template", "hidden-attribute", "display-none", "visibility-hidden", "hidden-inline"],
)
def test_read_html_leaves_what_the_page_does_not_show_out_of_the_body(unshown: str) -> None:
    body = " ".join(body_of(in_body(f"<p>Belgium has 86 embassies.</p>{unshown}")))
    assert "99" not in body and "86 embassies" in body


def test_read_html_keeps_aria_hidden_text_which_the_page_shows() -> None:
    # aria-hidden hides from screen readers only: the page shows the text, so it is body text.
    assert body_of(in_body("<p>Belgium has <span aria-hidden='true'>86</span> embassies.</p>")) == [
        "Belgium has 86 embassies."
    ]


@pytest.mark.parametrize(
    "unshown",
    [
        "<noscript>Enable JavaScript to see 99 embassies</noscript>",
        "<div hidden>A hidden count of 99 embassies</div>",
    ],
    ids=["noscript", "hidden"],
)
def test_read_html_fallback_leaves_unshown_text_out_and_keeps_paragraphs_whole(unshown: str) -> None:
    html = (
        "<html lang='en'><body><div>Belgium has <b>86</b> embassies and <a href='/x'>12</a> consulates "
        f"across <span>all</span> the continents and the <i>main</i> capitals.</div>{unshown}</body></html>"
    )
    page = read_html(html)
    assert page.notes and "trafilatura" in page.notes[0][1]
    assert [b.text for b in page.blocks] == [
        "Belgium has 86 embassies and 12 consulates across all the continents and the main capitals."
    ]
