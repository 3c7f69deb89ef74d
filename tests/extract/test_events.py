"""Events: a series or a dated meeting with its participants, and the next meeting of a series
announced with its days and place; a press conference or a deadline is no event."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.extract.meetings import find_meetings
from etl.extract.text import Span, sentences
from etl.reference import Reference


def events(text: str, language: str, reference: Reference) -> list[tuple[str | None, str | None, str | None]]:
    """(first day, last day, city) of each event of a one-paragraph text published in 2022."""
    span = Span(0, len(text), text)
    found = find_meetings(
        text, [(sentences(text, span), reference.languages[language])], reference, dt.date(2022, 11, 2), {}
    )
    return [
        (
            e.dates.first.isoformat() if e.dates.first else None,
            e.dates.last.isoformat() if e.dates.last else None,
            e.city["name"] if e.city else None,
        )
        for e in found.events
    ]


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "nl",
            "De volgende regionale vergadering vindt plaats op 8 en 9 mei 2023 in Tbilisi.",
            ("2023-05-08", "2023-05-09", "Tbilisi"),
        ),
        (
            "fr",
            "La prochaine réunion régionale se tiendra à Rabat les 6 et 7 mai 2024.",
            ("2024-05-06", "2024-05-07", "Rabat"),
        ),
        (
            "en",
            "The next meeting of the heads of post takes place in Nairobi from June 30 to July 4, 2024.",
            ("2024-06-30", "2024-07-04", "Nairobi"),
        ),
    ],
)
def test_the_next_meeting_of_a_series_is_an_event(
    reference: Reference, language: str, text: str, expected: tuple[str, str, str]
) -> None:
    assert events(text, language, reference) == [expected]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "A press conference will be held in Brussels on Monday 9 January."),
        ("nl", "Op maandag 28 augustus is er een seminarie over de havens in Antwerpen."),
    ],
)
def test_a_dated_meeting_that_is_not_the_next_of_a_series_is_no_event(
    reference: Reference, language: str, text: str
) -> None:
    assert events(text, language, reference) == []


def test_a_meeting_counts_its_participants_in_number_words_times_a_multiplier(reference: Reference) -> None:
    text = (
        "Op maandag 24 en dinsdag 25 oktober 2022 kwamen twee dozijn Belgische ambassadeurs samen in Wenen."
    )
    span = Span(0, len(text), text)
    (event,) = find_meetings(
        text, [(sentences(text, span), reference.languages["nl"])], reference, 2022, {}
    ).events
    assert (event.participants, event.qualifier, event.city["name"]) == (24, "exact", "Vienna")
