"""The template fingerprint of an article page: its body container holds running text. A page
without it is refused by name, when it is fetched and when it is built, never published as an
article: a login or cookie wall, a search page, an empty template (reference/site.yml)."""

from __future__ import annotations

import re
from typing import Any

from selectolax.lexbor import LexborHTMLParser

WORD = re.compile(r"[^\W\d_]{2,}")
SKIPPED = "script, style, nav, header, footer, aside, form, noscript, template, figure"


def page_text(tree: LexborHTMLParser) -> str:
    """The visible words of a page, lower case, without scripts, navigation and furniture."""
    body = tree.css_first("body") or tree.root
    if body is None:
        return ""
    for node in body.css(SKIPPED):
        node.decompose()
    return " ".join(body.text(separator=" ").lower().split())


def not_an_article(html: str, site: dict[str, Any]) -> str | None:
    """Why a page is not an article of the site (a wall, a search page, an empty template or no
    article structure), or None when it is one."""
    tree = LexborHTMLParser(html)
    container = next((n for s in site["article"]["body"] if (n := tree.css_first(s)) is not None), None)
    words = len(WORD.findall(container.text(separator=" "))) if container is not None else 0
    text = page_text(tree)
    wall = next(
        (kind for kind, phrases in site["walls"].items() if any(p.lower() in text for p in phrases)), None
    )
    if words >= site["article"]["min_words"]:
        return None
    if wall is not None:
        return f"a {wall}, not an article (no article text in the page's body)"
    if container is None:
        return "no article structure: none of the body selectors of reference/site.yml is on the page"
    least = site["article"]["min_words"]
    return f"an empty template: {words} word(s) of text in the article body, fewer than {least}"
