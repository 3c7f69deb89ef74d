"""Number mentions: digits in the three languages' formats, number words, approximate forms and
qualifiers, each with the span that writes it."""

from __future__ import annotations

import pytest

from etl.extract.numbers import find_numbers
from etl.extract.text import Span
from etl.reference import Reference


def numbers(text: str, language: str, reference: Reference) -> list[tuple[str, int, str]]:
    """(span text, value, qualifier) of every number of a text."""
    found = find_numbers(text, Span(0, len(text), text), reference.languages[language])
    return [(n.span.text, n.value, n.qualifier) for n in found]


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "1,400 people", [("1,400", 1400, "exact")]),
        ("nl", "2.900 mensen", [("2.900", 2900, "exact")]),
        ("fr", "plus de 1 400 personnes", [("plus de 1 400", 1400, "more_than")]),
        ("en", "Eighty-five of them", [("Eighty-five", 85, "exact")]),
        (
            "nl",
            "zesentachtig ambassades en honderdnegentien posten",
            [("zesentachtig", 86, "exact"), ("honderdnegentien", 119, "exact")],
        ),
        ("fr", "nonante et une ambassades", [("nonante et une", 91, "exact")]),
        ("fr", "moins de septante-cinq chefs", [("moins de septante-cinq", 75, "fewer_than")]),
        ("fr", "quatre-vingt-six postes", [("quatre-vingt-six", 86, "exact")]),
        ("nl", "een 125-tal posthoofden", [("een 125-tal", 125, "about")]),
        ("nl", "een veertigtal diplomaten", [("een veertigtal", 40, "about")]),
        ("fr", "une trentaine d'organisations", [("une trentaine", 30, "about")]),
        ("en", "some 120 heads of post", [("some 120", 120, "about")]),
        ("en", "no fewer than 115 heads", [("no fewer than 115", 115, "at_least")]),
        ("en", "the 180 or so foreign embassies", [("180 or so", 180, "about")]),
        ("nl", "bijna 130 posthoofden", [("bijna 130", 130, "about")]),
        ("fr", "Près de 130 chefs de poste", [("Près de 130", 130, "about")]),
    ],
)
def test_find_numbers_reads_value_and_qualifier(
    reference: Reference, language: str, text: str, expected: list[tuple[str, int, str]]
) -> None:
    assert numbers(text, language, reference) == expected


def test_find_numbers_marks_years_ordinals_and_articles(reference: Reference) -> None:
    text = "le 1er juin 2021, un bureau belge"
    found = find_numbers(text, Span(0, len(text), text), reference.languages["fr"])
    flags = {n.numeral.text: (n.ordinal, n.year, n.article) for n in found}
    assert flags == {"1er": (True, False, False), "2021": (False, True, False), "un": (False, False, True)}


def test_find_numbers_spans_point_into_the_whole_text(reference: Reference) -> None:
    text = "Intro. Belgium has eighty-four embassies."
    span = Span(7, len(text), text[7:])
    (number,) = find_numbers(text, span, reference.languages["en"])
    assert text[number.start : number.end] == "eighty-four" and number.value == 84


def test_find_numbers_keeps_decimals_out(reference: Reference) -> None:
    text = "1,5 procent van de posten"
    assert [n.value for n in find_numbers(text, Span(0, len(text), text), reference.languages["nl"])] == []


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("nl", "ruim 1,2 duizend bezoekers", [("ruim 1,2 duizend", 1200, "more_than")]),
        ("nl", "twee dozijn ambassadeurs", [("twee dozijn", 24, "exact")]),
        ("nl", "290 miljoen euro", [("290 miljoen", 290_000_000, "exact")]),
        ("en", "1.5 million euros", [("1.5 million", 1_500_000, "exact")]),
        ("fr", "1,5 million d'euros", [("1,5 million", 1_500_000, "exact")]),
        ("en", "1.25 thousand", [("1.25 thousand", 1250, "exact")]),
    ],
)
def test_a_word_after_a_numeral_multiplies_it(
    reference: Reference, language: str, text: str, expected: list[tuple[str, int, str]]
) -> None:
    found = find_numbers(text, Span(0, len(text), text), reference.languages[language])
    assert [(n.span.text, n.value, n.qualifier) for n in found] == expected
