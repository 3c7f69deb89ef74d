"""An article's text as its row page shows it: every fact's evidence span marked in the body and
linked to the row that states the fact (a post count, a quote, an event...). Pure: the spans come
in with their links, the marked-up text goes out."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Span:
    """A fact's evidence in an article body: [start, end), the table its row is in, and its link."""

    start: int
    end: int
    table: str
    href: str
    label: str


def usable(spans: list[Span], length: int) -> list[Span]:
    """The spans that lie inside a body of this length and are not empty."""
    return [s for s in spans if 0 <= s.start < s.end <= length]


def highlight(body: str, spans: list[Span]) -> Markup:
    """The body escaped, with every stretch that is some fact's evidence marked and linked to the
    row of the shortest span covering it (the most precise fact), the others named in its title;
    line breaks kept by the stylesheet (white-space: pre-wrap)."""
    spans = usable(spans, len(body))
    cuts = sorted({0, len(body), *(s.start for s in spans), *(s.end for s in spans)})
    pieces: list[str] = []
    for start, end in itertools.pairwise(cuts):
        text = escape(body[start:end])
        covering = sorted(
            (s for s in spans if s.start <= start and end <= s.end), key=lambda s: s.end - s.start
        )
        if not covering:
            pieces.append(str(text))
            continue
        first = covering[0]
        names = "; ".join(dict.fromkeys(f"{s.table}: {s.label}" for s in covering))
        tables = " ".join(sorted({s.table for s in covering}))
        pieces.append(
            Markup('<a class="evidence" data-tables="{}" href="{}" title="{}"><mark>{}</mark></a>').format(
                tables, first.href, names, text
            )
        )
    return Markup("".join(pieces))
