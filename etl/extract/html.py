"""HTML pages of the Drupal news site: the article's text blocks, title, dates, labels and
language, read with site selectors, with trafilatura as fallback and cross-check."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

BODY_SELECTORS = (".field--name-body", "article .node__content", "article", "main", "[role=main]")
TITLE_SELECTORS = ("article h1", "h1.page-title", "main h1", "h1")
PUBLISHED_SELECTORS = (".field--name-field-date time", ".field--name-created time", "article time[datetime]")
UPDATED_SELECTORS = (".field--name-changed time",)
NEWS_TYPE_SELECTOR = ".field--name-field-news-type .field__item"
SUBJECTS_SELECTOR = ".field--name-field-subjects .field__item"
META_PUBLISHED = ('meta[property="article:published_time"]', 'meta[name="dcterms.date"]')
BLOCK_TAGS = ("p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote")
HEADING_TAGS = ("h2", "h3", "h4", "h5", "h6")
# Never body text: furniture, media, navigation and their captions and alt texts.
EXCLUDED_TAGS = {
    "figure",
    "figcaption",
    "img",
    "picture",
    "script",
    "style",
    "nav",
    "aside",
    "footer",
    "header",
    "form",
    "noscript",
    "svg",
    "button",
    "template",
    "iframe",
}
EXCLUDED_CLASSES = (
    "field--name-field-news-type",
    "field--name-field-subjects",
    "field--name-changed",
    "field--name-field-date",
    "field--name-created",
    "field__label",
)
AGREEMENT_FLOOR = 0.5
WORD = re.compile(r"\w+")


@dataclass
class Page:
    """What an HTML page holds: body blocks (kind, text, lang, section) and its metadata."""

    blocks: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)
    title: str | None = None
    published: str | None = None
    updated: str | None = None
    news_type: str | None = None
    subjects: str | None = None
    language: str | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)


def clean(text: str) -> str:
    """Text with runs of white space collapsed to one space."""
    return " ".join(text.split())


def first(tree: Any, selectors: tuple[str, ...]) -> LexborNode | None:
    """The first node matching any of the selectors, tried in order."""
    for selector in selectors:
        node: LexborNode | None = tree.css_first(selector)
        if node is not None:
            return node
    return None


def iso_date(node: LexborNode | None) -> str | None:
    """The date (YYYY-MM-DD) of a <time datetime> or <meta content> node."""
    if node is None:
        return None
    value = node.attributes.get("datetime") or node.attributes.get("content") or ""
    return value[:10] if re.match(r"\d{4}-\d{2}-\d{2}", value) else None


def excluded(node: LexborNode, stop: LexborNode) -> bool:
    """Whether a node sits inside furniture, media or navigation (below the container `stop`)."""
    current: LexborNode | None = node
    while current is not None and current is not stop and current.tag != "html":
        classes = current.attributes.get("class") or ""
        if current.tag in EXCLUDED_TAGS or any(c in classes for c in EXCLUDED_CLASSES):
            return True
        current = current.parent
    return False


def nested_in_block(node: LexborNode, stop: LexborNode) -> bool:
    """Whether a block node lies inside another block node (its text is taken there)."""
    current = node.parent
    while current is not None and current is not stop and current.tag != "html":
        if current.tag in BLOCK_TAGS and current.tag != "blockquote":
            return True
        current = current.parent
    return False


def language_of(node: LexborNode, stop: LexborNode) -> str | None:
    """The nearest lang attribute on the node or its ancestors up to the container."""
    current: LexborNode | None = node
    while current is not None and current is not stop:
        lang = current.attributes.get("lang")
        if lang:
            return lang[:2].lower()
        current = current.parent
    return None


def body_blocks(container: LexborNode) -> list[tuple[str, str, str | None, str | None]]:
    """The text blocks of the article body in reading order, with their section heading."""
    blocks: list[tuple[str, str, str | None, str | None]] = []
    section: str | None = None
    for node in container.css(", ".join(BLOCK_TAGS)):
        if excluded(node, container) or nested_in_block(node, container):
            continue
        if node.tag == "blockquote" and node.css_first("p") is not None:
            continue
        words = clean(node.text(deep=True, separator=""))
        if not words:
            continue
        if node.tag in HEADING_TAGS:
            section = words
            blocks.append(("heading", words, language_of(node, container), section))
        else:
            blocks.append(("paragraph", words, language_of(node, container), section))
    return blocks


def agreement(ours: str, theirs: str) -> float:
    """Word-set overlap (Jaccard) of two texts, 1.0 when both are empty."""
    a, b = set(WORD.findall(ours.lower())), set(WORD.findall(theirs.lower()))
    return len(a & b) / len(a | b) if a | b else 1.0


def fallback_text(html: str) -> str:
    """The main text of a page according to trafilatura (empty when it finds none)."""
    import trafilatura

    return trafilatura.extract(html, include_comments=False, include_tables=False) or ""


def read_html(html: str) -> Page:
    """A Page from HTML: site selectors first, trafilatura when they find no article body."""
    tree = LexborHTMLParser(html)
    page = Page()
    root = tree.css_first("html")
    page.language = (root.attributes.get("lang") or "")[:2].lower() or None if root is not None else None
    title = first(tree, TITLE_SELECTORS)
    page.title = clean(title.text(deep=True, separator="")) if title is not None else None
    page.published = iso_date(first(tree, PUBLISHED_SELECTORS)) or iso_date(first(tree, META_PUBLISHED))
    page.updated = iso_date(first(tree, UPDATED_SELECTORS))
    page.news_type = "; ".join(clean(n.text()) for n in tree.css(NEWS_TYPE_SELECTOR)) or None
    page.subjects = "; ".join(clean(n.text()) for n in tree.css(SUBJECTS_SELECTOR)) or None
    container = first(tree, BODY_SELECTORS)
    blocks = body_blocks(container) if container is not None else []
    extracted = fallback_text(html)
    if not blocks:
        page.notes.append(
            ("body", "no article body found by the site selectors; main text taken by trafilatura")
        )
        blocks = [("paragraph", clean(line), None, None) for line in extracted.splitlines() if clean(line)]
    elif extracted:
        ours = " ".join(text for kind, text, _, _ in blocks if kind == "paragraph")
        score = agreement(ours, extracted)
        if score < AGREEMENT_FLOOR:
            page.notes.append(
                (
                    "body",
                    f"site selectors and trafilatura disagree on the main text "
                    f"(word overlap {score:.2f}); check the page template",
                )
            )
    if page.title:
        blocks.insert(0, ("title", page.title, None, None))
    page.blocks = [
        (kind, text, lang, section if kind != "title" else None) for kind, text, lang, section in blocks
    ]
    return page
