"""HTML pages: site selectors, furniture kept out of the body, languages, trafilatura fallback."""

from __future__ import annotations

import hashlib
from typing import Any

from etl.extract import extract_source
from etl.extract.html import read_html
from etl.raw.sources import Source
from etl.reference import Reference

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
        text=html,
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
