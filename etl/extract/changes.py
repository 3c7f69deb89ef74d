"""Openings, closures and upgrades of Belgium's posts that an article announces ("Belgium will open
an embassy in Tashkent", "de consulaten-generaal in X en Y worden gesloten", "le bureau diplomatique
de X deviendra une ambassade"), read with the change words of the language tables.

A change is a word of change (a verb or a noun: 'will close', 'sluiting van', 'deviendra') beside a
word for a post ('the embassy', 'de posten', 'deux consulats'), with at most a few words between
them once the cities are set aside, and one or more cities the gazetteers know written after a
link ('in Hanoi and Accra', 'à Lille et à Maastricht'). An upgrade is a change from one type to
another ('the diplomatic office in X becomes an embassy'): the old post closes, the new one opens.
A change denied or hedged ('will not close', 'pourrait ouvrir'), of honorary or foreign posts, or
in Belgium, is none; a change without a known city is warned about, never given a guessed one."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

from etl.extract.periods import NOW, Period, find_periods
from etl.extract.places import CAPITALISED, LINKS, MAX_NAME_WORDS, world_cities
from etl.extract.post_mentions import TypeMention, find_type_mentions
from etl.extract.text import Span, alternation, fold, fold_chars, memo

KINDS = ("open", "close", "upgrade")
HOME = "BE"  # a change in Belgium is another country's post, not Belgium's network abroad
# A word of change and a word for a post stand together with at most so many words between them.
MAX_GAP_WORDS = 3
# A list of cities, or a time, belongs to a change written at most so many characters before it.
NEAR_CHARS = 40
# A word that denies, hedges or puts the change out of scope counts so many characters before it.
CUE_CHARS = 30
NAME = re.compile(rf"{CAPITALISED}(?:[\s-]+(?:{LINKS}[\s-]+)?{CAPITALISED}){{0,{MAX_NAME_WORDS - 1}}}")
Warning = tuple[str, str, Span | None]


@dataclass(frozen=True)
class City:
    """A city the gazetteers know, as written, with its English name and country code."""

    span: Span
    name: str
    country: str


@dataclass(frozen=True)
class Change:
    """One post opened or closed in one city, with its type, the time it takes effect (None when
    the text gives none), the sentence that states it and a note (for an upgrade)."""

    change: str
    city: City
    post_type: str | None
    effective: str | None
    span: Span
    note: str | None = None


@dataclass(frozen=True)
class Statement:
    """A word of change linked to the word for the post it changes (and, for an upgrade, the type
    it becomes), with the cities it names."""

    kind: str
    verb: Span
    post: TypeMention
    target: TypeMention | None
    cities: tuple[City, ...] = ()

    @property
    def start(self) -> int:
        """Where the statement starts in the text (its cities included)."""
        return min([self.verb.start, self.post.span.start, *(c.span.start for c in self.cities)])

    @property
    def end(self) -> int:
        """Where the statement ends in the text (its cities and target type included)."""
        ends = [self.verb.end, self.post.span.end, *(c.span.end for c in self.cities)]
        return max([*ends, *([self.target.span.end] if self.target else [])])


def phrases(words: list[str]) -> str:
    """A regex alternation of folded words, a space matching any white space."""
    return alternation(fold(w) for w in words).replace(r"\ ", r"\s+")


def change_patterns(table: dict[str, Any]) -> dict[str, Any]:
    """The compiled change patterns of a language table (built once per table)."""
    return memo(table, "change_patterns", lambda: build_change_patterns(table))


def build_change_patterns(table: dict[str, Any]) -> dict[str, Any]:
    """Build change_patterns (memoised by change_patterns)."""
    links = phrases(table["change_links"])
    joiners = phrases([w for w in table["list_joiners"] if w.strip(",")])
    foreign = [*table["count_exclusions"].get("foreign_network", []), *table["post_exclusions"]["foreign"]]
    return {
        "verbs": {k: re.compile(rf"(?<!\w)(?:{phrases(table['change_verbs'][k])})(?!\w)") for k in KINDS},
        "linked": re.compile(rf"(?:^|(?<=\W))(?:{links})\s*$"),
        "joined": re.compile(rf"^(?:\s*,\s*(?:(?:{joiners})\s+)?|\s+(?:{joiners})\s+)(?:(?:{links})\s*)?$"),
        "denied": re.compile(
            rf"(?<!\w)(?:{phrases([*table['change_negations'], *table['change_hedges']])})(?!\w)"
        ),
        "out": re.compile(rf"(?<!\w)(?:{phrases(table['post_exclusions']['honorary'])}|{phrases(foreign)})"),
        "events": re.compile(rf"(?<!\w)(?:{phrases(table['event_nouns'])})(?!\w)"),
        "table": {**table, "relative_years": {**table["relative_years"], **table["change_years"]}},
    }


@functools.cache
def country_name(code: str) -> str | None:
    """The English name of a country (CLDR, through babel), None when unknown."""
    from babel import Locale

    name = Locale("en").territories.get(code)
    return str(name) if name else None


@functools.cache
def country_words() -> frozenset[str]:
    """The folded names of every country in English, Dutch and French (a country is no city)."""
    from babel import Locale

    return frozenset(fold(n) for lang in ("en", "nl", "fr") for n in Locale(lang).territories.values())


def city_index(places: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """The project's cities by each of their folded names: (English name, country)."""
    return memo(
        places, "city_index", lambda: {fold(n): (p["name"], p["country"]) for p in places for n in p["names"]}
    )


