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


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        # forms nobody listed, known by their lemma
        ("nl", "“Elke post krijgt een doorlichting”, beloofde Anne Peeters.", ("Elke post", "anne-peeters")),
        (
            "fr",
            "« Fermer une ambassade prend une semaine », a réagi Anne Peeters.",
            ("Fermer une", "anne-peeters"),
        ),
        ("en", "“We will keep every post,” Karel Degryse promised.", ("We will", "karel-degryse")),
        # a separable verb with its particle, the role after the particle
        (
            "nl",
            "“Een ambassade moet een schuilplaats zijn”, geeft Anne Peeters toe, directeur-generaal.",
            ("Een ambassade", "anne-peeters"),
        ),
        (
            "nl",
            "“Een paviljoen is geen doel op zich”, zo vat Anne Peeters het samen.",
            ("Een paviljoen", "anne-peeters"),
        ),
    ],
)
def test_a_verb_of_saying_is_known_by_its_lemma(
    reference: Reference, language: str, text: str, expected: tuple[str, str]
) -> None:
    assert [s[:2] for s in speakers(text, language, reference)] == [expected]


def test_a_particle_without_its_verb_attributes_nothing(reference: Reference) -> None:
    text = "“De posten moeten open blijven”, Anne Peeters toe."
    assert speakers(text, "nl", reference) == [("De posten", None, None)]


def test_a_quote_of_several_paragraphs_is_one_quote_credited_where_it_ends(reference: Reference) -> None:
    text = (
        "Karel Degryse, Minister of Development Cooperation, will join by video link.\n"
        "“We have spent too long explaining what Europe expects of them.\n"
        "“That means fewer pilot projects and more partnerships,” Degryse said."
    )
    (quote,) = voices(text, "en", reference).quotes
    assert quote.text.text.startswith("We have spent") and quote.text.text.endswith("partnerships")
    assert quote.speaker.person.id == "karel-degryse"
    assert text[quote.text.start : quote.text.end] == quote.text.text


def test_a_quote_split_by_its_attribution_with_the_comma_outside_is_one_quote(reference: Reference) -> None:
    text = (
        "Anne Peeters, directeur-generaal, opende.\n"
        "“We gaan niet terug”, stelt Peeters. “De vraag is hoe we ons voorbereiden.”"
    )
    assert speakers(text, "nl", reference) == [("We gaan", "anne-peeters", "incise")]


def test_a_reference_nobody_named_before_is_to_the_person_named_just_after(reference: Reference) -> None:
    text = (
        "“Africa is not one file on a desk in Brussels,” the director said on Tuesday.\n"
        "The director, Anne Peeters, wants concrete proposals."
    )
    found = voices(text, "en", reference)
    (quote,) = found.quotes
    assert quote.speaker.person.id == "anne-peeters" and quote.confidence == 0.7
    assert any("named just after" in message for _, message, _ in found.warnings)


def test_the_gender_of_a_role_is_its_head_not_its_portfolio(reference: Reference) -> None:
    text = (
        "La ministre, Anne Peeters, a parlé.\n"
        "Le directeur général de la Coopération au développement, Karel Degryse, a plaidé pour la durée.\n"
        "« Dans certains pays, on nous appelle encore les Belges d'avant », a-t-il souligné."
    )
    (quote,) = voices(text, "fr", reference).quotes
    assert quote.speaker.person.id == "karel-degryse"


@pytest.mark.parametrize(
    ("language", "text", "name", "role"),
    [
        (
            "nl",
            "Gastvrouw Elke Meersman, ambassadeur van België in Japan, blikte vooruit.",
            "Elke Meersman",
            "ambassadeur van België in Japan",
        ),
        (
            "nl",
            "Directeur Azië-Oceanië Pieter-Jan Lievens leidde de werkzaamheden.",
            "Pieter-Jan Lievens",
            "Directeur Azië-Oceanië",
        ),
        (
            "fr",
            "Dans l'opposition, le député Maxime Delvaux n'a pas mâché ses mots.",
            "Maxime Delvaux",
            "député",
        ),
    ],
)
def test_names_are_not_titles_or_regions(
    reference: Reference, language: str, text: str, name: str, role: str
) -> None:
    mentions = [m for m, _ in voices(text, language, reference).mentions]
    assert [(m.person.name, m.role.text if m.role else None) for m in mentions] == [(name, role)]
