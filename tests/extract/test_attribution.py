"""Quotations and who said them: the attribution grammar in every position, references and
pronouns resolved, names that look like persons, and roles beside them."""

from __future__ import annotations

from typing import Any

import pytest

from etl.extract.text import Span, sentences
from etl.extract.voices import Voices, find_voices
from etl.reference import Reference

PERSONS = [
    {"id": "karel-degryse", "name": "Karel Degryse"},
    {"id": "anne-peeters", "name": "Anne Peeters"},
    {"id": "wouter-de-brabander", "name": "Wouter De Brabander"},
]


def voices(text: str, language: str, reference: Reference) -> Voices:
    """The persons and quotations of a text, one paragraph a line."""
    known = type(reference)(**{**reference.__dict__, "persons": [*reference.persons, *PERSONS]})
    paragraphs: list[tuple[Span, list[Span], dict[str, Any]]] = []
    position = 0
    for line in text.split("\n"):
        span = Span(position, position + len(line), line)
        paragraphs.append((span, sentences(text, span), known.languages[language]))
        position += len(line) + 1
    return find_voices(text, paragraphs, known)


def speakers(text: str, language: str, reference: Reference) -> list[tuple[str, str | None, str | None]]:
    """(first words, person, attribution) of each quote."""
    return [
        (" ".join(q.text.text.split()[:2]), q.speaker.person.id if q.speaker else None, q.how)
        for q in voices(text, language, reference).quotes
    ]


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "en",
            "“We will open new doors for our companies,” said Karel Degryse.",
            ("We will", "karel-degryse", "after"),
        ),
        (
            "en",
            "“Our posts serve every Belgian abroad.” - Karel Degryse, Minister of Foreign Affairs",
            ("Our posts", "karel-degryse", "dash"),
        ),
        (
            "en",
            "Karel Degryse told the ambassadors: “Tell us early what you see.”",
            ("Tell us", "karel-degryse", "colon"),
        ),
        (
            "en",
            "According to Karel Degryse, “the network has to follow our interests”.",
            ("the network", "karel-degryse", "according"),
        ),
        (
            "en",
            "Karel Degryse noted that “the table only tells half the story”.",
            ("the table", "karel-degryse", "before"),
        ),
        (
            "nl",
            "“We sluiten geen posten om te besparen”, aldus Anne Peeters.",
            ("We sluiten", "anne-peeters", "after"),
        ),
        (
            "nl",
            "“Elke post moet zijn plaats verdienen”, zegt minister van Buitenlandse Zaken Anne Peeters.",
            ("Elke post", "anne-peeters", "after"),
        ),
        (
            "fr",
            "« Un réseau qui ne bouge pas recule », selon Anne Peeters, porte-parole du SPF.",
            ("Un réseau", "anne-peeters", "after"),
        ),
        (
            "fr",
            "« Chaque poste, a précisé la ministre des Affaires étrangères, Anne Peeters, répond à "
            "une question. »",
            ("Chaque poste,", "anne-peeters", "incise"),
        ),
    ],
)
def test_attribution_in_every_position(
    reference: Reference, language: str, text: str, expected: tuple[str, str, str]
) -> None:
    assert speakers(text, language, reference) == [expected]


def test_a_split_quote_is_one_quote(reference: Reference) -> None:
    text = "“Closing a post is never easy,” the minister said, “but keeping one open out of habit is worse.”"
    context = "Karel Degryse, Minister of Foreign Affairs, presented the figures.\n" + text
    assert speakers(context, "en", reference) == [("Closing a", "karel-degryse", "incise")]


def test_a_reference_resolves_to_the_nearest_person_with_that_role(reference: Reference) -> None:
    text = (
        "Anne Peeters, director-general for consular affairs, and Karel Degryse, Minister of Foreign "
        "Affairs, spoke.\n"
        "“We will not close a single post this year,” the minister added."
    )
    assert speakers(text, "en", reference) == [("We will", "karel-degryse", "after")]


def test_a_pronoun_resolves_to_the_nearest_person_of_its_gender(reference: Reference) -> None:
    text = (
        "La ministre des Affaires étrangères, Anne Peeters, a ouvert les travaux.\n"
        "« Nous parlons au nom d'un seul pays », a-t-elle ajouté."
    )
    (quote,) = voices(text, "fr", reference).quotes
    assert quote.speaker.person.id == "anne-peeters" and quote.how == "after" and quote.confidence == 0.75


def test_a_surname_alone_is_the_person_named_earlier(reference: Reference) -> None:
    text = (
        "Vice-eersteminister Wouter De Brabander opende de dagen.\n"
        "“Europa moet met één stem spreken tegenover de wereld”, zei De Brabander."
    )
    assert speakers(text, "nl", reference) == [("Europa moet", "wouter-de-brabander", "after")]


def test_words_of_a_report_have_no_speaker(reference: Reference) -> None:
    text = "The annual report of the FPS describes the network as “lighter, but better aimed”."
    found = voices(text, "en", reference)
    assert [q.speaker for q in found.quotes] == [None]
    assert any("without a written attribution" in m for _, m, _ in found.warnings)


def test_a_portfolio_is_never_a_person(reference: Reference) -> None:
    text = (
        "The Deputy Prime Minister and Minister of Foreign Affairs, Foreign Trade and European Affairs, "
        "Karel Degryse, spoke."
    )
    found = voices(text, "en", reference)
    assert sorted(found.persons) == ["karel-degryse"]
    (mention,) = [m for m, _ in found.mentions]
    assert mention.role is not None
    assert (
        mention.role.text
        == "Deputy Prime Minister and Minister of Foreign Affairs, Foreign Trade and European Affairs"
    )


def test_a_role_stated_apart_is_a_second_role(reference: Reference) -> None:
    text = (
        "Deputy Prime Minister Anne Peeters, who is also Minister of Foreign and European Affairs, "
        "presented it."
    )
    (mention,) = [m for m, _ in voices(text, "en", reference).mentions]
    assert [r.text for r in mention.roles] == [
        "Deputy Prime Minister",
        "Minister of Foreign and European Affairs",
    ]
