"""Property-based tests of the extractor: for any text it returns, the same output twice, and
every span reproduces its evidence."""

from __future__ import annotations

import hashlib
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.extract import extract_source
from etl.raw.sources import Source
from etl.reference import Reference, load_reference
from tests.extract.test_extract import SPANNED

REFERENCE: Reference = load_reference()
PIECES = [
    "From Monday 3 February to Friday 7 February 2025",
    "du 1er au 3 mars",
    "van 27 augustus tot 3 september",
    "diplomatic contact days",
    "diplomatieke contactdagen",
    "journées diplomatiques",
    "more than 110",
    "une centaine de diplomates",
    "ruim 120 ambassadeurs",
    "Belgium has 87 embassies, 15 consulates general",
    "La Belgique compte 84 ambassades",
    "“",
    "”",
    "«",
    "»",
    '"',
    " - ",
    ", said ",
    ", aldus de minister",
    "Deputy Prime Minister and Minister of Foreign Affairs, ",
    "Maxime Prévot",
    "Anne VERHAEGEN",
    "Brussels",
    "Egmont Palace",
    "\n",
    "\n\n",
    ". ",
    ", ",
    " and ",
    " en ",
    " et ",
    "Last updated on",
    "- News Type",
    "date: 2004-08-26",
    "26/08/2004 14:35",
    "Brussel, 26.08.04 – ",
    "<p>",
    "</p>",
    "<h2>",
    "</h2>",
    "<article>",
    '<img alt="140 participants">',
    "septante-cinq",
    "vijfentwintig",
    "in total 116 posts",
]
TEXTS = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=40)), max_size=60).map("".join)


def source_of(text: str, media_type: str = "text/plain") -> Source:
    data = text.encode("utf-8", "surrogatepass")
    return Source(
        id="property",
        file="property.txt",
        held=text,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        record={"format": media_type},
    )


def assert_spans_reproduce(facts: dict[str, Any]) -> None:
    body = facts["article"]["body"]
    for resource, column in SPANNED.items():
        for row in facts[resource]:
            assert body[row["char_start"] : row["char_end"]] == row[column], resource
    for row in facts["warnings"]:
        if row["char_start"] is not None:
            assert 0 <= row["char_start"] <= row["char_end"] <= len(body)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_extract_source_any_text_is_deterministic_with_true_spans(text: str) -> None:
    first = extract_source(source_of(text), REFERENCE)
    assert extract_source(source_of(text), REFERENCE) == first
    assert_spans_reproduce(first)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
def test_extract_source_any_html_is_deterministic_with_true_spans(text: str) -> None:
    page = f'<!DOCTYPE html><html lang="en"><body><main><article>{text}</article></main></body></html>'
    first = extract_source(source_of(page, "text/html"), REFERENCE)
    assert extract_source(source_of(page, "text/html"), REFERENCE) == first
    assert_spans_reproduce(first)


@settings(
    max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(st.lists(TEXTS, min_size=5, max_size=5))
def test_extract_source_megabyte_text_returns(chunks: list[str]) -> None:
    unit = "\n".join(chunks) or "x"
    text = (unit * (1_000_000 // max(len(unit), 1) + 1))[:1_000_000]
    facts = extract_source(source_of(text), REFERENCE)
    assert_spans_reproduce(facts)