def known_city(name: str, places: list[dict[str, Any]]) -> tuple[str, str] | None:
    """The English name and country of a city the project's gazetteer or the offline one knows."""
    key = fold(name)
    own = city_index(places).get(key)
    if own is not None:
        return own
    if key in country_words():
        return None
    found = world_cities().get(key)
    return (found["name"], found["country"]) if found else None


def find_cities(text: str, sentence: Span, table: dict[str, Any], places: list[dict[str, Any]]) -> list[City]:
    """The known cities of a sentence written after a link ('in Hanoi') or after another such city
    and a joiner ('in Lubumbashi and Rio de Janeiro', 'à Lille et à Maastricht')."""
    compiled = change_patterns(table)
    folded = fold_chars(sentence.text)
    found: list[City] = []
    for match in NAME.finditer(sentence.text):
        before = folded[: match.start()]
        if not compiled["linked"].search(before) and not (
            found and compiled["joined"].match(folded[found[-1].span.end - sentence.start : match.start()])
        ):
            continue
        words = match.group(0).split()
        for size in range(len(words), 0, -1):
            written = " ".join(words[:size])
            city = known_city(written, places)
            if city is not None and city[1] != HOME:
                start = sentence.start + match.start()
                found.append(City(Span(start, start + len(written), written), *city))
                break
    return found


def gap_words(text: str, start: int, end: int, cities: list[City]) -> list[str] | None:
    """The words between two places of the text, its cities and their links set aside; None when
    a sentence break stands between."""
    kept = "".join(
        " " if any(c.span.start <= i < c.span.end for c in cities) else text[i] for i in range(start, end)
    )
    if any(mark in kept for mark in ".;:!?"):
        return None
    return re.findall(r"[\w'’-]+", kept)


def statements(
    text: str,
    sentence: Span,
    table: dict[str, Any],
    post_types: list[dict[str, Any]],
    places: list[dict[str, Any]],
) -> list[Statement]:
    """The changes a sentence states, each with the cities it names (possibly none)."""
    compiled = change_patterns(table)
    folded = fold_chars(sentence.text)
    mentions = find_type_mentions(sentence, table, post_types)
    cities = find_cities(text, sentence, table, places)
    verbs: list[tuple[str, Span]] = []
    for kind in KINDS:
        for m in compiled["verbs"][kind].finditer(folded):
            span = Span(
                sentence.start + m.start(), sentence.start + m.end(), sentence.text[m.start() : m.end()]
            )
            if all(span.end <= v.start or span.start >= v.end for _, v in verbs):
                verbs.append((kind, span))
    found: list[Statement] = []
    for kind, verb in sorted(verbs, key=lambda v: v[1].start):
        linked = []
        for mention in mentions:
            if kind == "upgrade" and mention.span.start >= verb.start:
                continue
            start, end = (
                sorted((mention.span.end, verb.start))
                if mention.span.end <= verb.start
                else sorted((verb.end, mention.span.start))
            )
            words = (
                gap_words(text, start, end, cities)
                if mention.span.end <= verb.start or mention.span.start >= verb.end
                else []
            )
            if (
                words is not None
                and len(words) <= MAX_GAP_WORDS
                and not compiled["events"].search(fold(" ".join(words)))
            ):
                linked.append((len(words), mention))
        if not linked:
            continue
        post = min(linked, key=lambda m: m[0])[1]
        target = None
        if kind == "upgrade":
            after = [m for m in mentions if m.span.start >= verb.end and m.code is not None]
            words = gap_words(text, verb.end, after[0].span.start, cities) if after else None
            if words is None or len(words) > MAX_GAP_WORDS:
                continue
            target = after[0]
        found.append(Statement(kind, verb, post, target))
    return attach_cities(text, found, cities, compiled)


