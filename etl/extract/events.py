"""Events of a known series: dates, place, participants, participant groups and themes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from etl.extract.dates import DateRange, find_date_ranges
from etl.extract.quantities import alternation, amount_pattern, to_amount
from etl.extract.text import Span, fold, split_list


@dataclass
class Event:
    """An event found in an article, with the spans that state each of its facts."""

    series: dict[str, Any]
    name: Span
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
    def id(self) -> str:
        """Identifier: the series code and the edition's year."""
        year = self.dates.first.year if self.dates.first else "undated"
        return f"{self.series['code'].replace('_', '-')}-{year}"


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


def find_event(
    text: str,
    paragraph: list[Span],
    table: dict[str, Any],
    reference: Any,
    context_year: int | None,
) -> Event | None:
    """The event of a series stated in a paragraph: a sentence naming the series and its dates."""
    for index, sentence in enumerate(paragraph):
        named = find_series(sentence, table["language"], reference.series)
        if not named:
            continue
        dated: list[DateRange] = []
        for candidate in paragraph[index : index + 2]:
            dated = [d for d in find_date_ranges(text, candidate, table, context_year) if d.first]
            if dated:
                break
        if not dated:
            continue
        dated.sort(key=lambda d: d.first == d.last)
        event = Event(named[0], named[1], dated[0], sentence, sentence)
        event.city = find_place([sentence, *paragraph], reference.cities)
        event.venue = find_place([sentence, *paragraph], reference.venues)
        if event.city is None and event.venue is not None:
            event.city = next((c for c in reference.cities if c["name"] == event.venue["city"]), None)
        for later in paragraph[index:]:
            if find_participants(event, later, table):
                event.evidence = Span(sentence.start, later.end, text[sentence.start : later.end])
                break
        return event
    return None
