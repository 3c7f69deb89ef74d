"""Dates and date ranges written in words ("from Monday 3 to Friday 7 February 2025")."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from etl.extract.text import Span, alternation, memo

MAX_TIMED_DAYS = 14
DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class DateRange:
    """A range of days found in a text (a single day has first == last), with warnings."""

    span: Span
    first: dt.date | None
    last: dt.date | None
    warnings: tuple[str, ...] = ()


def day_pattern(n: int, months: str, weekdays: str, suffixes: str, links: str) -> str:
    """Regex for one day: optional weekday, day number, optional month and year."""
    link = rf"(?:(?:{links})\s+)?" if links else ""
    return (
        rf"(?:(?P<wd{n}>{weekdays})\s+)?(?:the\s+)?(?P<d{n}>\d{{1,2}})(?:{suffixes})?"
        rf"(?:\s+{link}(?P<m{n}>{months}))?(?:\s+(?P<y{n}>\d{{4}}))?"
    )


def month_day_pattern(n: int, months: str, weekdays: str, suffixes: str, month_required: bool) -> str:
    """Regex for one day written month first ('June 30', 'Monday, June 30, 2024')."""
    month = rf"(?P<m{n}>{months})\s+" if month_required else rf"(?:(?P<m{n}>{months})\s+)?"
    return (
        rf"(?:(?P<wd{n}>{weekdays}),?\s+)?{month}(?P<d{n}>\d{{1,2}})(?:{suffixes})?(?!\d)"
        rf"(?:,?\s+(?P<y{n}>\d{{4}}))?"
    )


def range_regex(table: dict[str, Any]) -> re.Pattern[str]:
    """Regex for a date range or a single date in one language (re caches the compilation)."""
    return memo(table, "range_regex", lambda: build_range_regex(table))


def build_range_regex(table: dict[str, Any]) -> re.Pattern[str]:
    """Build range_regex (memoised by range_regex)."""
    months = alternation(table["months"])
    weekdays = alternation(table["weekdays"])
    suffixes = alternation(table["ordinal_suffixes"])
    links = alternation(table["day_month_links"])
    first = day_pattern(1, months, weekdays, suffixes, links)
    last = day_pattern(2, months, weekdays, suffixes, links)
    openers = alternation(table["range_openers"])
    connectors = alternation(table["range_connectors"])
    pattern = rf"\b(?:(?:{openers})\s+)?{first}(?:\s*(?:{connectors})\s*{last})?\b"
    return re.compile(pattern, re.IGNORECASE)


def month_first_regex(table: dict[str, Any]) -> re.Pattern[str] | None:
    """Regex for a date range or a single date written month first, in a language that writes
    them so (`date_orders` holds month_day), else None."""
    if "month_day" not in table["date_orders"]:
        return None
    return memo(table, "month_first_regex", lambda: build_month_first_regex(table))


def build_month_first_regex(table: dict[str, Any]) -> re.Pattern[str]:
    """Build month_first_regex (memoised by month_first_regex)."""
    months = alternation(table["months"])
    weekdays = alternation(table["weekdays"])
    suffixes = alternation(table["ordinal_suffixes"])
    first = month_day_pattern(1, months, weekdays, suffixes, True)
    last = month_day_pattern(2, months, weekdays, suffixes, False)
    openers = alternation(table["range_openers"])
    connectors = alternation(table["range_connectors"])
    pattern = rf"\b(?:(?:{openers})\s+)?{first}(?:\s*(?:{connectors})\s*{last})?\b"
    return re.compile(pattern, re.IGNORECASE)


def date_matches(span: Span, table: dict[str, Any]) -> list[re.Match[str]]:
    """The dates written in a span in the language's orders, without overlaps (the longer first);
    a month written first is a month only when capitalised ('June 30', never 'may 3')."""
    found = [m for m in range_regex(table).finditer(span.text) if m.group("m1") or m.group("m2")]
    month_first = month_first_regex(table)
    if month_first is not None:
        found += [m for m in month_first.finditer(span.text) if m.group("m1")[:1].isupper()]
    kept: list[re.Match[str]] = []
    for match in sorted(found, key=lambda m: (-(m.end() - m.start()), m.start())):
        if all(match.end() <= k.start() or match.start() >= k.end() for k in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start())


def build_date(
    day: str, month: str | None, year: str | None, table: dict[str, Any]
) -> tuple[int, int | None, int | None]:
    """Day, month number and year of a matched day (month or year None when not written)."""
    month_number = table["months"][month.lower()] if month else None
    return int(day), month_number, int(year) if year else None


def safe_date(year: int | None, month: int | None, day: int) -> dt.date | None:
    """A date, or None when a part is missing or the day does not exist."""
    if year is None or month is None:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def nearest_year(day: int, month: int | None, context: dt.date) -> int:
    """The year of a day written without one: the year that puts it nearest to the context date
    (the publication), so that 'Monday 9 January' in an article of 22 December is next January."""
    if month is None:
        return context.year
    candidates = [y for y in (context.year - 1, context.year, context.year + 1) if safe_date(y, month, day)]
    return min(candidates, key=lambda y: abs((dt.date(y, month, day) - context).days), default=context.year)


def find_date_ranges(
    text: str, span: Span, table: dict[str, Any], context_year: int | dt.date | None = None
) -> list[DateRange]:
    """Every date or date range in a span; a missing year comes from context (a year, or a date
    such as the publication, to which the day is taken nearest), with a warning."""
    if DIGIT.search(span.text) is None:
        return []  # every date this reads has a day number
    return list(read_date_ranges(text, span, table, context_year))


def read_date_ranges(
    text: str, span: Span, table: dict[str, Any], context_year: int | dt.date | None
) -> list[DateRange]:
    """The date ranges of find_date_ranges, in a span that holds a digit."""
    found = []
    for match in date_matches(span, table):
        groups = match.groupdict()
        warnings: list[str] = []
        d1, m1, y1 = build_date(groups["d1"], groups["m1"], groups["y1"], table)
        if groups["d2"]:
            d2, m2, y2 = build_date(groups["d2"], groups["m2"], groups["y2"], table)
        else:
            d2, m2, y2 = d1, m1, y1
        m1, m2 = m1 or m2, m2 or m1
        context = context_year
        if isinstance(context, dt.date):
            context = nearest_year(d1, m1, context)
        year = y2 or y1 or context
        if year is None:
            warnings.append(f"date '{match.group(0)}' has no year; left empty")
        elif not (y1 or y2):
            warnings.append(f"date '{match.group(0)}' has no year; {year} taken from context")
        crosses = bool(m1 and m2 and m1 > m2)
        if y2 or y1:  # a written year ends (or starts) the range
            y2 = y2 or (y1 + 1 if y1 and crosses else y1)
            y1 = y1 or (y2 - 1 if y2 and crosses else y2)
        else:  # the year of the context starts the range
            y1 = year
            y2 = year + 1 if year and crosses else year
        first, last = safe_date(y1, m1, d1), safe_date(y2, m2, d2)
        for weekday, day in ((groups["wd1"], first), (groups["wd2"], last)):
            if weekday and day and table["weekdays"][weekday.lower()] != day.isoweekday():
                warnings.append(
                    f"weekday '{weekday}' contradicts {day.isoformat()} "
                    f"(a {day.strftime('%A')}); the date is kept as written"
                )
        if first and last and last < first:
            warnings.append(f"range '{match.group(0)}' ends before it starts; left empty")
            first = last = None
        start = span.start + match.start()
        found.append(
            DateRange(Span(start, start + len(match.group(0)), match.group(0)), first, last, tuple(warnings))
        )
    return found


def timed_regex(table: dict[str, Any]) -> re.Pattern[str]:
    """Regex of days named by their weekday alone, one or a range ('From Monday to Friday')."""
    return memo(table, "timed_regex", lambda: build_timed_regex(table))


def build_timed_regex(table: dict[str, Any]) -> re.Pattern[str]:
    """Build timed_regex (memoised by timed_regex)."""
    weekdays = alternation(table["weekdays"])
    openers = alternation(table["range_openers"])
    connectors = alternation(table["range_connectors"])
    return re.compile(
        rf"\b(?:(?:{openers})\s+)?(?P<w1>{weekdays})(?:\s*(?:{connectors})\s*(?P<w2>{weekdays}))?\b",
        re.IGNORECASE,
    )


def find_timed_ranges(
    text: str, span: Span, table: dict[str, Any], times: dict[int, dt.date]
) -> list[DateRange]:
    """Days written as weekdays whose dates the page gives (<time datetime>): 'From <time
    2018-08-27>Monday</time> to <time 2018-08-31>Friday</time>'."""
    timed: list[tuple[Span, dt.date, dt.date]] = []
    for match in timed_regex(table).finditer(span.text):
        first = times.get(span.start + match.start("w1"))
        last = times.get(span.start + match.start("w2")) if match.group("w2") else first
        if first is None or last is None or last < first:
            continue
        start = span.start + match.start()
        timed.append((Span(start, start + len(match.group(0)), match.group(0)), first, last))
    ranges = [DateRange(s, first, last) for s, first, last in timed if first != last]
    if not ranges and len(timed) >= 2 and 0 < (timed[-1][1] - timed[0][1]).days <= MAX_TIMED_DAYS:
        # 'se sont ouvertes lundi … et se clôturent ce vendredi': the first and the last dated day.
        start, end = timed[0][0].start, timed[-1][0].end
        ranges = [DateRange(Span(start, end, text[start:end]), timed[0][1], timed[-1][1])]
    return ranges or [DateRange(s, first, last) for s, first, last in timed]


def parse_date(text: str, table: dict[str, Any]) -> dt.date | None:
    """A single date written in words or as ISO 8601, or None."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        pass
    ranges = find_date_ranges(text, Span(0, len(text), text), table)
    return ranges[0].first if ranges and ranges[0].first == ranges[0].last else None
