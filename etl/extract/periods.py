"""The times a text dates a fact to: a day ("On 1 January 2022", "au 1er juin 2021"), a month ("in
March 2019"), a part of a year ("fin 2014" → 2014-12, "begin 2020" → 2020-01, "in the spring of
2019" → 2019), a year ("In 2010"), a year counted from the publication ("ten years ago", "eind
vorig jaar"), or now ("today", "momenteel", "aujourd'hui"). Values are ISO dates at the precision
the text gives (YYYY, YYYY-MM or YYYY-MM-DD)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from etl.extract.dates import find_date_ranges
from etl.extract.numbers import find_numbers
from etl.extract.text import Span, alternation, memo

NOW = "now"
YEAR = r"(?P<year>(?:1[89]|20)\d{2})(?!\d)"
N_PLACE = "{n}"
PERIOD_MONTHS = {"start": 1, "end": 12}


@dataclass(frozen=True)
class Period:
    """A time a text names: its span, its value (None for now) and its precision."""

    span: Span
    value: str | None
    precision: str  # day, month, year or now

    def last_day(self) -> dt.date | None:
        """The last day of the period (None for now)."""
        if self.value is None:
            return None
        parts = [int(p) for p in self.value.split("-")]
        if len(parts) == 3:
            return dt.date(*parts)
        if len(parts) == 2:
            return dt.date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
        return dt.date(parts[0], 12, 31)


def period_regexes(table: dict[str, Any]) -> dict[str, re.Pattern[str]]:
    """The compiled patterns of the period expressions of a language (built once per table)."""
    return memo(table, "period_regexes", lambda: build_period_regexes(table))


def build_period_regexes(table: dict[str, Any]) -> dict[str, re.Pattern[str]]:
    """Build period_regexes (memoised by period_regexes)."""
    months = alternation(table["months"])
    markers = {kind: alternation(words) for kind, words in table["period_markers"].items() if words}
    found = {
        "month": re.compile(
            rf"(?<!\w)(?:(?:{alternation(table['year_prepositions'])})\s+)?(?P<month>{months})\s+{YEAR}", re.I
        ),
        "season": re.compile(
            rf"(?<!\w)(?:{alternation(table['seasons'])})\s+(?:(?:of|van|de|d')\s*)?{YEAR}", re.I
        ),
        "year": re.compile(rf"(?<!\w)(?:{alternation(table['year_prepositions'])})\s+{YEAR}", re.I),
        "now": re.compile(rf"(?<!\w)(?:{alternation(table['now_words'])})(?!\w)", re.I),
    }
    for kind, words in markers.items():
        found[f"marker_{kind}"] = re.compile(rf"(?<!\w)(?:{words})[\s-]+{YEAR}", re.I)
    for template, offset in table["relative_years"].items():
        for kind, words in [("", ""), *markers.items()]:
            phrase = rf"(?:{words})\s+{re.escape(template)}" if words else re.escape(template)
            found[f"relative_{kind}_{offset}_{template}"] = re.compile(rf"(?<!\w){phrase}(?!\w)", re.I)
    ago = [
        re.escape(t).replace(re.escape(N_PLACE), r"(?P<n>[\w-]+(?:\s[\w-]+)?)") for t in table["years_ago"]
    ]
    if ago:
        found["ago"] = re.compile(rf"(?<!\w)(?:{'|'.join(ago)})(?!\w)", re.I)
    return found


def find_periods(text: str, span: Span, table: dict[str, Any], published: dt.date | None) -> list[Period]:
    """Every time a span of text dates something to, in order, without overlaps (the most precise
    first). Times counted from the publication are left out when it is unknown."""
    candidates: list[tuple[int, int, str | None, str]] = []
    for days in find_date_ranges(text, span, table, published):
        # a day without a year ('on 1 January') is taken nearest the publication
        if days.first is not None and days.first == days.last:
            candidates.append((days.span.start, days.span.end, days.first.isoformat(), "day"))
    for name, regex in period_regexes(table).items():
        for match in regex.finditer(span.text):
            read = period_value(name, match, table, published, text, span)
            if read is not None:
                candidates.append((span.start + match.start(), span.start + match.end(), *read))
    found: list[Period] = []
    for start, end, value, precision in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
        if all(end <= p.span.start or start >= p.span.end for p in found):
            found.append(Period(Span(start, end, text[start:end]), value, precision))
    return sorted(found, key=lambda p: p.span.start)


def period_value(
    name: str, match: re.Match[str], table: dict[str, Any], published: dt.date | None, text: str, span: Span
) -> tuple[str | None, str] | None:
    """The value and precision of a match of one of the period patterns, or None."""
    groups = match.groupdict()
    if name == "now":
        return None, NOW
    if name == "month":
        return f"{groups['year']}-{table['months'][groups['month'].lower()]:02d}", "month"
    if name in ("season", "year"):
        return groups["year"], "year"
    if name.startswith("marker_"):
        month = PERIOD_MONTHS.get(name.removeprefix("marker_"))
        return (f"{groups['year']}-{month:02d}", "month") if month else (groups["year"], "year")
    if published is None:
        return None
    if name.startswith("relative_"):
        _, kind, offset, _ = name.split("_", 3)
        year = published.year + int(offset)
        month = PERIOD_MONTHS.get(kind)
        return (f"{year}-{month:02d}", "month") if month else (str(year), "year")
    if name == "ago":
        written = Span(span.start + match.start("n"), span.start + match.end("n"), match.group("n"))
        numbers = [n for n in find_numbers(text, written, table) if n.span == written or n.numeral == written]
        if numbers:
            return str(published.year - numbers[0].value), "year"
    return None
