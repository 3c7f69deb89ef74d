"""Every number mention of a text, with its span, value and qualifier: digits in the three
languages' formats (1.400, 1 400, 1,400), number words read by text2num (compounds and Belgian
French forms included), approximate forms ("een 125-tal", "une trentaine") and the qualifiers
written before or after them ("some", "près de", "no fewer than", "or so")."""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from text_to_num import find_numbers as find_number_words

from etl.extract.text import Span, alternation, fold, memo

EXACT = "exact"
ABOUT = "about"
YEAR_RANGE = range(1800, 2100)
TOKEN = re.compile(r"[^\W\d_]+|\d+|[^\w\s]")
SPACES = "\u00a0\u202f\u2009"
SCALES = {100, 1000, 1_000_000, 1_000_000_000}
# How far before a number a qualifier or the digits of a scale are looked for: well beyond the
# longest qualifier of the language tables (about 20 characters) and the spaces after it.
QUALIFIER_REACH = 120
DECIMAL = re.compile(r"(?<![\w.,])(?P<n>\d+[.,]\d{1,2})(?![\w.,]\d)")


@dataclass(frozen=True)
class Number:
    """A number written in the text: the numeral's span and value, the whole mention's span (with
    its qualifier), how it is written and what else it may be (an ordinal, a year, an article)."""

    span: Span
    numeral: Span
    value: int
    qualifier: str
    form: str  # digits, words or approximate
    ordinal: bool = False
    year: bool = False
    article: bool = False

    @property
    def start(self) -> int:
        """Offset where the mention starts."""
        return self.span.start

    @property
    def end(self) -> int:
        """Offset where the mention ends."""
        return self.span.end


class _Word:
    """A token handed to text2num: its text and offsets."""

    __slots__ = ("end", "start", "value")

    def __init__(self, value: str, start: int, end: int) -> None:
        self.value, self.start, self.end = value, start, end

    def text(self) -> str:
        """The token's text, as text2num reads it."""
        return self.value

    def nt_separated(self, previous: _Word) -> bool:
        """Tokens are never separated by anything but what the text shows."""
        return False

    def not_a_number_part(self) -> bool:
        """Digits are never parts of a number in words."""
        return self.value.isdigit()


def digits_regex(table: dict[str, Any]) -> re.Pattern[str]:
    """Regex of a number in digits with the language's thousands separators, and of an ordinal."""
    return memo(table, "digits_regex", lambda: build_digits_regex(table))


def build_digits_regex(table: dict[str, Any]) -> re.Pattern[str]:
    """Build digits_regex (memoised by digits_regex)."""
    separators = "".join(re.escape(s) for s in [*table["thousands_separators"], *SPACES])
    suffixes = alternation(table["ordinal_suffixes"])
    return re.compile(
        rf"(?<![\w.,])(?P<n>\d{{1,3}}(?:[{separators}]\d{{3}})+(?![\d])|\d+)"
        rf"(?:(?P<ordinal>{suffixes})(?!\w))?(?![.,]\d)"
    )


def qualifier_regex(table: dict[str, Any]) -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    """Regexes of a qualifier ending just before a number and starting just after one, and the map
    from a folded qualifier to its code."""
    return memo(table, "qualifier_regex", lambda: build_qualifier_regex(table))


def build_qualifier_regex(table: dict[str, Any]) -> tuple[re.Pattern[str], re.Pattern[str], dict[str, str]]:
    """Build qualifier_regex (memoised by qualifier_regex)."""
    codes = {fold(w): code for code, words in table["qualifiers"].items() for w in words}
    codes |= {fold(w): code for code, words in table["post_qualifiers"].items() for w in words}
    before = alternation(w for words in table["qualifiers"].values() for w in words)
    after = alternation(w for words in table["post_qualifiers"].values() for w in words)
    return (
        re.compile(rf"(?:^|(?<=[\s(]))(?P<q>{before})\s*$", re.IGNORECASE),
        re.compile(rf"^\s*(?P<q>{after})(?!\w)", re.IGNORECASE) if after else re.compile(r"(?!)"),
        codes,
    )


def approximate_regex(table: dict[str, Any]) -> re.Pattern[str] | None:
    """Regex of the approximate forms of a language: fixed phrases ('une trentaine') and a numeral
    with an approximate suffix ('125-tal', 'veertigtal')."""
    return memo(table, "approximate_regex", lambda: build_approximate_regex(table))


def build_approximate_regex(table: dict[str, Any]) -> re.Pattern[str] | None:
    """Build approximate_regex (memoised by approximate_regex)."""
    parts = []
    articles = alternation(table["approximate_articles"])
    if table["approximate_numbers"]:
        parts.append(rf"(?P<phrase>{alternation(table['approximate_numbers'])})")
    if table["approximate_suffixes"]:
        suffixes = alternation(table["approximate_suffixes"])
        parts.append(rf"(?P<stem>\d+|[^\W\d_]+?)-?(?:{suffixes})")
    if not parts:
        return None
    prefix = rf"(?:(?:{articles})\s+)?" if articles else ""
    return re.compile(rf"(?<!\w){prefix}(?:{'|'.join(parts)})(?!\w)", re.IGNORECASE)


