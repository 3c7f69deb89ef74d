"""The budget of a source: a page too large or too deep is refused by name, fast; real pages pass."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from etl.raw import read_raw, read_source
from etl.raw.budget import MAX_BYTES, MAX_DEPTH, MAX_PARAGRAPH, html_over_budget, over_budget
from etl.raw.sources import SourceError
from etl.reference import load_reference
from tests.conftest import SEED
from tests.hostile import SENTENCE, archive, deep_page, page

ROOT = Path(__file__).resolve().parents[2]


def test_html_over_budget_refuses_100000_nested_divs_by_name_in_a_blink() -> None:
    started = time.perf_counter()
    reason = html_over_budget(deep_page(100_000))
    assert reason is not None and reason.startswith(f"too-deep: elements nested more than {MAX_DEPTH} deep")
    assert time.perf_counter() - started < 0.5


def test_over_budget_refuses_a_5_mb_paragraph_by_name_in_a_blink() -> None:
    html = page("<p>" + "Belgium has 86 embassies. " * 200_000 + "</p>")
    started = time.perf_counter()
    reason = over_budget(html, len(html.encode()), html=True)
    assert reason is not None and reason.startswith("too-large: a paragraph of 5,200,000 characters")
    assert time.perf_counter() - started < 0.5


def test_over_budget_counts_a_paragraph_written_with_many_inline_elements_as_one() -> None:
    html = page("<p>" + "<b>86</b> embassies " * (MAX_PARAGRAPH // 10) + "</p>")
    assert (over_budget(html, len(html), html=True) or "").startswith("too-large: a paragraph")


def test_over_budget_refuses_a_text_capture_with_a_line_too_long() -> None:
    text = "Title\n" + "x" * (MAX_PARAGRAPH + 1) + "\n"
    assert over_budget(text, len(text), html=False) == (
        f"too-large: a paragraph of {MAX_PARAGRAPH + 1:,} characters at offset 6, more than the "
        f"{MAX_PARAGRAPH:,} a paragraph may hold"
    )


def test_over_budget_refuses_more_bytes_than_the_fetcher_takes() -> None:
    assert (over_budget("x", MAX_BYTES + 1, html=False) or "").startswith("too-large: 5,242,881 bytes")


def test_html_over_budget_accepts_deep_but_plausible_pages() -> None:
    assert html_over_budget(deep_page(MAX_DEPTH - 10)) is None


@pytest.mark.parametrize(
    "body",
    [
        "<ul>" + "<li><p>an item never closed" * 2000 + "</ul>",
        "<table>" + "<tr><td>a cell<td>another" * 2000 + "</table>",
        "<p>a paragraph never closed" * 2000,
        "<dl>" + "<dt>term<dd>definition" * 2000 + "</dl>",
        "<script>" + "<div>" * 2000 + "</script>" + SENTENCE,
        "<!--" + "<div>" * 2000 + "-->" + SENTENCE,
        "<svg>" + "<path d='M0 0'/>" * 2000 + "</svg>" + SENTENCE,
        "<p>" + "<br>" * 2000 + "</p>",
    ],
    ids=[
        "unclosed-list-items",
        "unclosed-cells",
        "unclosed-paragraphs",
        "unclosed-terms",
        "script",
        "comment",
        "svg",
        "br",
    ],
)
def test_html_over_budget_nests_elements_as_a_parser_does(body: str) -> None:
    assert html_over_budget(page(body)) is None


def test_over_budget_accepts_every_gold_page_and_text() -> None:
    sources = [p for folder in ("tests/gold", "tests/field-set", "raw") for p in (ROOT / folder).iterdir()]
    for path in (p for p in sources if p.suffix in (".txt", ".html")):
        text = path.read_text(encoding="utf-8")
        assert over_budget(text, len(text.encode()), html=path.suffix == ".html") is None, path


def test_read_source_refuses_a_file_over_budget_before_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    with path.open("wb") as sparse:
        sparse.truncate(MAX_BYTES + 1)
    with pytest.raises(SourceError, match=r"huge.html: too-large: 5,242,881 bytes"):
        read_source(path, require_record=False)


def test_read_raw_rejects_pages_over_budget_by_name_and_keeps_the_others(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SEED, raw)
    shutil.copy(SEED.with_suffix(".yml"), raw)
    archive(raw, "100_deep", deep_page(100_000))
    archive(raw, "101_long", page("<p>" + "x" * 5_000_000 + "</p>"))
    started = time.perf_counter()
    inputs = read_raw(raw, load_reference().site)
    assert time.perf_counter() - started < 3
    assert [s.id for s in inputs.sources] == [SEED.stem]
    reasons = {Path(e.path).name: e.reason for e in inputs.rejected}
    assert reasons["100_deep.html"].startswith("too-deep:")
    assert reasons["101_long.html"].startswith("too-large: a paragraph of 5,000,000 characters")
    assert all("\n" not in str(e) and str(e).startswith(e.path) for e in inputs.rejected)
