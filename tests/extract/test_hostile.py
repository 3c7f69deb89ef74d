"""The reliability battery, extraction: hostile text in a page never changes what is stored or shown."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from etl.extract import extract_source
from etl.extract.facts import capped, warning
from etl.raw import MAX_WARNINGS
from etl.raw.sources import Source
from etl.reference import Reference
from tests.hostile import page

RECORD = {"format": "text/html", "url": "https://diplomatie.belgium.be/en/news/x", "published": "2024-03-01"}
NETWORK = (
    "<p>On 1 January 2024, Belgium has \u202e78\u202c embassies, 25 consulates gen\u00aderal and "
    "8 perma\u200bnent representations.</p>"
)


def facts_of(html: str, reference: Reference) -> dict[str, Any]:
    data = html.encode("utf-8")
    source = Source("page", "page.html", hashlib.sha256(data).hexdigest(), len(data), RECORD, held=html)
    return extract_source(source, reference)


def spans(facts: dict[str, Any]) -> list[tuple[int, int, str]]:
    """Every span of the extraction with the text it claims: evidence, paragraph or quote text."""
    found = []
    for name, rows in facts.items():
        for row in rows if isinstance(rows, list) and name != "warnings" else []:
            text = row.get("evidence") or row.get("text")
            if row.get("char_start") is not None and text is not None:
                found.append((row["char_start"], row["char_end"], text))
    return found


def test_extract_source_stores_the_number_a_bidi_override_would_show_reversed(reference: Reference) -> None:
    facts = facts_of(page(NETWORK), reference)
    body = facts["article"]["body"]
    embassies = next(c for c in facts["post_counts"] if c["post_type"] == "embassy")
    assert embassies["count"] == 78 and embassies["evidence"] == "78 embassies"
    assert not any(c in body for c in "\u202e\u202c\u00ad\u200b")
    # What a browser shows of the stored body is its characters in order: no control reorders them.
    assert body[embassies["char_start"] : embassies["char_end"]] == "78 embassies"


def test_extract_source_spans_index_the_normalised_body(reference: Reference) -> None:
    facts = facts_of(
        page(NETWORK + "<p>“We keep our network strong,” said Minister Maxime Prévot.</p>"), reference
    )
    body = facts["article"]["body"]
    found = spans(facts)
    assert len(found) >= 6
    assert all(body[start:end] == text for start, end, text in found)


def test_extract_source_warns_of_each_removed_character_by_code_name_and_offset(reference: Reference) -> None:
    facts = facts_of(page(NETWORK), reference)
    body = facts["article"]["body"]
    removed = [w for w in facts["warnings"] if w["field"] == "body"]
    kind = "(an invisible formatting character)"
    assert [w["message"] for w in removed] == [
        f"removed U+202E RIGHT-TO-LEFT OVERRIDE at offset {body.index('78')} {kind}",
        f"removed U+202C POP DIRECTIONAL FORMATTING at offset {body.index('78') + 2} {kind}",
        f"removed U+00AD SOFT HYPHEN at offset {body.index('general') + 3} {kind}",
        f"removed U+200B ZERO WIDTH SPACE at offset {body.index('permanent') + 5} {kind}",
    ]
    assert [body[w["char_start"] : w["char_end"]] for w in removed] == ["78", "78", "general", "permanent"]


def test_extract_source_reads_an_nfd_name_as_the_nfc_reference_name(reference: Reference) -> None:
    html = page("<p>“We keep our network strong,” said Minister Maxime Pre\u0301vot on Monday.</p>")
    facts = facts_of(html, reference)
    names = {p["name"] for p in facts["persons"]}
    assert "Maxime Prévot" in names and "Maxime Prévot" in {p["name"] for p in reference.persons}
    assert "Pre\u0301vot" not in facts["article"]["body"]


def test_extract_source_removes_invisible_characters_from_the_title_too(reference: Reference) -> None:
    facts = facts_of(page(NETWORK, title="Belgium\u200b's \u202enetwork\u202c"), reference)
    assert facts["article"]["title"] == "Belgium's network"


def test_extract_source_keeps_a_budget_of_warnings_and_counts_the_rest(reference: Reference) -> None:
    facts = facts_of(page("<p>" + "Belgium has 86\u200b embassies. " * 300 + "</p>"), reference)
    assert len(facts["warnings"]) == MAX_WARNINGS + 1
    assert (
        facts["warnings"][-1]["message"].startswith("and ")
        and "more warnings" in facts["warnings"][-1]["message"]
    )


def test_capped_counts_the_warnings_beyond_the_budget() -> None:
    warnings = [warning("s", "body", str(n)) for n in range(74_002)]
    kept = capped("s", warnings)
    assert len(kept) == MAX_WARNINGS + 1 and kept[-1]["message"] == "and 73,902 more warnings"
    assert capped("s", warnings[:3]) == warnings[:3]


def test_extract_source_reads_a_paragraph_at_the_budget_in_linear_time(reference: Reference) -> None:
    sentence = "On 1 January 2024, Belgium had 86 embassies and 12 consulates general. "
    html = page("<p>" + sentence * (100_000 // len(sentence)) + "</p>")
    started = time.perf_counter()
    facts_of(html, reference)
    assert time.perf_counter() - started < 10  # 0.3 s here; before bounding its searches, 1.1 s and quadratic
