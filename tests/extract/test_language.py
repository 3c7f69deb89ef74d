"""Paragraph languages: the lang attribute, else py3langid restricted to the project's languages,
else the article's language when the identifier is unsure."""

from __future__ import annotations

import pytest

from etl.extract.language import paragraph_language

LANGUAGES = ("en", "fr", "nl")


@pytest.mark.parametrize(
    ("text", "article", "expected"),
    [
        ("Het team reisde naar New York en Washington voor overleg.", "en", "nl"),
        ("Foto: 5 nieuwe posthoofden leggen de eed af in het Koninklijk Paleis", "fr", "nl"),
        ("Les chefs de poste ont consacré une journée entière au climat.", "nl", "fr"),
        ("The heads of post met the regions and the employers' federations.", "fr", "en"),
    ],
)
def test_paragraph_language_reads_short_paragraphs(text: str, article: str, expected: str) -> None:
    assert paragraph_language(text, None, article, LANGUAGES) == expected


def test_paragraph_language_takes_the_lang_attribute_first() -> None:
    assert paragraph_language("The heads of post met in Brussels.", "nl", "en", LANGUAGES) == "nl"


def test_paragraph_language_falls_back_on_labels_and_numbers() -> None:
    assert paragraph_language("Embassies | 83", None, "fr", LANGUAGES) == "fr"
    assert paragraph_language("2019", None, "nl", LANGUAGES) == "nl"
