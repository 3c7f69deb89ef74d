"""Counts of posts: numbers linked to the types they count in every construction, the scope of
each count, and the dated snapshots with their totals."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.extract.network import Network, Passage, find_network
from etl.extract.text import Block, Span, sentences
from etl.reference import Reference

TITLES = {"en": "Belgium's network abroad", "nl": "Het Belgische netwerk", "fr": "Le réseau belge"}


def read(
    text: str,
    language: str,
    reference: Reference,
    published: dt.date | None = dt.date(2020, 6, 1),
    title: str | None = "",
) -> Network:
    """The network a one-paragraph text states, in an article of that title."""
    span = Span(0, len(text), text)
    passage = Passage(Block("paragraph", span), sentences(text, span), reference.languages[language])
    title = TITLES[language] if title == "" else title
    return find_network(text, [passage], reference.post_types, published, None, title)


def counts(network: Network) -> set[tuple[str, int, str]]:
    """(type, count, as_of) of every count."""
    return {(c.post_type, c.count, c.as_of) for c in network.counts}


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        (
            "en",
            "Belgium has 85 embassies and 19 consulates general.",
            {("embassy", 85), ("consulate_general", 19)},
        ),
        ("en", "Eighty-five of them are embassies.", {("embassy", 85)}),
        (
            "en",
            "Consulates general number seventeen and permanent representations eight.",
            {("consulate_general", 17), ("permanent_representation", 8)},
        ),
        ("nl", "Het aantal ambassades bedraagt 84.", {("embassy", 84)}),
        (
            "fr",
            "Les ambassades, au nombre de quatre-vingt-trois, forment l'ossature du réseau belge.",
            {("embassy", 83)},
        ),
        (
            "fr",
            "Le réseau compte quatre consulats, un bureau diplomatique et deux bureaux de "
            "coopération au développement.",
            {("consulate", 4), ("diplomatic_office", 1), ("development_cooperation_office", 2)},
        ),
        ("nl", "België telt vier handelsbureaus.", {("trade_office", 4)}),
    ],
)
def test_counts_are_linked_in_every_construction(
    reference: Reference, language: str, text: str, expected: set[tuple[str, int]]
) -> None:
    assert {(t, n) for t, n, _ in counts(read(text, language, reference))} == expected


@pytest.mark.parametrize(
    ("language", "text", "reason"),
    [
        ("en", "Brussels hosts 180 foreign embassies.", "another country's posts"),
        ("en", "Since then, eight embassies have closed in Belgium's network.", "opening, closing"),
        (
            "nl",
            "Er werken ook 290 ereconsuls voor het Belgische netwerk, en drie nieuwe ambassades.",
            "opening, closing",
        ),
        ("fr", "Les 280 consulats honoraires de la Belgique.", "honorary"),
        ("en", "Four diplomatic offices of Belgium's network become embassies.", "opening, closing"),
        ("en", "Belgium has 30 embassies in Africa.", "regional subset"),
        ("en", "Belgium has more than 80 embassies.", "approximate"),
    ],
)
def test_counts_out_of_scope_are_warned_not_published(
    reference: Reference, language: str, text: str, reason: str
) -> None:
    network = read(text, language, reference)
    assert network.counts == []
    assert any(reason in message for _, message, _ in network.warnings), network.warnings


def test_a_count_nothing_scopes_to_belgium_is_warned_not_published(reference: Reference) -> None:
    network = read("There are 84 embassies on the list.", "en", reference, title=None)
    assert network.counts == [] and any("Belgium's network" in m for _, m, _ in network.warnings)


def test_an_article_is_no_count_outside_an_enumeration(reference: Reference) -> None:
    assert read("Un bureau de coopération coûte peu au réseau belge.", "fr", reference).counts == []


def test_a_past_count_dated_by_the_text_is_its_own_snapshot(reference: Reference) -> None:
    text = (
        "Belgium today has 85 embassies. In 2010, Belgium still had 91 embassies and 24 consulates general."
    )
    assert counts(read(text, "en", reference)) == {
        ("embassy", 85, "2020-06-01"),
        ("embassy", 91, "2010"),
        ("consulate_general", 24, "2010"),
    }


@pytest.mark.parametrize(
    ("language", "text", "as_of"),
    [
        ("en", "On 1 January 2020, Belgium had 84 embassies.", "2020-01-01"),
        ("nl", "Begin 2020 telde België 84 ambassades.", "2020-01"),
        ("fr", "Fin 2019, la Belgique comptait 84 ambassades.", "2019-12"),
        ("en", "At the end of last year, Belgium had 84 embassies.", "2019-12"),
        ("en", "In the spring of 2020, Belgium had 84 embassies.", "2020"),
    ],
)
def test_the_current_snapshot_takes_the_date_the_text_gives(
    reference: Reference, language: str, text: str, as_of: str
) -> None:
    assert counts(read(text, language, reference)) == {("embassy", 84, as_of)}


def test_a_stated_total_before_its_parts_is_checked_against_them(reference: Reference) -> None:
    network = read(
        "Belgium has 118 posts abroad. Of these, 100 are embassies and 17 are consulates.", "en", reference
    )
    (total,) = network.totals
    assert (total.total, total.parts_sum, total.consistent) == (118, 117, False)
    assert any("differs from the sum" in message for _, message, _ in network.warnings)


def test_a_total_by_a_cue_and_one_past_total(reference: Reference) -> None:
    network = read(
        "In all, Belgium's network counts a total of 118. It has 100 embassies and 18 consulates.",
        "en",
        reference,
    )
    assert [(t.total, t.consistent) for t in network.totals] == [(118, True)]


def test_counts_without_any_date_are_not_published(reference: Reference) -> None:
    network = read("Belgium has 85 embassies.", "en", reference, published=None)
    assert network.counts == [] and any("date is unknown" in m for _, m, _ in network.warnings)


def test_a_second_different_count_for_the_same_date_is_warned_about(reference: Reference) -> None:
    network = read("Belgium has 85 embassies. Belgium has 86 embassies.", "en", reference)
    assert counts(network) == {("embassy", 85, "2020-06-01")}
    assert any("another count of embassy" in m for _, m, _ in network.warnings)


def test_low_confidence_counts_are_warned_about(reference: Reference) -> None:
    network = read("Het aantal ambassades bedraagt 84. In 2005 waren dat er nog 93.", "nl", reference)
    assert ("embassy", 93, "2005") in counts(network)
    assert any("low confidence" in m for _, m, _ in network.warnings)


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "La Belgique compte 117 postes, aucune fermeture."),
        ("en", "Belgium has 85 embassies, with no closures this year."),
        ("nl", "België telt 85 ambassades, zonder sluitingen."),
    ],
)
def test_a_change_denied_does_not_set_a_count_aside(reference: Reference, language: str, text: str) -> None:
    network = read(text, language, reference)
    assert network.counts or network.totals, network.warnings


def test_a_heading_states_a_total_its_section_scopes(reference: Reference) -> None:
    heading = "117 posts on 1 January"
    paragraph = "Belgium counts 85 embassies and 32 other posts of its network."
    text = f"{heading}\n{paragraph}"
    first = Span(0, len(heading), heading)
    second = Span(len(heading) + 1, len(text), paragraph)
    passages = [
        Passage(Block("heading", first), sentences(text, first), reference.languages["en"], [], [second]),
        Passage(Block("paragraph", second), sentences(text, second), reference.languages["en"]),
    ]
    network = find_network(text, passages, reference.post_types, dt.date(2025, 1, 23), None, "")
    assert [(t.total, t.as_of) for t in network.totals] == [(117, "2025-01-01")]
    assert counts(network) == {("embassy", 85, "2025-01-01")}


def test_a_heading_counts_only_its_total(reference: Reference) -> None:
    heading = "From 88 to 85 embassies in ten years"
    span = Span(0, len(heading), heading)
    passage = Passage(Block("heading", span), sentences(heading, span), reference.languages["en"], [], [])
    network = find_network(heading, [passage], reference.post_types, dt.date(2025, 1, 23), None, "Belgium")
    assert network.counts == [] and network.totals == []


@pytest.mark.parametrize(
    ("language", "text", "code", "written"),
    [
        (
            "en",
            "Belgium has 85 embassies, 17 consulates general and 3 liaison offices.",
            "liaison_offices",
            "liaison offices",
        ),
        (
            "fr",
            "La Belgique compte 85 ambassades et 2 bureaux de liaison.",
            "bureaux_de_liaison",
            "bureaux de liaison",
        ),
        (
            "nl",
            "België telt 85 ambassades en 2 verbindingsbureaus.",
            "verbindingsbureaus",
            "verbindingsbureaus",
        ),
    ],
)
def test_a_type_the_lexicon_does_not_know_is_kept_under_its_own_code_and_warned_about(
    reference: Reference, language: str, text: str, code: str, written: str
) -> None:
    network = read(text, language, reference)
    unlisted = [c for c in network.counts if c.written is not None]
    assert [(c.post_type, c.written) for c in unlisted] == [(code, written)]
    assert ("embassy", 85) in {(c.post_type, c.count) for c in network.counts}
    assert any(written in m and "does not know" in m for _, m, _ in network.warnings)


def test_a_kind_of_post_outside_an_enumeration_of_types_is_no_count(reference: Reference) -> None:
    network = read("The FPS opened 3 liaison offices in Belgium's network.", "en", reference)
    assert network.counts == []