def multiplier_regex(table: dict[str, Any]) -> re.Pattern[str] | None:
    """Regex of a multiplying word right after a numeral ('dozijn', 'duizend', 'million'), or None
    when the language has none."""
    if not table["multipliers"]:
        return None
    return memo(
        table,
        "multiplier_regex",
        lambda: re.compile(rf"[ \u00a0]+(?P<m>{alternation(table['multipliers'])})(?!\w)", re.IGNORECASE),
    )


def word_value(text: str, language: str) -> int | None:
    """The value of a number written as one or more words ('veertig', 'quatre-vingt-six'), or None."""
    words = [_Word(m.group(0), m.start(), m.end()) for m in TOKEN.finditer(text)]
    found = find_number_words(words, language, threshold=0)
    if len(found) != 1 or found[0].start != 0 or found[0].end != len(words):
        return None
    value = found[0].value
    return int(value) if value == int(value) else None


def folded_numbers(table: dict[str, Any], name: str) -> Mapping[str, int]:
    """A language table's words with a value (its multipliers, its approximate phrases), folded,
    made once per table: read-only, as every caller shares it."""
    return memo(table, name, lambda: MappingProxyType({fold(k): int(v) for k, v in table[name].items()}))


def numerals(text: str, span: Span, table: dict[str, Any]) -> list[tuple[Span, int, str, bool]]:
    """The numerals of a span, in order: (span, value, form, ordinal), approximate forms first,
    then digits, then number words where neither was found."""
    found: list[tuple[Span, int, str, bool]] = []
    taken: list[tuple[int, int]] = []  # the stretches already read, apart and in order

    def free(start: int, end: int) -> bool:
        at = bisect.bisect(taken, (start, end))
        return all(end <= a or start >= b for a, b in taken[max(0, at - 1) : at + 1])

    multipliers = folded_numbers(table, "multipliers")
    multiplied = multiplier_regex(table)

    def add(start: int, end: int, value: int, form: str, ordinal: bool = False) -> None:
        times = multiplied.match(span.text, end) if multiplied is not None and not ordinal else None
        if times is not None:  # 'twee dozijn', '2 million': the numeral times the word after it
            value, end = value * multipliers[fold(times.group("m"))], times.end()
        if free(start, end):
            found.append(
                (Span(span.start + start, span.start + end, span.text[start:end]), value, form, ordinal)
            )
            bisect.insort(taken, (start, end))

    approximate = approximate_regex(table)
    phrases = folded_numbers(table, "approximate_numbers")
    if approximate is not None:
        for match in approximate.finditer(span.text):
            if match.groupdict().get("phrase"):
                add(match.start(), match.end(), phrases[fold(match.group("phrase"))], "approximate")
                continue
            stem = match.group("stem")
            value = int(stem) if stem.isdigit() else word_value(stem, table["language"])
            if value is not None:
                add(match.start(), match.end(), value, "approximate")
    if multiplied is not None:  # '1,2 duizend', '1.5 million': a decimal times a scale word
        for match in DECIMAL.finditer(span.text):
            times = multiplied.match(span.text, match.end())
            if times is not None:
                product = float(match.group("n").replace(",", ".")) * multipliers[fold(times.group("m"))]
                if product == int(product):
                    add(match.start(), times.end(), int(product), "digits")
    for match in digits_regex(table).finditer(span.text):
        value = int(re.sub(r"\D", "", match.group("n")))
        add(match.start(), match.end(), value, "digits", bool(match.group("ordinal")))
    words = [
        _Word("|" if m.group(0).isdigit() else m.group(0), m.start(), m.end())
        for m in TOKEN.finditer(span.text)
    ]
    for occurrence in find_number_words(words, table["language"], threshold=0):
        start, end = words[occurrence.start].start, words[occurrence.end - 1].end
        if occurrence.value != int(occurrence.value):
            continue
        before = span.text[max(0, start - QUALIFIER_REACH) : start]
        if int(occurrence.value) in SCALES and re.search(r"\d[\s\u00a0]*$", before):
            continue  # '1,5 miljoen', '2 million': a scale after digits, no number of its own
        add(start, end, int(occurrence.value), "words", bool(occurrence.is_ordinal))
    return sorted(found, key=lambda item: item[0].start)


def find_numbers(text: str, span: Span, table: dict[str, Any]) -> list[Number]:
    """Every number mention of a span of text, in order, with offsets into the whole text."""
    before, after, codes = qualifier_regex(table)
    articles = memo(
        table, "article_numbers", lambda: frozenset(a.casefold() for a in table["article_numbers"])
    )
    mentions = []
    for numeral, value, form, ordinal in numerals(text, span, table):
        start, end = numeral.start, numeral.end
        qualifier = ABOUT if form == "approximate" else EXACT
        # A qualifier ends right before the number: looked for in the few characters before it.
        reach = max(span.start, start - QUALIFIER_REACH)
        left = before.search(text, reach, start) if start > span.start else None
        if left is not None:
            qualifier, start = codes[fold(left.group("q"))], left.start()
        right = after.match(text[end : min(span.end, end + QUALIFIER_REACH)])
        if right is not None:
            qualifier, end = codes[fold(right.group("q"))], end + right.end()
        mentions.append(
            Number(
                span=Span(start, end, text[start:end]),
                numeral=numeral,
                value=value,
                qualifier=qualifier,
                form=form,
                ordinal=ordinal,
                year=form == "digits"
                and numeral.text.isdigit()
                and len(numeral.text) == 4
                and value in YEAR_RANGE,
                article=form == "words" and numeral.text.casefold() in articles,
            )
        )
    return mentions
