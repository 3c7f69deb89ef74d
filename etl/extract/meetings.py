"""The events an article reports, as rows: each event of a known series or dated meeting with its
place, participants, groups, themes and speakers; a series reported without its dates; and every
weekday that contradicts its date, wherever in the article it is written."""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from etl.extract.dates import find_date_ranges
from etl.extract.events import Event, find_event, find_themes, find_undated_event, locate_venue
from etl.extract.facts import Row, event_rows, speaker_rows
from etl.extract.people import Mention
from etl.extract.text import Span, alternation, fold, memo


@dataclass
class Meetings:
    """The events of an article, the sentences that say someone spoke, and the weekday warnings."""

    events: list[Event] = field(default_factory=list)
    themes: list[Span] = field(default_factory=list)
    speaking: list[Span] = field(default_factory=list)
    weekday_warnings: list[tuple[str, Span]] = field(default_factory=list)


def speaking(sentence: Span, table: dict[str, Any]) -> bool:
    """Whether a sentence says that someone spoke (explained, addressed, took the floor…)."""
    cues = memo(
        table,
        "speaking_cues",
        lambda: re.compile(rf"\b(?:{alternation(fold(c) for c in table['speaking_cues'])})\b"),
    )
    return cues.search(fold(sentence.text)) is not None


def find_meetings(
    body: str,
    paragraphs: list[tuple[list[Span], dict[str, Any]]],
    reference: Any,
    year: int | dt.date | None,
    times: dict[int, dt.date],
) -> Meetings:
    """The events of an article's paragraphs (sentences with their language table): one per
    identifier, the venue looked for in the whole article when there is one event."""
    found = Meetings()
    seen: set[str] = set()
    for sentences, table in paragraphs:
        event = find_event(body, sentences, table, reference, year, times)
        if event is not None and event.identifier("") not in seen:
            seen.add(event.identifier(""))
            found.events.append(event)
    if not found.events:
        undated = find_undated_event(body, paragraphs, reference)
        if undated is not None:
            found.events.append(undated)
    every = [s for sentences, _ in paragraphs for s in sentences]
    if len(found.events) == 1 and found.events[0].venue is None:
        locate_venue(found.events[0], every, reference)
    found.themes = [t for sentences, table in paragraphs for s in sentences for t in find_themes(s, table)]
    found.speaking = [s for sentences, table in paragraphs for s in sentences if speaking(s, table)]
    reported = {w for e in found.events for w in e.dates.warnings}
    for sentences, table in paragraphs:
        for sentence in sentences:
            for days in find_date_ranges(body, sentence, table, year):
                for message in days.warnings:
                    if "contradicts" in message and message not in reported:
                        reported.add(message)
                        found.weekday_warnings.append((message, days.span))
    return found


def within(offset: int, spans: list[Span], starts: list[int]) -> bool:
    """Whether an offset falls inside one of some sorted spans (starts: their start offsets)."""
    index = bisect.bisect_right(starts, offset) - 1
    return index >= 0 and spans[index].start <= offset < spans[index].end


def meeting_rows(
    source: str, body: str, meetings: Meetings, mentions: list[Mention], warnings: list[Row]
) -> dict[str, list[Row]]:
    """The rows of the events, their participant groups, themes and speakers (the themes and
    speakers only when the article reports one event)."""
    facts: dict[str, list[Row]] = {
        "events": [],
        "event_participant_groups": [],
        "event_themes": [],
        "event_speakers": [],
    }
    if len(meetings.events) == 1:
        only = meetings.events[0]
        only.themes = meetings.themes
        starts = [s.start for s in meetings.speaking]
        spoke = [m for m in mentions if m.role and within(m.name.start, meetings.speaking, starts)]
        facts["event_speakers"] = speaker_rows(source, body, only, spoke)
    for event in meetings.events:
        for key, rows in event_rows(source, event, warnings).items():
            facts[key].extend(rows)
    return facts
