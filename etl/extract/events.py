"""Events of a known series: dates, place, participants, participant groups and themes."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from etl.extract.dates import DateRange, find_date_ranges, find_timed_ranges
from etl.extract.numbers import find_numbers
from etl.extract.people import lexicon
from etl.extract.places import find_place, find_world_city
from etl.extract.text import Span, alternation, fold, memo, split_list


@dataclass
class Event:
    """An event found in an article, with the spans that state each of its facts."""

    series: dict[str, Any] | None
    name: Span | None
    dates: DateRange
    sentence: Span
    evidence: Span
    city: dict[str, Any] | None = None
    venue: dict[str, Any] | None = None
    participants: int | None = None
    qualifier: str | None = None
    groups: list[tuple[str, Span]] = field(default_factory=list)
    themes: list[Span] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        """How directly the article states the event: its series or noun with its dates in one
        sentence (1), dates from the next sentence or the page's time elements (0.9), no dates
        (0.8)."""
        if self.dates.first is None:
            return 0.8
        if self.dates.span.start >= self.sentence.end or not any(c.isdigit() for c in self.dates.span.text):
            return 0.9
        return 1.0

    def identifier(self, source: str) -> str:
        """Identifier: the series code and the edition's year, or the source and the first day."""
        first = self.dates.first
        if self.series is None:
            return f"{source}-{first.isoformat() if first else 'undated'}"
        return f"{self.series['code'].replace('_', '-')}-{first.year if first else 'undated'}"


def names_regex(names: list[str]) -> re.Pattern[str]:
    """A regex of any of some names as whole words, case-insensitive."""
    return re.compile(rf"\b(?:{alternation(names)})\b", re.I)


def find_series(
    sentence: Span, language: str, series: list[dict[str, Any]]
) -> tuple[dict[str, Any], Span] | None:
    """The first series named in a sentence, with the span of its name as written."""
    for entry in series:
        names = entry["names"].get(language, [])
        if not names:
            continue
        regex: re.Pattern[str] = memo(entry, f"names_{language}", functools.partial(names_regex, names))
        match = regex.search(sentence.text)
        if match:
            start = sentence.start + match.start()
            return entry, Span(start, sentence.start + match.end(), match.group(0))
    return None


def group_regex(table: dict[str, Any]) -> tuple[re.Pattern[str], dict[str, str]]:
    """Regex of a list of participant groups written right after a number ('heads of post',
    'ambassadeurs, consuls généraux et représentants permanents'), and the map from a written
    term to its group."""
    return memo(table, "group_regex", lambda: build_group_regex(table))


def build_group_regex(table: dict[str, Any]) -> tuple[re.Pattern[str], dict[str, str]]:
    """Build group_regex (memoised by group_regex)."""
    terms = {fold(t): g for g, ts in table["participant_groups"].items() for t in ts}
    term = alternation(t for ts in table["participant_groups"].values() for t in ts)
    modifiers = alternation(table["participant_modifiers"])
    joiners = alternation(j for j in table["list_joiners"] if j != ",")
    links = alternation(table["number_links"])
    link = rf"(?:(?:{links})\s*)?" if table["number_links"] else ""
    item = rf"(?:(?:{modifiers})\s+)?(?:{term})\b(?:\s+(?:{modifiers})\b)?"
    pattern = rf"\s+{link}(?P<groups>{item}(?:\s*(?:,|\s(?:{joiners}))\s*{item}){{0,8}})"
    return re.compile(pattern, re.IGNORECASE), terms


def find_participants(event: Event, text: str, sentence: Span, table: dict[str, Any]) -> bool:
    """Set an event's participants and groups from 'more than 110 ambassadors, …' in a sentence:
    the first number, not a year or an ordinal, followed by participant groups."""
    regex, terms = group_regex(table)
    terms_regex = memo(
        table,
        "group_terms",
        lambda: re.compile(
            rf"(?:{alternation(t for ts in table['participant_groups'].values() for t in ts)})\b", re.I
        ),
    )
    if terms_regex.search(sentence.text) is None:
        return False  # no group of participants named: no number of them
    for number in find_numbers(text, sentence, table):
        if number.year or number.ordinal:
            continue
        match = regex.match(text, number.end, sentence.end)
        if not match:
            continue
        event.participants, event.qualifier = number.value, number.qualifier
        for item in terms_regex.finditer(match.group("groups")):
            start = match.start("groups") + item.start()
            group = terms[fold(item.group(0))]
            if group not in (g for g, _ in event.groups):
                event.groups.append((group, Span(start, start + len(item.group(0)), item.group(0))))
        return True
    return False


def find_themes(sentence: Span, table: dict[str, Any]) -> list[Span]:
    """Themes listed after a marker such as 'the recurring themes were'."""
    regex = memo(
        table,
        "theme_markers",
        lambda: re.compile(rf"\b(?:{alternation(table['theme_markers'])})\s+(?P<list>[^.;:]+)", re.I),
    )
    match = regex.search(sentence.text)
    if not match:
        return []
    list_start = sentence.start + match.start("list")
    listed = Span(list_start, list_start + len(match.group("list")), match.group("list"))
    return split_list(listed, table["list_joiners"])


def locate(
    event: Event, sentence: Span, paragraph: list[Span], reference: Any, table: dict[str, Any]
) -> None:
    """Set an event's city and venue from the gazetteers: its sentence first, then its paragraph;
    a city of the world only when the project's gazetteer names none."""
    spans = [sentence, *paragraph]
    event.city = find_place(spans, reference.cities)
    event.venue = find_place(spans, reference.venues)
    if event.city is None and event.venue is not None:
        event.city = next((c for c in reference.cities if c["name"] == event.venue["city"]), None)
    if event.city is None:
        event.city = find_world_city(spans, table, never_words(table, reference))


