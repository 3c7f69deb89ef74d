"""Events of a known series: dates, place, participants, participant groups and themes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from etl.extract.dates import DateRange, find_date_ranges
from etl.extract.quantities import amount_pattern, to_amount
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

    def identifier(self, source: str) -> str:
        """Identifier: the series code and the edition's year, or the source and the first day."""
        first = self.dates.first
        if self.series is None:
            return f"{source}-{first.isoformat() if first else 'undated'}"
        return f"{self.series['code'].replace('_', '-')}-{first.year if first else 'undated'}"


def find_series(
    sentence: Span, language: str, series: list[dict[str, Any]]
) -> tuple[dict[str, Any], Span] | None:
    """The first series named in a sentence, with the span of its name as written."""
    for entry in series:
        names = entry["names"].get(language, [])
        match = re.search(rf"\b(?:{alternation(names)})\b", sentence.text, re.IGNORECASE)
        if match:
            start = sentence.start + match.start()
            return entry, Span(start, sentence.start + match.end(), match.group(0))
    return None


def find_place(spans: list[Span], places: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first place of a gazetteer named in the first of the spans that names one."""
    for span in spans:
        for place in places:
            if re.search(rf"\b(?:{alternation(place['names'])})\b", span.text):
                return place
    return None


def group_regex(table: dict[str, Any]) -> tuple[re.Pattern[str], dict[str, str]]:
    """Regex for a list of participant groups, and the map from written term to group."""
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
    pattern = (
        rf"{amount_pattern(table)}\s+{link}(?P<groups>{item}"
        rf"(?:\s*(?:,|\s(?:{joiners}))\s*{item}){{0,8}})"
    )
    return re.compile(pattern, re.IGNORECASE), terms


def find_participants(event: Event, sentence: Span, table: dict[str, Any]) -> bool:
    """Set an event's participants and groups from 'more than 110 ambassadors, …' in a sentence."""
    regex, terms = group_regex(table)
    match = regex.search(sentence.text)
    if not match:
        return False
    amount = to_amount(match, sentence.start, table)
    event.participants, event.qualifier = amount.value, amount.qualifier
    term = alternation(t for ts in table["participant_groups"].values() for t in ts)
    groups_start = sentence.start + match.start("groups")
    for item in re.finditer(rf"(?:{term})\b", match.group("groups"), re.IGNORECASE):
        start = groups_start + item.start()
        group = terms[fold(item.group(0))]
        if group not in (g for g, _ in event.groups):
            event.groups.append((group, Span(start, start + len(item.group(0)), item.group(0))))
    return True


def find_themes(sentence: Span, table: dict[str, Any]) -> list[Span]:
    """Themes listed after a marker such as 'the recurring themes were'."""
    markers = alternation(table["theme_markers"])
    match = re.search(rf"\b(?:{markers})\s+(?P<list>[^.;:]+)", sentence.text, re.IGNORECASE)
    if not match:
        return []
    list_start = sentence.start + match.start("list")
    listed = Span(list_start, list_start + len(match.group("list")), match.group("list"))
    return split_list(listed, table["list_joiners"])


def locate(event: Event, sentence: Span, paragraph: list[Span], reference: Any) -> None:
    """Set an event's city and venue from the gazetteers: its sentence first, then its paragraph."""
    event.city = find_place([sentence, *paragraph], reference.cities)
    event.venue = find_place([sentence, *paragraph], reference.venues)
    if event.city is None and event.venue is not None:
        event.city = next((c for c in reference.cities if c["name"] == event.venue["city"]), None)


def locate_venue(event: Event, spans: list[Span], reference: Any) -> None:
    """Set an event's venue from anywhere in the article, and its city from the venue if unknown."""
    event.venue = find_place(spans, reference.venues)
    if event.city is None and event.venue is not None:
        event.city = next((c for c in reference.cities if c["name"] == event.venue["city"]), None)


def event_noun(spans: list[Span], table: dict[str, Any]) -> Span | None:
    """The first word naming a meeting ('conference', 'bijeenkomst', 'séminaire') in some spans."""
    pattern = re.compile(rf"\b(?:{alternation(table['event_nouns'])})\b", re.IGNORECASE)
    for span in spans:
        found = pattern.search(span.text)
        if found:
            start = span.start + found.start()
            return Span(start, start + len(found.group(0)), found.group(0))
    return None


def dated(text: str, spans: list[Span], table: dict[str, Any], year: int | None) -> list[DateRange]:
    """The dates of the first span that has any, ranges before single days."""
    for span in spans:
        found = [d for d in find_date_ranges(text, span, table, year) if d.first]
        if found:
            return sorted(found, key=lambda d: d.first == d.last)
    return []


def find_event(
    text: str,
    paragraph: list[Span],
    table: dict[str, Any],
    reference: Any,
    context_year: int | None,
) -> Event | None:
    """The event stated in a paragraph: a sentence naming a series with its dates, or else a dated
    sentence that counts its participants (in it or the next sentence)."""
    for index, sentence in enumerate(paragraph):
        named = find_series(sentence, table["language"], reference.series)
        days = dated(text, paragraph[index : index + 2], table, context_year) if named else []
        if named and days:
            event = Event(named[0], named[1], days[0], sentence, sentence)
            locate(event, sentence, paragraph, reference)
            for later in paragraph[index:]:
                if find_participants(event, later, table):
                    event.evidence = Span(sentence.start, later.end, text[sentence.start : later.end])
                    break
            return event
    for index, sentence in enumerate(paragraph):
        days = dated(text, [sentence], table, context_year)
        if not days:
            continue
        event = Event(None, event_noun(paragraph, table), days[0], sentence, sentence)
        for later in paragraph[index : index + 2]:
            if find_participants(event, later, table):
                event.evidence = Span(sentence.start, later.end, text[sentence.start : later.end])
                locate(event, sentence, paragraph, reference)
                return event
    return None
