"""HTML pages of the Drupal news site: the article's text blocks, title, dates, labels and
language, read with site selectors, with trafilatura as fallback and cross-check."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from etl.extract.body import EXCLUDED_TAGS, PageBlock, body_blocks, clean, iso_date, prune
from etl.raw import INLINE, normalise

BODY_SELECTORS = (".field--name-body", "article .node__content", "article", "main", "[role=main]")
TITLE_SELECTORS = ("article h1", "h1.page-title", "main h1", "h1")
PUBLISHED_SELECTORS = (".field--name-field-date time", ".field--name-created time", "article time[datetime]")
UPDATED_SELECTORS = (".field--name-changed time",)
NEWS_TYPE_SELECTOR = ".field--name-field-news-type .field__item"
SUBJECTS_SELECTOR = ".field--name-field-subjects .field__item"
META_PUBLISHED = ('meta[property="article:published_time"]', 'meta[name="dcterms.date"]')
AGREEMENT_FLOOR = 0.5
# trafilatura checks the body only when it holds less than this share of the page's running text.
ELSEWHERE_SHARE = 0.5
WORD = re.compile(r"\w+")


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


def first(tree: Any, selectors: tuple[str, ...]) -> LexborNode | None:
    """The first node matching any of the selectors, tried in order."""
    for selector in selectors:
        node: LexborNode | None = tree.css_first(selector)
        if node is not None:
            return node
    return None


def fallback_html(html: str) -> str:
    """The page as trafilatura is given it: its inline elements unwrapped and its images out, so
    that it reads a paragraph written with <b> or <a> as one."""
    copy = LexborHTMLParser(html)
    for node in copy.css("img, wbr"):
        node.decompose()
    copy.unwrap_tags(sorted(INLINE - {"br", "img", "wbr"}))
    return str(copy.html)


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
    heading = normalise(title.text(deep=True, separator="") if title is not None else "", collapse=True)
    page.title = heading.text or None
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
    prune(tree)
    shown = str(tree.html)
    container = first(tree, BODY_SELECTORS)
    blocks = body_blocks(container) if container is not None else []
    ours = " ".join(b.text for b in blocks if b.kind == "paragraph")
    extracted = fallback_text(fallback_html(shown)) if not blocks or text_elsewhere(tree, ours) else ""
    if not blocks:
        page.notes.append(
            ("body", "no article body found by the site selectors; main text taken by trafilatura")
        )
        lines = [normalise(line, collapse=True) for line in extracted.splitlines()]
        blocks = [PageBlock("paragraph", line.text, removed=line.removed) for line in lines if line.text]
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
        blocks.insert(0, PageBlock("title", page.title, removed=heading.removed))
    page.blocks = blocks
    return page
