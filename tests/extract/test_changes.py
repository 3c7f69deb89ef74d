"""Changes of the network an article announces: openings, closures and changes of type, with the
city, country, type and effective date; denied, hedged, foreign and cityless ones are none."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.extract.changes import find_changes
from etl.extract.text import Span, sentences
from etl.reference import Reference

PUBLISHED = dt.date(2025, 3, 14)


def changes_in(reference: Reference, language: str, text: str) -> list[tuple[object, ...]]:
    span = Span(0, len(text), text)
    found, _ = find_changes(
        text,
        [(sentences(text, span), reference.languages[language])],
        reference.post_types,
        reference.cities,
        PUBLISHED,
    )
    return [(c.change, c.city.name, c.city.country, c.post_type, c.effective) for c in found]


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "en",
            "The consulates general in Lubumbashi and Rio de Janeiro will close in 2026.",
            [
                ("close", "Lubumbashi", "CD", "consulate_general", "2026"),
                ("close", "Rio de Janeiro", "BR", "consulate_general", "2026"),
            ],
        ),
        (
            "en",
            "Belgium will open an embassy in Tashkent next year.",
            [("open", "Tashkent", "UZ", "embassy", "2026")],
        ),
        (
            "en",
            "The embassy in Riga and the consulate general in Milan will close in 2026.",
            [
                ("close", "Riga", "LV", "embassy", "2026"),
                ("close", "Milan", "IT", "consulate_general", "2026"),
            ],
        ),
        (
            "nl",
            "Het consulaat-generaal in Casablanca wordt op 1 september 2025 gesloten.",
            [("close", "Casablanca", "MA", "consulate_general", "2025-09-01")],
        ),
        (
            "nl",
            "De ambassades in Bamako en Conakry sluiten eind 2026 de deuren.",
            [
                ("close", "Bamako", "ML", "embassy", "2026-12"),
                ("close", "Conakry", "GN", "embassy", "2026-12"),
            ],
        ),
        (
            "fr",
            "L'ambassade de Belgique à Maputo fermera ses portes en 2026.",
            [("close", "Maputo", "MZ", "embassy", "2026")],
        ),
        (
            "fr",
            "Deux consulats ont fermé leurs portes, à Lille et à Maastricht.",
            [("close", "Lille", "FR", "consulate", None), ("close", "Maastricht", "NL", "consulate", None)],
        ),
    ],
)
def test_find_changes_reads_openings_and_closures(
    reference: Reference, language: str, text: str, expected: list[tuple[object, ...]]
) -> None:
    assert changes_in(reference, language, text) == expected


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "The diplomatic office in Kigali will become a fully fledged embassy in 2026."),
        ("nl", "Het diplomatiek bureau in Kigali wordt in 2026 een volwaardige ambassade."),
        ("fr", "Le bureau diplomatique de Kigali deviendra une ambassade en 2026."),
    ],
)
def test_find_changes_makes_an_upgrade_a_closure_and_an_opening(
    reference: Reference, language: str, text: str
) -> None:
    assert changes_in(reference, language, text) == [
        ("close", "Kigali", "RW", "diplomatic_office", "2026"),
        ("open", "Kigali", "RW", "embassy", "2026"),
    ]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Belgium will not close its embassy in Dublin."),
        ("en", "Belgium could open an embassy in Almaty."),
        ("en", "The embassy in Lima opened a new visa section."),
        ("en", "The minister opened the meeting at the embassy in Kinshasa."),
        ("en", "The Netherlands will open a consulate in Manila."),
        ("nl", "De ambassade in Dublin sluit niet."),
        ("nl", "Frankrijk opent een consulaat in Antwerpen."),
        ("fr", "Le ministre a précisé que l'ambassade à Dublin ne fermera pas."),
        ("fr", "Un consulat honoraire ouvrira à Perth."),
    ],
)
def test_find_changes_leaves_out_denied_hedged_and_foreign_changes(
    reference: Reference, language: str, text: str
) -> None:
    assert changes_in(reference, language, text) == []


def test_find_changes_warns_about_a_change_without_a_city(reference: Reference) -> None:
    text = "Four new embassies will open over the coming years in Asia."
    span = Span(0, len(text), text)
    found, warnings = find_changes(
        text,
        [(sentences(text, span), reference.languages["en"])],
        reference.post_types,
        reference.cities,
        PUBLISHED,
    )
    assert found == [] and len(warnings) == 1 and "no city" in warnings[0][1]


def test_find_changes_gives_the_sentence_as_evidence(reference: Reference) -> None:
    text = "The map moves. The posts in Bamako and Conakry will close in 2026."
    span = Span(0, len(text), text)
    found, _ = find_changes(
        text,
        [(sentences(text, span), reference.languages["en"])],
        reference.post_types,
        reference.cities,
        PUBLISHED,
    )
    assert {text[c.span.start : c.span.end] for c in found} == {
        "The posts in Bamako and Conakry will close in 2026."
    }
    assert all(c.post_type is None for c in found)
