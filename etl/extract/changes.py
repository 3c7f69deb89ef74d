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
import re
from dataclasses import dataclass, replace
from typing import Any

from etl.extract.periods import NOW, Period, find_periods
from etl.extract.places import City, find_cities
from etl.extract.post_mentions import TypeMention, find_type_mentions
from etl.extract.text import Span, alternation, fold, fold_chars, memo

KINDS = ("open", "close", "upgrade")
# A word of change and a word for a post stand together with at most so many words between them.
MAX_GAP_WORDS = 3
# A list of cities, or a time, belongs to a change written at most so many characters before it.
NEAR_CHARS = 40
# A word that denies, hedges or puts the change out of scope counts so many characters before it.
CUE_CHARS = 30
Warning = tuple[str, str, Span | None]


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
    cities: tuple[tuple[City, str | None], ...] = ()  # each city with its type of post

    @property
    def start(self) -> int:
        """Where the statement starts in the text (its cities included)."""
        return min([self.verb.start, self.post.span.start, *(c.span.start for c, _ in self.cities)])

    @property
    def end(self) -> int:
        """Where the statement ends in the text (its cities and target type included)."""
        ends = [self.verb.end, self.post.span.end, *(c.span.end for c, _ in self.cities)]
        return max([*ends, *([self.target.span.end] if self.target else [])])


def phrases(words: list[str]) -> str:
    """A regex alternation of folded words, a space matching any white space."""
    return alternation(fold(w) for w in words).replace(r"\ ", r"\s+")


def change_patterns(table: dict[str, Any]) -> dict[str, Any]:
    """The compiled change patterns of a language table (built once per table)."""
    return memo(table, "change_patterns", lambda: build_change_patterns(table))


def build_change_patterns(table: dict[str, Any]) -> dict[str, Any]:
    """Build change_patterns (memoised by change_patterns)."""
    foreign = table["count_exclusions"].get("foreign_network", [])
    return {
        "verbs": {k: re.compile(rf"(?<!\w)(?:{phrases(table['change_verbs'][k])})(?!\w)") for k in KINDS},
        "denied": re.compile(
            rf"(?<!\w)(?:{phrases([*table['change_negations'], *table['change_hedges']])})(?!\w)"
        ),
        "out": re.compile(rf"(?<!\w)(?:{phrases(table['post_exclusions']['honorary'])}|{phrases(foreign)})"),
        "links": {fold(w) for w in table["change_links"]},
        # a verb followed by an article takes another object than the post before it
        "object": re.compile(
            rf"\s+(?:{phrases([*table['determiners'], *table['indefinite_articles']])})(?!\w)"
        ),
        "events": re.compile(rf"(?<!\w)(?:{phrases(table['event_nouns'])})(?!\w)"),
        "table": {**table, "relative_years": {**table["relative_years"], **table["change_years"]}},
    }


def gap_words(text: str, start: int, end: int, aside: list[Span], links: set[str]) -> list[str] | None:
    """The words between two places of the text, the spans set aside (cities, times) and the
    links to a city left out; None when a sentence break stands between."""
    kept = "".join(" " if any(a.start <= i < a.end for a in aside) else text[i] for i in range(start, end))
    if any(mark in kept for mark in ".;:!?"):
        return None
    return [w for w in re.findall(r"[\w'’-]+", kept) if fold(w) not in links]


def find_verbs(sentence: Span, table: dict[str, Any]) -> list[tuple[str, Span]]:
    """The words of change of a sentence, in order, the longest kept where two overlap."""
    folded = fold_chars(sentence.text)
    verbs: list[tuple[str, Span]] = []
    matches = [(k, m) for k in KINDS for m in change_patterns(table)["verbs"][k].finditer(folded)]
    for kind, m in sorted(matches, key=lambda km: km[1].start() - km[1].end()):
        span = Span(sentence.start + m.start(), sentence.start + m.end(), m.group(0))
        if all(span.end <= v.start or span.start >= v.end for _, v in verbs):
            verbs.append((kind, span))
    return sorted(verbs, key=lambda v: v[1].start)


def linked_post(
    text: str, kind: str, verb: Span, mentions: list[TypeMention], aside: list[Span], table: dict[str, Any]
) -> TypeMention | None:
    """The word for a post a word of change is about: the nearest with at most MAX_GAP_WORDS
    between them (no meeting among them); before the verb for an upgrade; never a post before a
    verb that takes another object ('the embassy opened a visa section')."""
    compiled = change_patterns(table)
    linked = []
    for mention in mentions:
        before = mention.span.end <= verb.start
        takes_object = kind != "upgrade" and compiled["object"].match(fold(text[verb.end :]))
        if (kind == "upgrade" and not before) or (before and takes_object):
            continue
        inside = not before and mention.span.start < verb.end
        start, end = (mention.span.end, verb.start) if before else (verb.end, mention.span.start)
        words = [] if inside else gap_words(text, start, end, aside, compiled["links"])
        if (
            words is not None
            and len(words) <= MAX_GAP_WORDS
            and not compiled["events"].search(fold(" ".join(words)))
        ):
            linked.append((len(words), mention))
    return min(linked, key=lambda m: m[0])[1] if linked else None


