"""HTML pages of the Drupal news site: the article's text blocks, title, dates, labels and
language, read with site selectors, with trafilatura as fallback and cross-check."""

from __future__ import annotations

import re
import unicodedata
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
BLOCK_TAGS = ("p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "tr", "caption", "dt", "dd")
# The cells of a table row are joined with this separator in the row's text.
CELL_SEPARATOR = " | "
LIST_TAGS = ("ul", "ol", "dl")
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
# trafilatura checks the body only when it holds less than this share of the page's running text.
ELSEWHERE_SHARE = 0.5
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class PageBlock:
    """A block of the article body: its kind, text, lang attribute, section heading, and the list
    or table it belongs to (None for a free-standing block)."""

    kind: str
    text: str
    language: str | None = None
    section: str | None = None
    group: str | None = None
    times: tuple[tuple[int, int, str], ...] = ()


@dataclass
class Page:
    """What an HTML page holds: body blocks (kind, text, lang, section) and its metadata."""

    blocks: list[PageBlock] = field(default_factory=list)
    title: str | None = None
    published: str | None = None
    updated: str | None = None
    news_type: str | None = None
    subjects: str | None = None
    language: str | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)
    published_basis: str | None = None
    updated_basis: str | None = None


def clean(text: str) -> str:
    """Text in NFC with runs of white space collapsed to one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


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


def ancestor(node: LexborNode, tags: tuple[str, ...], stop: LexborNode) -> LexborNode | None:
    """The nearest ancestor of a node with one of the tags, below the container."""
    current = node.parent
    while current is not None and current is not stop and current.tag != "html":
        if current.tag in tags:
            return current
        current = current.parent
    return None


def block_text(node: LexborNode) -> str:
    """The text of a block: its words, or for a table row its cells joined by the separator."""
    if node.tag == "tr":
        cells = [clean(c.text(deep=True, separator="")) for c in node.iter() if c.tag in ("td", "th")]
        return CELL_SEPARATOR.join(c for c in cells if c)
    return clean(node.text(deep=True, separator=""))


def block_times(node: LexborNode, words: str) -> tuple[tuple[int, int, str], ...]:
    """The <time datetime> elements of a block: where their text stands in the block's words and
    the date they give ('From <time datetime="2018-08-27">Monday</time> …')."""
    found = []
    position = 0
    for element in node.css("time"):
        day = iso_date(element)
        written = clean(element.text(deep=True, separator=""))
        at = words.find(written, position) if written else -1
        if day is None or at < 0:
            continue
        found.append((at, at + len(written), day))
        position = at + len(written)
    return tuple(found)


def group_of(node: LexborNode, stop: LexborNode, groups: dict[int, str]) -> str | None:
    """The list or table a block belongs to, named by its order in the page ('list-1', 'table-1')."""
    tags = (
        ("table",) if node.tag in ("tr", "caption") else LIST_TAGS if node.tag in ("li", "dt", "dd") else ()
    )
    container = ancestor(node, tags, stop) if tags else None
    if container is None:
        return None
    kind = "table" if container.tag == "table" else "list"
    return groups.setdefault(container.mem_id, f"{kind}-{len(groups) + 1}")


def body_blocks(container: LexborNode) -> list[PageBlock]:
    """The text blocks of the article body in reading order, with their section heading; the
    items of a list and the rows of a table keep the list or table they belong to, and a table's
    caption heads its rows."""
    blocks: list[PageBlock] = []
    section: str | None = None
    groups: dict[int, str] = {}
    for node in container.css(", ".join(BLOCK_TAGS)):
        if excluded(node, container) or nested_in_block(node, container):
            continue
        if node.tag == "blockquote" and node.css_first("p") is not None:
            continue
        words = block_text(node)
        if not words:
            continue
        language, group = language_of(node, container), group_of(node, container, groups)
        if node.tag in HEADING_TAGS or node.tag == "caption":
            section = words
            blocks.append(PageBlock("heading", words, language, section, group))
        else:
            blocks.append(PageBlock("paragraph", words, language, section, group, block_times(node, words)))
    return blocks


def agreement(ours: str, theirs: str) -> float:
    """Word-set overlap (Jaccard) of two texts, 1.0 when both are empty."""
    a, b = set(WORD.findall(ours.lower())), set(WORD.findall(theirs.lower()))
    return len(a & b) / len(a | b) if a | b else 1.0


def fallback_text(html: str) -> str:
    """The main text of a page according to trafilatura (empty when it finds none)."""
    import trafilatura

    return trafilatura.extract(html, include_comments=False, include_tables=False, fast=True) or ""


def text_elsewhere(tree: Any, ours: str) -> bool:
    """Whether the page holds much more running text than the article body the selectors found
    (outside navigation, headers, footers and asides), so that trafilatura should check it."""
    body = tree.css_first("body")
    if body is None:
        return False
    for node in body.css(", ".join(sorted(EXCLUDED_TAGS))):
        node.decompose()
    page_words = len(WORD.findall(body.text(separator=" ")))
    return len(WORD.findall(ours)) < ELSEWHERE_SHARE * page_words


def labelled_time(tree: Any, labels: list[str]) -> str | None:
    """The date of a <time datetime> written right after one of some labels ('Published on',
    'Publié le'), wherever the page puts it."""
    wanted = [" ".join(label.lower().split()) for label in labels]
    for element in tree.css("time[datetime]"):
        parent = element.parent
        if parent is None:
            continue
        before = " ".join(parent.text(deep=True, separator=" ").lower().split())
        written = " ".join(element.text(deep=True, separator=" ").lower().split())
        lead = before[: before.find(written)] if written and written in before else before
        if any(lead.rstrip(" :").endswith(label) for label in wanted):
            return iso_date(element)
    return None


def read_html(html: str, labels: dict[str, list[str]] | None = None) -> Page:
    """A Page from HTML: site selectors first, trafilatura when they find no article body; the
    publication and update dates from the site's fields, its meta tags, or a <time> written after
    a label of the language tables (labels: the furniture labels by field)."""
    tree = LexborHTMLParser(html)
    page = Page()
    root = tree.css_first("html")
    page.language = (root.attributes.get("lang") or "")[:2].lower() or None if root is not None else None
    title = first(tree, TITLE_SELECTORS)
    page.title = clean(title.text(deep=True, separator="")) if title is not None else None
    labels = labels or {}
    for basis, found in (
        ("time_element", iso_date(first(tree, PUBLISHED_SELECTORS))),
        ("label", labelled_time(tree, labels.get("published", []))),
        ("meta_tag", iso_date(first(tree, META_PUBLISHED))),
    ):
        if found:
            page.published, page.published_basis = found, basis
            break
    for basis, found in (
        ("time_element", iso_date(first(tree, UPDATED_SELECTORS))),
        ("label", labelled_time(tree, labels.get("updated", []))),
    ):
        if found:
            page.updated, page.updated_basis = found, basis
            break
    page.news_type = "; ".join(clean(n.text()) for n in tree.css(NEWS_TYPE_SELECTOR)) or None
    page.subjects = "; ".join(clean(n.text()) for n in tree.css(SUBJECTS_SELECTOR)) or None
    container = first(tree, BODY_SELECTORS)
    blocks = body_blocks(container) if container is not None else []
    ours = " ".join(b.text for b in blocks if b.kind == "paragraph")
    extracted = fallback_text(html) if not blocks or text_elsewhere(tree, ours) else ""
    if not blocks:
        page.notes.append(
            ("body", "no article body found by the site selectors; main text taken by trafilatura")
        )
        blocks = [PageBlock("paragraph", clean(line)) for line in extracted.splitlines() if clean(line)]
    elif extracted:
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
        blocks.insert(0, PageBlock("title", page.title))
    page.blocks = blocks
    return page
