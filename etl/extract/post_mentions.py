"""Mentions of types of post in a text ("consulates general", "consulaten-generaal", "bureaux
belges") and of posts in general ("posts", "beroepsposten", "postes de carrière"), from the post
types' terms and the language tables: singular, plural, hyphenated and spaced forms alike."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from etl.extract.text import Span, fold, fold_chars, memo

TOTAL = None  # the code of a mention of posts in general


@dataclass(frozen=True)
class TypeMention:
    """A type of post named in the text (code None for posts in general), with its typology."""

    span: Span
    code: str | None
    typology: str
    # For a type the lexicon does not know ('3 liaison offices'): the words as written.
    written: str | None = None

    @property
    def is_total(self) -> bool:
        """Whether the mention names posts in general, so that a number before it is a total."""
        return self.code is TOTAL


def term_pattern(term: str) -> str:
    """A regex of a term whose words may be split by any white space or a hyphen."""
    words = re.split(r"[\s-]+", term)
    return r"[\s\-]+".join(re.escape(w) for w in words)


def type_lexicon(
    table: dict[str, Any], post_types: list[dict[str, Any]]
) -> tuple[re.Pattern[str], dict[str, Any]]:
    """The regex of every post term of a language and the map from a folded, hyphen-free term to
    (code, typology); built once per language table."""
    return memo(table, "type_lexicon", lambda: build_type_lexicon(table, post_types))


def build_type_lexicon(
    table: dict[str, Any], post_types: list[dict[str, Any]]
) -> tuple[re.Pattern[str], dict[str, Any]]:
    """Build type_lexicon (memoised by type_lexicon)."""
    terms: dict[str, tuple[str | None, str]] = {}
    for post_type in post_types:
        for term in post_type["terms"].get(table["language"], []):
            terms[key_of(term)] = (post_type["code"], post_type["typology"])
    for term in table["total_terms"]:
        terms.setdefault(key_of(term), (TOTAL, "fps"))
    ordered = sorted(terms, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(term_pattern(t) for t in ordered) + r")(?![\w-])")
    return pattern, terms


def key_of(term: str) -> str:
    """The key of a term as written: folded, hyphens and runs of spaces as one space."""
    return " ".join(re.split(r"[\s-]+", fold(term)))


def find_type_mentions(
    span: Span, table: dict[str, Any], post_types: list[dict[str, Any]]
) -> list[TypeMention]:
    """Every mention of a type of post, or of posts in general, in a span, in order."""
    pattern, terms = type_lexicon(table, post_types)
    found = []
    for match in pattern.finditer(fold_chars(span.text)):
        code, typology = terms[key_of(match.group(0))]
        start = span.start + match.start()
        end = span.start + match.end()
        found.append(TypeMention(Span(start, end, span.text[match.start() : match.end()]), code, typology))
    return found


def unlisted_regex(table: dict[str, Any]) -> re.Pattern[str] | None:
    """Regex of the words right after a number that name a kind of post the lexicon does not know:
    a head word of the language ('offices', 'bureaux', 'kantoren'), alone, in a compound
    ('verbindingsbureaus'), with up to two modifiers before it ('liaison offices') or, where the
    language puts them after, one after it ('bureaux de liaison', 'antennes commerciales')."""
    if not table["post_heads"]:
        return None
    return memo(table, "unlisted_regex", lambda: build_unlisted_regex(table))


def build_unlisted_regex(table: dict[str, Any]) -> re.Pattern[str]:
    """Build unlisted_regex (memoised by unlisted_regex)."""
    heads = "|".join(re.escape(fold(h)) for h in sorted(table["post_heads"], key=len, reverse=True))
    head = rf"[a-z]*(?:{heads})(?![\w-])"
    if table["post_head_order"] == "head_first":
        links = "|".join(re.escape(fold(w)) for w in table["role_links"])
        words = rf"{head}(?:\s+(?:(?:{links})\s+)?[a-z][\w'’-]*)?"
    else:
        words = rf"(?:[a-z][\w'’-]*\s+){{0,2}}?{head}"
    return re.compile(rf"[ \u00a0]+(?P<words>{words})")


def find_unlisted_mentions(
    span: Span, ends: list[int], known: list[TypeMention], table: dict[str, Any]
) -> list[TypeMention]:
    """The kinds of post the lexicon does not know, named right after a number (ends: where the
    numbers of the span end), where no known type is named; each under a code of its own made
    from its words, which it keeps as written."""
    regex = unlisted_regex(table)
    if regex is None:
        return []
    folded = fold_chars(span.text)
    found = []
    for end in ends:
        match = regex.match(folded, end - span.start)
        if match is None:
            continue
        start, stop = span.start + match.start("words"), span.start + match.end("words")
        if any(m.span.start < stop and start < m.span.end for m in known):
            continue
        written = span.text[match.start("words") : match.end("words")]
        code = re.sub(r"[^a-z]+", "_", fold(written)).strip("_")
        found.append(TypeMention(Span(start, stop, written), code, "fps", written))
    return found