def never_words(table: dict[str, Any], reference: Any) -> set[str]:
    """Words that are never a city's name on their own (portfolios, function words, months)."""
    return lexicon(table, reference).common


def locate_venue(event: Event, spans: list[Span], reference: Any) -> None:
    """Set an event's venue from anywhere in the article, and its city from the venue if unknown."""
    event.venue = find_place(spans, reference.venues)
    if event.city is None and event.venue is not None:
        event.city = next((c for c in reference.cities if c["name"] == event.venue["city"]), None)


def event_noun(spans: list[Span], table: dict[str, Any]) -> Span | None:
    """The first word naming a meeting ('conference', 'bijeenkomst', 'séminaire') in some spans."""
    pattern = memo(
        table, "event_nouns", lambda: re.compile(rf"\b(?:{alternation(table['event_nouns'])})\b", re.I)
    )
    for span in spans:
        found = pattern.search(span.text)
        if found:
            start = span.start + found.start()
            return Span(start, start + len(found.group(0)), found.group(0))
    return None


def next_meeting(sentence: Span, table: dict[str, Any]) -> Span | None:
    """The meeting noun of 'the next regional meeting', 'de volgende vergadering', 'la prochaine
    réunion' in a sentence (a word announcing the next of a series, at most two words before)."""
    pattern = memo(
        table,
        "next_meeting",
        lambda: re.compile(
            rf"\b(?:{alternation(table['next_cues'])})\s+(?:[\w-]+\s+){{0,2}}?"
            rf"(?P<noun>{alternation(table['event_nouns'])})\b",
            re.I,
        ),
    )
    found = pattern.search(sentence.text)
    if found is None:
        return None
    start = sentence.start + found.start("noun")
    return Span(start, start + len(found.group("noun")), found.group("noun"))


def dated(
    text: str, spans: list[Span], table: dict[str, Any], year: int | dt.date | None, times: dict[int, dt.date]
) -> list[DateRange]:
    """The dates of the first span that has any (written days, or weekdays the page dates), ranges
    before single days."""
    for span in spans:
        found = [d for d in find_date_ranges(text, span, table, year) if d.first]
        if times and any(span.start <= at < span.end for at in times):
            found += find_timed_ranges(text, span, table, times)
        if found:
            return sorted(found, key=lambda d: (d.first == d.last, d.span.start))
    return []


def edition_year(text: str, named: Span) -> int | None:
    """The year written right after (or before) an event's name: 'journées diplomatiques 2016'."""
    after = re.match(r"\s+((?:19|20)\d{2})(?!\d)", text[named.end : named.end + 6])
    before = re.search(r"(?<!\d)((?:19|20)\d{2})\s+$", text[max(0, named.start - 6) : named.start])
    found = after or before
    return int(found.group(1)) if found else None


def find_event(
    text: str,
    paragraph: list[Span],
    table: dict[str, Any],
    reference: Any,
    context_year: int | dt.date | None,
    times: dict[int, dt.date] | None = None,
) -> Event | None:
    """The event stated in a paragraph: a sentence naming a series with its dates, or else a dated
    sentence that counts its participants (in it or the next sentence), or else a sentence that
    names a meeting with its days and its city."""
    times = times or {}
    for index, sentence in enumerate(paragraph):
        named = find_series(sentence, table["language"], reference.series)
        if not named:
            continue
        year = edition_year(text, named[1]) or context_year
        days = dated(text, paragraph[index : index + 2], table, year, times)
        if days:
            event = Event(named[0], named[1], days[0], sentence, sentence)
            locate(event, sentence, paragraph, reference, table)
            for later in paragraph[index:]:
                if find_participants(event, text, later, table):
                    event.evidence = Span(sentence.start, later.end, text[sentence.start : later.end])
                    break
            return event
    nouns: list[Span | None] = []  # the paragraph's meeting noun, looked for once
    for index, sentence in enumerate(paragraph):
        days = dated(text, [sentence], table, context_year, times)
        if not days:
            continue
        nouns = nouns or [event_noun(paragraph, table)]
        event = Event(None, nouns[0], days[0], sentence, sentence)
        for later in paragraph[index : index + 2]:
            if find_participants(event, text, later, table):
                event.evidence = Span(sentence.start, later.end, text[sentence.start : later.end])
                locate(event, sentence, paragraph, reference, table)
                return event
    for sentence in paragraph:  # the next meeting of a series, announced with its days and place
        noun = next_meeting(sentence, table)
        days = dated(text, [sentence], table, context_year, times) if noun else []
        if days:
            event = Event(None, noun, days[0], sentence, sentence)
            locate(event, sentence, [], reference, table)
            if event.city is not None:
                return event
    return None


def find_undated_event(
    text: str, paragraphs: list[tuple[list[Span], dict[str, Any]]], reference: Any
) -> Event | None:
    """An event of a known series that the article reports without its dates ('the diplomatic
    contact days took place at the Egmont Palace'), unless only announced for later."""
    for sentences, table in paragraphs:
        future: re.Pattern[str] = memo(
            table, "future_cues", functools.partial(names_regex, [fold(w) for w in table["future_cues"]])
        )
        for sentence in sentences:
            named = find_series(sentence, table["language"], reference.series)
            if not named or future.search(fold(sentence.text)):
                continue
            event = Event(named[0], named[1], DateRange(named[1], None, None), sentence, sentence)
            locate(event, sentence, sentences, reference, table)
            for later in sentences[sentences.index(sentence) :]:
                if find_participants(event, text, later, table):
                    event.evidence = Span(sentence.start, later.end, text[sentence.start : later.end])
                    break
            return event
    return None
