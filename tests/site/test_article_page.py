"""An article's row page shows its text first, with every fact's evidence marked and linked to
the row that states it."""

from __future__ import annotations

import html
import re

from etl.site.article import Span, highlight
from tests.conftest import Client

SEED = "000_03760b43a54f4e20"


def test_highlight_marks_escapes_and_links_the_most_precise_fact() -> None:
    marked = str(highlight("ab <x> cd", [Span(0, 6, "t", "/r/1", "one"), Span(3, 6, "q", "/r/2", "two")]))
    assert marked.startswith('<a class="evidence" data-tables="t" href="/r/1"')
    assert 'href="/r/2" title="q: two; t: one"><mark>&lt;x&gt;</mark></a> cd' in marked
    assert "<x>" not in marked


def test_a_span_outside_the_body_or_empty_is_left_out() -> None:
    assert str(highlight("abc", [Span(2, 9, "t", "/", "x"), Span(1, 1, "t", "/", "y")])) == "abc"


def test_the_article_page_shows_its_text_first_with_every_fact_marked(client: Client) -> None:
    page = client.get(f"/diplomacy/articles/{SEED}")
    assert page.status_code == 200
    text = page.text
    assert text.index('class="article-body"') < text.index("<table")
    body = client.get(f"/diplomacy/articles/{SEED}.json?_shape=objects").json()["rows"][0]["body"]
    counts = client.get(f"/diplomacy/post_counts.json?source={SEED}&_shape=array").json()
    assert counts
    marks = re.findall(
        r'<a class="evidence" data-tables="([^"]+)" href="([^"]+)"[^>]*><mark>(.*?)</mark>', text, re.S
    )
    assert any("post_counts" in tables for tables, _, _ in marks)
    shown = html.unescape("".join(m for _, _, m in marks))
    for count in counts:
        assert body[count["char_start"] : count["char_end"]] in shown
    for _, href, _ in marks[:10]:
        assert client.get(html.unescape(href)).status_code == 200, href
    assert f"Post counts: {len(counts)}" in text
