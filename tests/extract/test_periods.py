"""Times that date a fact: days, months, parts of years, seasons, years, years counted from the
publication, and now."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.extract.periods import find_periods
from etl.extract.text import Span
from etl.reference import Reference

PUBLISHED = dt.date(2016, 4, 21)


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", "On 1 January 2022, it was", [("2022-01-01", "day")]),
        ("en", "In 2010, Belgium", [("2010", "year")]),
        ("en", "at the end of last year", [("2015-12", "month")]),
        ("en", "in the spring of 2019", [("2019", "year")]),
        ("en", "ten years ago", [("2006", "year")]),
        ("en", "in March 2019", [("2019-03", "month")]),
        ("en", "today", [(None, "now")]),
        ("nl", "Eind 2018 telde", [("2018-12", "month")]),
        ("nl", "per 1 maart 2021", [("2021-03-01", "day")]),
        ("nl", "begin 2020", [("2020-01", "month")]),
        ("nl", "vijf jaar geleden", [("2011", "year")]),
        ("fr", "Au 1er juin 2021", [("2021-06-01", "day")]),
        ("fr", "fin 2014", [("2014-12", "month")]),
        ("fr", "à la fin de l'année dernière", [("2015-12", "month")]),
        ("fr", "il y a dix ans", [("2006", "year")]),
        ("fr", "aujourd'hui", [(None, "now")]),
    ],
)
def test_find_periods_reads_each_kind_of_time(
    reference: Reference, language: str, text: str, expected: list[tuple[str | None, str]]
) -> None:
    found = find_periods(text, Span(0, len(text), text), reference.languages[language], PUBLISHED)
    assert [(p.value, p.precision) for p in found] == expected


def test_find_periods_leaves_out_relative_times_without_a_publication_date(reference: Reference) -> None:
    text = "ten years ago and last year"
    assert find_periods(text, Span(0, len(text), text), reference.languages["en"], None) == []
