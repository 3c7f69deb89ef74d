"""Pure pieces of extraction: roles, dates, amounts, segmentation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from etl.extract.dates import find_date_ranges
from etl.extract.people import resolve_person, split_roles
from etl.extract.text import Span, segment, split_list
from etl.layout import REFERENCE_DIR
from etl.reference import Reference, ReferenceError, read_language


@pytest.mark.parametrize(
    ("written", "roles"),
    [
        (
            "Deputy Prime Minister and Minister of Foreign Affairs",
            ["Deputy Prime Minister", "Minister of Foreign Affairs"],
        ),
        ("Minister of Defence and Foreign Trade", ["Minister of Defence and Foreign Trade"]),
        ("Minister of Security and the Interior", ["Minister of Security and the Interior"]),
        ("Prime Minister", ["Prime Minister"]),
    ],
)
def test_split_roles_one_span_per_office(reference: Reference, written: str, roles: list[str]) -> None:
    spans = split_roles(Span(10, 10 + len(written), written), reference.languages["en"])
    assert [s.text for s in spans] == roles
    text = " " * 10 + written
    assert all(text[s.start : s.end] == s.text for s in spans)


@pytest.mark.parametrize(
    ("language", "written", "first", "last"),
    [
        ("en", "From Monday 3 February to Friday 7 February 2025", "2025-02-03", "2025-02-07"),
        ("en", "from 29 September to 2 October 2024", "2024-09-29", "2024-10-02"),
        ("en", "on 5 September 2022", "2022-09-05", "2022-09-05"),
        ("nl", "van 27 augustus tot 3 september 2004", "2004-08-27", "2004-09-03"),
        ("fr", "du 5 au 9 septembre 2022", "2022-09-05", "2022-09-09"),
        ("fr", "du 1er au 3 mars 2023", "2023-03-01", "2023-03-03"),
        ("en", "from 28 December to 2 January 2025", "2024-12-28", "2025-01-02"),
    ],
)
def test_find_date_ranges_reads_ranges(
    reference: Reference, language: str, written: str, first: str, last: str
) -> None:
    (found,) = find_date_ranges(written, Span(0, len(written), written), reference.languages[language])
    assert (found.first, found.last) == (dt.date.fromisoformat(first), dt.date.fromisoformat(last))
    assert written[found.span.start : found.span.end] == found.span.text


@pytest.mark.parametrize(
    ("written", "first", "last"),
    [
        ("From June 30 to July 4, 2024", "2024-06-30", "2024-07-04"),
        ("on Monday, June 3, 2024", "2024-06-03", "2024-06-03"),
        ("June 3-5 2024", "2024-06-03", "2024-06-05"),
    ],
)
def test_find_date_ranges_reads_english_dates_written_month_first(
    reference: Reference, written: str, first: str, last: str
) -> None:
    (found,) = find_date_ranges(written, Span(0, len(written), written), reference.languages["en"])
    assert (found.first, found.last) == (dt.date.fromisoformat(first), dt.date.fromisoformat(last))


@pytest.mark.parametrize("written", ["in June 2024 they met", "we may 3 times ask", "Juni 30 posten"])
def test_a_month_first_date_needs_a_capitalised_month_and_a_day(reference: Reference, written: str) -> None:
    table = reference.languages["en" if not written.startswith("Juni") else "nl"]
    assert find_date_ranges(written, Span(0, len(written), written), table, 2024) == []


def test_find_date_ranges_warns_on_contradicting_weekday(reference: Reference) -> None:
    written = "From Tuesday 3 February to Friday 7 February 2025"
    (found,) = find_date_ranges(written, Span(0, len(written), written), reference.languages["en"])
    assert found.first == dt.date(2025, 2, 3)
    assert any("Tuesday" in w and "contradicts" in w for w in found.warnings)


def test_find_date_ranges_takes_year_from_context_with_warning(reference: Reference) -> None:
    written = "from 3 to 7 February"
    (found,) = find_date_ranges(written, Span(0, len(written), written), reference.languages["en"], 2023)
    assert found.first == dt.date(2023, 2, 3)
    assert any("context" in w for w in found.warnings)


def test_find_date_ranges_leaves_yearless_date_empty(reference: Reference) -> None:
    written = "from 3 to 7 February"
    (found,) = find_date_ranges(written, Span(0, len(written), written), reference.languages["en"])
    assert found.first is None and found.warnings


def test_resolve_person_normalises_upper_case_surname(reference: Reference) -> None:
    assert resolve_person("Maxime PRÉVOT", reference.persons).id == "maxime-prevot"
    unknown = resolve_person("Jan JANSSENS", reference.persons)
    assert (unknown.id, unknown.name, unknown.known) == ("jan-janssens", "Jan Janssens", False)


def test_split_list_items_with_offsets() -> None:
    text = "xx cooperation, trust and coordination"
    items = split_list(Span(3, len(text), text[3:]), [",", "and"])
    assert [i.text for i in items] == ["cooperation", "trust", "coordination"]
    assert all(text[i.start : i.end] == i.text for i in items)


def test_segment_recognises_furniture_and_headings(reference: Reference) -> None:
    text = "-\nLast updated on\nA first paragraph.\nA heading\nIts paragraph.\n- News Type\n- Subjects"
    labels = reference.languages["en"]["furniture"]
    kinds = [(b.kind, b.field) for b in segment(text, labels, ["-"])]
    assert kinds == [
        ("furniture", None),
        ("furniture", "updated"),
        ("paragraph", None),
        ("heading", None),
        ("paragraph", None),
        ("furniture", "news_type"),
        ("furniture", "subjects"),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.pop("months"), "lacks months"),
        (lambda t: t.update(colours=["red"]), "does not read: colours"),
    ],
)
def test_read_language_accounts_for_every_key(tmp_path: Path, change: Any, message: str) -> None:
    table = yaml.safe_load((REFERENCE_DIR / "languages" / "en.yml").read_text(encoding="utf-8"))
    change(table)
    path = tmp_path / "en.yml"
    path.write_text(yaml.safe_dump(table, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ReferenceError, match=message):
        read_language(path)
