"""The budget of one source: how large, how deep and how long-winded a page may be, checked in one
linear pass over its text before any parser reads it, so that a page beyond it is refused by name
(`too-large`, `too-deep`) in a fraction of a second instead of parsed for minutes or read empty."""

from __future__ import annotations

import re

# The fetcher's cap on a page (etl/raw/politeness.py): no archived source may be larger.
MAX_BYTES = 5 * 1024 * 1024
# Elements nested in one another; Blink's HTML parser stops nesting at 512 too. Article pages of
# the site nest about 30 deep.
MAX_DEPTH = 512
# Characters of one paragraph: a line of a text capture, the text of a page between two block
# boundaries. The site's longest paragraphs hold about 3,000.
MAX_PARAGRAPH = 100_000
# Warnings kept for one source; the rest are counted in one last warning.
MAX_WARNINGS = 100

# Elements with no end tag, and those whose text runs on inside a paragraph (HTML's phrasing content).
VOID = frozenset(
    {
        "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
        "keygen", "link", "meta", "param", "source", "track", "wbr",
    }
)  # fmt: skip
INLINE = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em", "font", "i",
        "img", "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strike", "strong",
        "sub", "sup", "time", "tt", "u", "var", "wbr",
    }
)  # fmt: skip
# Elements whose content is text to their end tag, never markup.
RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes"})
# Elements whose start closes an open one (`<li>a<li>b`, `<td>a<td>b`): the elements it closes, and
# those where the search for them stops. Any block's start closes an open <p> too.
IMPLIED = {
    "li": (frozenset({"li"}), frozenset({"ul", "ol"})),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "dd": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "tr": (frozenset({"tr"}), frozenset({"table", "tbody", "thead", "tfoot"})),
    "option": (frozenset({"option"}), frozenset({"select", "datalist"})),
}
PARAGRAPH: tuple[frozenset[str], frozenset[str]] = (frozenset({"p"}), frozenset())
# How far down the open elements the search for one that a start tag closes goes.
IMPLIED_REACH = 16
FOREIGN = frozenset({"svg", "math"})
TAG = re.compile(r"<!--.*?(?:-->|\Z)|<(/?)([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.S)


def raw_text_end(name: str) -> re.Pattern[str]:
    """The end tag of a raw text element."""
    return re.compile(rf"</{name}\s*>", re.IGNORECASE)


RAW_TEXT_ENDS = {name: raw_text_end(name) for name in RAW_TEXT}


def too_large(size: int) -> str | None:
    """Why a source of so many bytes is over budget, or None."""
    if size > MAX_BYTES:
        return f"too-large: {size:,} bytes, more than the {MAX_BYTES:,} a source may hold"
    return None


def long_paragraph(length: int, offset: int) -> str:
    """The reason given for a paragraph over budget."""
    return (
        f"too-large: a paragraph of {length:,} characters at offset {offset:,}, more than the "
        f"{MAX_PARAGRAPH:,} a paragraph may hold"
    )


def text_over_budget(text: str) -> str | None:
    """Why a text capture is over budget (a line longer than a paragraph may be), or None."""
    start = 0
    for line in text.split("\n"):
        if len(line) > MAX_PARAGRAPH:
            return long_paragraph(len(line), start)
        start += len(line) + 1
    return None


class OpenElements:
    """The elements open at a point of a page, as a parser would nest them, with a count by name."""

    def __init__(self) -> None:
        self.stack: list[str] = []
        self.count: dict[str, int] = {}
        self.foreign = 0

    def open(self, name: str) -> None:
        """Open an element, closing first what its start implies the end of."""
        rules = [IMPLIED.get(name), None if name in INLINE else PARAGRAPH]
        for rule in rules:
            if rule is not None:
                self.close_implied(*rule)
        self.stack.append(name)
        self.count[name] = self.count.get(name, 0) + 1
        self.foreign += name in FOREIGN

    def close(self, name: str) -> None:
        """Close the open elements down to the nearest `name` (an end tag of none open is ignored)."""
        if not self.count.get(name):
            return
        while self.stack:
            top = self.stack.pop()
            self.count[top] -= 1
            self.foreign -= top in FOREIGN
            if top == name:
                return

    def close_implied(self, closes: frozenset[str], stops: frozenset[str]) -> None:
        """Close the open element a start tag implies the end of, if one is near the top."""
        for top in reversed(self.stack[-IMPLIED_REACH:]):
            if top in closes:
                self.close(top)
                return
            if top in stops or (closes is PARAGRAPH[0] and top not in INLINE):
                return


def html_over_budget(html: str) -> str | None:
    """Why a page is over budget (elements nested too deep, a paragraph too long), or None: the
    tags are read as an HTML parser would nest them, closely enough for a budget."""
    elements = OpenElements()
    run, run_start, position = 0, 0, 0
    while (match := TAG.search(html, position)) is not None:
        run, position = run + match.start() - position, match.end()
        if run > MAX_PARAGRAPH:
            return long_paragraph(run, run_start)
        closing, name, rest = match.group(1), (match.group(2) or "").lower(), match.group(3) or ""
        if not name:
            continue
        if name not in INLINE:
            run, run_start = 0, match.end()
        if closing:
            elements.close(name)
        elif name in RAW_TEXT:
            end = RAW_TEXT_ENDS[name].search(html, position)
            position = end.end() if end is not None else len(html)
        elif name not in VOID and not (elements.foreign and rest.rstrip().endswith("/")):
            elements.open(name)
            if len(elements.stack) > MAX_DEPTH:
                return f"too-deep: elements nested more than {MAX_DEPTH} deep (at offset {match.start():,})"
    if run + len(html) - position > MAX_PARAGRAPH:
        return long_paragraph(run + len(html) - position, run_start)
    return None


def over_budget(text: str, size: int, html: bool) -> str | None:
    """Why a source is over its budget (`too-large: …`, `too-deep: …`), or None."""
    return too_large(size) or (html_over_budget(text) if html else text_over_budget(text))