def statements(
    text: str,
    sentence: Span,
    table: dict[str, Any],
    post_types: list[dict[str, Any]],
    places: list[dict[str, Any]],
    periods: list[Period],
) -> list[Statement]:
    """The changes a sentence states, each with the cities it names (possibly none)."""
    compiled = change_patterns(table)
    mentions = find_type_mentions(sentence, table, post_types)
    cities = find_cities(text, sentence, table, places)
    aside = [c.span for c in cities] + [p.span for p in periods]
    found: list[Statement] = []
    for kind, verb in find_verbs(sentence, table):
        post = linked_post(text, kind, verb, mentions, aside, table)
        if post is None:
            continue
        target = None
        if kind == "upgrade":
            after = [m for m in mentions if m.span.start >= verb.end and m.code is not None]
            words = (
                gap_words(text, verb.end, after[0].span.start, aside, compiled["links"]) if after else None
            )
            if words is None or len(words) > MAX_GAP_WORDS:
                continue
            target = after[0]
        found.append(Statement(kind, verb, post, target))
    return attach_cities(text, sentence, found, cities, mentions, compiled)


def city_type(
    text: str, city: City, statement: Statement, mentions: list[TypeMention], compiled: dict[str, Any]
) -> str | None:
    """The type of post of a city: that of the word for a post written just before it ('the
    consulate general in Milan'), else that of its statement."""
    before = [m for m in mentions if m.span.end <= city.span.start and m is not statement.target]
    if before:
        words = gap_words(text, before[-1].span.end, city.span.start, [], compiled["links"])
        if words is not None and len(words) <= 2:
            return before[-1].code
    return statement.post.code


def attach_cities(
    text: str,
    sentence: Span,
    found: list[Statement],
    cities: list[City],
    mentions: list[TypeMention],
    compiled: dict[str, Any],
) -> list[Statement]:
    """The statements with the cities each names (inside it, or written just after or before it,
    each city given to the nearest statement) and their types; denied, hedged and out-of-scope
    statements left out."""
    owned: dict[int, list[tuple[City, str | None]]] = {i: [] for i in range(len(found))}
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
            index = min(near)[1]
            owned[index].append((city, city_type(text, city, found[index], mentions, compiled)))
    kept = []
    for index, statement in enumerate(found):
        begin = max(sentence.start, min(statement.verb.start, statement.post.span.start) - CUE_CHARS)
        after = re.match(r"(?:\W+\w+){0,2}", text[statement.verb.end : sentence.end])
        end = max(statement.verb.end + (after.end() if after else 0), statement.post.span.end)
        window = fold(text[begin:end])
        if compiled["denied"].search(window) or compiled["out"].search(window):
            continue
        kept.append(replace(statement, cities=tuple(owned[index])))
    return kept


def effective_of(
    statement: Statement, periods: list[Period], following: int, published: dt.date | None
) -> str | None:
    """The time a change takes effect: the first time written inside it ('wordt op 1 september
    gesloten'), else the first written just after it (before the next change), else the last
    written before it (not a day up to the publication, which dates the announcement)."""
    dated = [p for p in periods if p.precision != NOW and p.value]
    inside = [p for p in dated if statement.start <= p.span.start < statement.end]
    if inside:
        return inside[0].value
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
    statement: Statement,
    city: City,
    post_type: str | None,
    effective: str | None,
    sentence: Span,
    labels: dict[str, str],
) -> list[Change]:
    """The changes of one city: an opening or a closure, or for a change of type (an upgrade) the
    closure of the old post and the opening of the new one."""
    if statement.kind != "upgrade" or statement.target is None:
        return [Change(statement.kind, city, post_type, effective, sentence)]
    new = statement.target.code
    old_label, new_label = labels.get(post_type or "", "post"), labels.get(new or "", "post")
    return [
        Change("close", city, post_type, effective, sentence, f"change of type: {old_label} to {new_label}"),
        Change(
            "open", city, new, effective, sentence, f"change of type: {new_label} in place of the {old_label}"
        ),
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
            if not any(True for _ in find_verbs(sentence, table)):
                continue
            periods = find_periods(text, sentence, change_patterns(table)["table"], published)
            stated = statements(text, sentence, table, post_types, places, periods)
            for index, statement in enumerate(stated):
                if not statement.cities:
                    if any(s.cities for s in stated) or (warnings and warnings[-1][2] == sentence):
                        continue  # one warning a sentence, none beside a change with its city
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
                for city, post_type in statement.cities:
                    for change in changes_of(statement, city, post_type, effective, sentence, labels):
                        found.setdefault((change.change, change.city.name), change)
    return list(found.values()), warnings
