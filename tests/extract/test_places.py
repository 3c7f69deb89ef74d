"""Places: the project's gazetteer first, then the offline world gazetteer after a preposition of
place; an unknown name is left out."""

from __future__ import annotations

import pytest

from etl.extract.people import lexicon
from etl.extract.places import find_place, find_world_city
from etl.extract.text import Span
from etl.reference import Reference


@pytest.mark.parametrize(
    ("language", "text", "city", "country"),
    [
        ("en", "Ambassadors met in Singapore for two days.", "Singapore", "SG"),
        ("en", "The task force works in Vienna.", "Vienna", "AT"),
        ("nl", "De missie reisde naar Ho Chi Minh City.", "Ho Chi Minh City", "VN"),
        ("fr", "Les chefs de poste se sont réunis à Bogota.", "Bogotá", "CO"),
    ],
)
def test_find_world_city_after_a_preposition(
    reference: Reference, language: str, text: str, city: str, country: str
) -> None:
    table = reference.languages[language]
    found = find_world_city([Span(0, len(text), text)], table, lexicon(table, reference).common)
    assert found is not None and (found["name"], found["country"]) == (city, country)


def test_find_world_city_leaves_out_what_it_does_not_know(reference: Reference) -> None:
    table = reference.languages["en"]
    text = "The meeting took place in Zorbland and in March."
    assert find_world_city([Span(0, len(text), text)], table, lexicon(table, reference).common) is None


def test_find_place_uses_the_project_gazetteer(reference: Reference) -> None:
    text = "Ze kwamen samen in het Egmontpaleis in Brussel."
    assert find_place([Span(0, len(text), text)], reference.cities)["name"] == "Brussels"
    assert find_place([Span(0, len(text), text)], reference.venues)["name"] == "Egmont Palace"


def test_a_place_name_is_found_with_a_hyphen_for_a_space(reference: Reference) -> None:
    text = "Une semaine de formation au château de Val-Duchesse, à Bruxelles."
    assert find_place([Span(0, len(text), text)], reference.venues)["name"] == "Val Duchesse"