def attach_cities(
    text: str, found: list[Statement], cities: list[City], compiled: dict[str, Any]
) -> list[Statement]:
    """The statements with the cities each names: those inside it, or written just after or
    before it, each city given to the nearest statement; denied, hedged and out-of-scope ones left out."""
    owned: dict[int, list[City]] = {i: [] for i in range(len(found))}
    for city in cities:
        distances = []
        for index, statement in enumerate(found):
            if statement.start <= city.span.start < statement.end:
                distances.append((0, index))
            elif city.span.start >= statement.end:
                distances.append((city.span.start - statement.end, index))
            else:
                distances.append((statement.start - city.span.end, index))
        near = [d for d in distances if d[0] <= NEAR_CHARS]
        if near:
            owned[min(near)[1]].append(city)
    kept = []
    for index, statement in enumerate(found):
        begin = max(0, min(statement.verb.start, statement.post.span.start) - CUE_CHARS)
        window = fold(text[begin : max(statement.verb.end, statement.post.span.end)])
        if compiled["denied"].search(window) or compiled["out"].search(window):
            continue
        kept.append(
            Statement(statement.kind, statement.verb, statement.post, statement.target, tuple(owned[index]))
        )
    return kept


def effective_of(
    statement: Statement, periods: list[Period], following: int, published: dt.date | None
) -> str | None:
    """The time a change takes effect: the first time written just after it (before the next
    change), else the last written before it (not a day up to the publication, which dates the
    announcement)."""
    dated = [p for p in periods if p.precision != NOW and p.value]
    after = [
        p
        for p in dated
        if statement.end <= p.span.start < following and p.span.start - statement.end <= NEAR_CHARS
    ]
    if after:
        return after[0].value
    before = [
        p
        for p in dated
        if p.span.end <= statement.start
        and not (p.precision == "day" and published is not None and str(p.value) <= published.isoformat())
    ]
    return before[-1].value if before else None


def changes_of(
    statement: Statement, city: City, effective: str | None, sentence: Span, labels: dict[str, str]
) -> list[Change]:
    """The changes of one city: an opening or a closure, or for an upgrade the closure of the old
    post and the opening of the new one."""
    if statement.kind != "upgrade" or statement.target is None:
        return [Change(statement.kind, city, statement.post.code, effective, sentence)]
    old, new = statement.post.code, statement.target.code
    old_label, new_label = labels.get(old or "", "post"), labels.get(new or "", "post")
    return [
        Change("close", city, old, effective, sentence, f"upgrade: {old_label} to {new_label}"),
        Change("open", city, new, effective, sentence, f"upgrade: {new_label} in place of the {old_label}"),
    ]


def find_changes(
    text: str,
    passages: list[tuple[list[Span], dict[str, Any]]],
    post_types: list[dict[str, Any]],
    places: list[dict[str, Any]],
    published: dt.date | None,
) -> tuple[list[Change], list[Warning]]:
    """Every change an article states in its paragraphs (each its sentences and language table),
    first statement of a change and city kept, and warnings for what is left unknown."""
    labels = {t["code"]: t["labels"]["en"].lower() for t in post_types}
    found: dict[tuple[str, str], Change] = {}
    warnings: list[Warning] = []
    for group, table in passages:
        for sentence in group:
            stated = statements(text, sentence, table, post_types, places)
            if not stated:
                continue
            periods = find_periods(text, sentence, change_patterns(table)["table"], published)
            for index, statement in enumerate(stated):
                if not statement.cities:
                    if warnings and warnings[-1][2] == sentence:
                        continue  # one warning a sentence
                    warnings.append(
                        (
                            "network_changes.city",
                            f"'{statement.verb.text}' ({statement.kind}) of '{statement.post.span.text}' "
                            "names no city the gazetteers know; no network_changes row",
                            sentence,
                        )
                    )
                    continue
                following = stated[index + 1].start if index + 1 < len(stated) else sentence.end
                earlier = stated[index - 1].end if index else sentence.start
                effective = effective_of(
                    statement, [p for p in periods if p.span.start >= earlier], following, published
                )
                for city in statement.cities:
                    for change in changes_of(statement, city, effective, sentence, labels):
                        found.setdefault((change.change, change.city.name), change)
    return list(found.values()), warnings
