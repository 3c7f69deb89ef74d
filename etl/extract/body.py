"""The article body of a page as the page shows it: its block elements (paragraphs, headings, list
items, table rows) and the runs of inline text outside them, each one block however many inline
elements it is written with; furniture, media, navigation and what the page hides left out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborNode

from etl.raw import INLINE, Normalised, Removed, normalise

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
# Excluded elements that end a paragraph where they stand; the others (an image, a script) are left
# out of it without splitting it.
EXCLUDED_BLOCKS = {"figure", "figcaption", "nav", "aside", "footer", "header", "form"}
# Never body text wherever they are: what the page does not show.
UNSHOWN_TAGS = ("noscript", "template", "script", "style")
UNSHOWN_STYLES = ("display:none", "visibility:hidden")


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
    removed: tuple[Removed, ...] = ()


def clean(text: str) -> str:
    """Text in NFC with runs of white space collapsed to one space, without invisible characters."""
    return normalise(text, collapse=True).text


def iso_date(node: LexborNode | None) -> str | None:
    """The date (YYYY-MM-DD) of a <time datetime> or <meta content> node."""
    if node is None:
        return None
    value = node.attributes.get("datetime") or node.attributes.get("content") or ""
    return value[:10] if re.match(r"\d{4}-\d{2}-\d{2}", value) else None


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


def block_text(node: LexborNode) -> Normalised:
    """The text of a block: its words, or for a table row its cells joined by the separator."""
    if node.tag == "tr":
        cells = [
            " ".join(c.text(deep=True, separator="").split()) for c in node.iter() if c.tag in ("td", "th")
        ]
        return normalise(CELL_SEPARATOR.join(c for c in cells if clean(c)), collapse=True)
    return normalise(node.text(deep=True, separator=""), collapse=True)


def run_text(nodes: list[LexborNode]) -> Normalised:
    """The text of a run of inline content (text and inline elements) outside any block."""
    return normalise("".join(node_text(n) for n in nodes), collapse=True)


def node_text(node: LexborNode) -> str:
    """The text of a node: a text node's own, an element's all."""
    return (node.text_content or "") if node.is_text_node else node.text(deep=True, separator="")


def block_times(nodes: list[LexborNode], words: str) -> tuple[tuple[int, int, str], ...]:
    """The <time datetime> elements of a block: where their text stands in the block's words and
    the date they give ('From <time datetime="2018-08-27">Monday</time> …')."""
    found = []
    position = 0
    elements = [e for n in nodes if n.is_element_node for e in ([n] if n.tag == "time" else n.css("time"))]
    for element in elements:
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


def furniture_class(node: LexborNode) -> bool:
    """Whether an element is page furniture by its class (labels, dates, news type, subjects)."""
    classes = node.attributes.get("class") or ""
    return any(c in classes for c in EXCLUDED_CLASSES)


def has_blocks(node: LexborNode) -> bool:
    """Whether an inline element holds block content (an <a> around paragraphs), read as a container."""
    return any(child.is_element_node and child.tag not in INLINE for child in node.traverse())


def units(container: LexborNode) -> Iterator[list[LexborNode]]:
    """The blocks of a container in reading order: a block element alone, or a run of inline
    content (text and inline elements such as <b>, <a>, <span>) that no block element holds, as a
    browser shows it: one paragraph, however many elements it is written with. Furniture, media
    and navigation are left out; a figure or a nav ends a run, an image or a script does not."""
    stack = [container.iter(include_text=True)]
    run: list[LexborNode] = []
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
        elif node.is_text_node:
            run.append(node)
            continue
        elif not node.is_element_node:
            continue
        elif node.tag in EXCLUDED_TAGS or furniture_class(node):
            if node.tag not in EXCLUDED_BLOCKS and not furniture_class(node):
                continue
        elif node.tag in BLOCK_TAGS and not (node.tag == "blockquote" and node.css_first("p") is not None):
            if run:
                yield run
                run = []
            yield [node]
            continue
        elif node.tag in INLINE and not has_blocks(node):
            run.append(node)
            continue
        else:
            stack.append(node.iter(include_text=True))
        if run:
            yield run
            run = []
    if run:
        yield run


def body_blocks(container: LexborNode) -> list[PageBlock]:
    """The text blocks of the article body in reading order, with their section heading; the
    items of a list and the rows of a table keep the list or table they belong to, and a table's
    caption heads its rows."""
    blocks: list[PageBlock] = []
    section: str | None = None
    groups: dict[int, str] = {}
    for unit in units(container):
        node = unit[0]
        block = len(unit) == 1 and node.is_element_node and node.tag in BLOCK_TAGS
        text = block_text(node) if block else run_text(unit)
        if not text.text:
            continue
        element = node if node.is_element_node else node.parent
        language = language_of(element, container) if element is not None else None
        group = group_of(node, container, groups) if block else None
        words = text.text
        if block and (node.tag in HEADING_TAGS or node.tag == "caption"):
            section = words
            blocks.append(PageBlock("heading", words, language, section, group, removed=text.removed))
        else:
            times = block_times(unit, words)
            blocks.append(PageBlock("paragraph", words, language, section, group, times, text.removed))
    return blocks


def prune(tree: Any) -> None:
    """Take out of a page's body what it does not show: <noscript>, <template>, scripts, and
    elements hidden by the hidden attribute or an inline style (display:none, visibility:hidden);
    a <br> becomes a space between the words it separates."""
    body = tree.css_first("body")
    if body is None:
        return
    for node in body.css(", ".join(UNSHOWN_TAGS)):
        node.decompose()
    for node in body.css("[hidden], [style]"):
        style = "".join((node.attributes.get("style") or "").lower().split())
        if "hidden" in node.attributes or any(s in style for s in UNSHOWN_STYLES):
            node.decompose()
    for node in body.css("br"):
        node.replace_with(" ")
