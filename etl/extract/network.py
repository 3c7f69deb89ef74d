"""Belgium's network as an article states it: counts of posts by type and stated totals, each
dated, grouped into snapshots (one per date), and each total checked against its parts.

A count's date is the time its own words give (in its clause or sentence, earlier in its
paragraph, or in the introduction, caption or heading of its list or table). A time well before
the publication ("In 2010 …") makes a past snapshot of its own. Every other count belongs to the
current snapshot, dated by the first current time the counts give, else the publication date,
else the month of the event the article reports. A total may come before or after its parts; the
sum of the parts counts every type, the six main ones and the others."""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Any

from etl.extract.counting import (
    REASONS,
    Count,
    anaphoric_count,
    clauses,
    comparison_counts,
    find_counts,
    in_scope,
    patterns,
)
from etl.extract.numbers import EXACT, Number, find_numbers
from etl.extract.periods import NOW, Period, find_periods
from etl.extract.post_mentions import TOTAL, TypeMention, find_type_mentions, find_unlisted_mentions
from etl.extract.text import Block, Span, fold

PAST_DAYS = 365
CUE_CONFIDENCE = 0.85
CONFIDENCE_THRESHOLD = 0.8
CELL = "|"
DIGIT = re.compile(r"\d")
# A time dates the count just before it when written within so many characters of it ('89 in 2013').
AFTER_PERIOD_CHARS = 25
# A number counts a type only this near it (the longest link, with its qualifier and modifiers).
WINDOW_BEFORE = 60
WINDOW_AFTER = 120


@dataclass(frozen=True)
class Passage:
    """A block of the article as the network is read in it: its sentences, its language table,
    and the texts around it that may scope or date it (list introduction, caption, heading)."""

    block: Block
    sentences: list[Span]
    table: dict[str, Any]
    context: list[Span] = field(default_factory=list)
    # Texts that may say a count is Belgium's network but never date it (a heading's section).
    scope: list[Span] = field(default_factory=list)


@dataclass(frozen=True)
class Dated:
    """A count with the time its own words give (None when they give none)."""

    count: Count
    period: Period | None


@dataclass(frozen=True)
class PostCount:
    """A number of posts of one type at a date, with the span that states it."""

    post_type: str
    typology: str
    count: int
    span: Span
    as_of: str
    basis: str
    confidence: float
    written: str | None = None  # the words of a type the lexicon does not know


@dataclass(frozen=True)
class PostTotal:
    """A total number of posts that the source states at a date, and the sum of its parts."""

    total: int
    span: Span
    as_of: str
    typology: str
    parts_sum: int | None
    confidence: float

    @property
    def consistent(self) -> bool | None:
        """Whether the total equals the sum of its parts (None without parts)."""
        return None if self.parts_sum is None else self.total == self.parts_sum


@dataclass
class Network:
    """The counts and stated totals of an article, and what the reading warns about."""

    counts: list[PostCount] = field(default_factory=list)
    totals: list[PostTotal] = field(default_factory=list)
    warnings: list[tuple[str, str, Span | None]] = field(default_factory=list)


def cued_totals(
    text: str, clause: Span, numbers: list[Number], counts: list[Count], table: dict[str, Any], row: bool
) -> list[Count]:
    """Totals stated by a cue rather than by a word for posts: 'a total of 118', 'au total, 116',
    a table row 'Total | 117'. The number must end its clause or phrase (so 'a total of 3,000
    staff' is no total of posts)."""
    used = {c.number.start for c in counts}
    found = []
    compiled = patterns(table)
    for number in numbers:
        if (
            number.start in used
            or number.year
            or number.ordinal
            or not (clause.start <= number.start < clause.end)
        ):
            continue
        before = fold(text[clause.start : number.start])
        after = fold(text[number.end : clause.end])
        if row:
            label = re.sub(r"[^\w ]", "", before.split(CELL)[0]).strip()
            if label in compiled["total_words"] and CELL in before:
                found.append(
                    cue_count(text, number, Span(clause.start, number.end, text[clause.start : number.end]))
                )
            continue
        ends = re.match(r"^\s*(?:[.,;:)]|$)", after) is not None
        cue_before = compiled["total_before"].search(before)
        cue_after = compiled["total_after"].match(after)
        if cue_before and ends:
            start = clause.start + cue_before.start()
            found.append(cue_count(text, number, Span(start, number.end, text[start : number.end])))
        elif cue_after:
            end = number.end + cue_after.end()
            found.append(cue_count(text, number, Span(number.start, end, text[number.start : end])))
    return found


def cue_count(text: str, number: Number, evidence: Span) -> Count:
    """A stated total found by a cue, as a count of posts in general."""
    mention = TypeMention(evidence, TOTAL, "fps")
    return Count(
        number, mention, evidence, "cue", CUE_CONFIDENCE, None if number.qualifier == EXACT else "approximate"
    )


def windows(text: str, clause: Span, mentions: list[TypeMention], whole: bool) -> list[Span]:
    """The stretches of a clause where a number may count one of its types: around each mention
    (merged), or the whole clause when a total cue, a row or an anaphoric count may need it."""
    if whole or not mentions:
        return [clause]
    merged: list[list[int]] = []
    for mention in mentions:
        start = max(clause.start, mention.span.start - WINDOW_BEFORE)
        end = min(clause.end, mention.span.end + WINDOW_AFTER)
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [Span(start, end, text[start:end]) for start, end in merged]


def may_state_total(clause: Span, table: dict[str, Any]) -> bool:
    """Whether a clause without a word for a type of post may still state a total by a cue."""
    folded = fold(clause.text)
    return patterns(table)["total_cue_words"].search(folded) is not None


def nearest_period(periods: list[Period], offset: int) -> Period | None:
    """The period nearest to an offset: the last one before it, else the first one after it."""
    before = [p for p in periods if p.span.end <= offset]
    if before:
        return before[-1]
    after = [p for p in periods if p.span.start >= offset]
    return after[0] if after else None


def mentions_within(every: list[TypeMention], starts: list[int] | None, clause: Span) -> list[TypeMention]:
    """The mentions that lie inside a clause, found by bisection when they are in text order (starts:
    their starts then, else None): a long paragraph has many clauses and many mentions."""
    if starts is None:
        return [m for m in every if clause.start <= m.span.start and m.span.end <= clause.end]
    low, high = bisect.bisect_left(starts, clause.start), bisect.bisect_right(starts, clause.end)
    return [m for m in every[low:high] if m.span.end <= clause.end]


def last_named(every: list[TypeMention], starts: list[int] | None, clause: Span) -> TypeMention | None:
    """The last mention of a type (not a total) that ends before a clause begins, or None."""
    if starts is None:
        named = [m for m in every if m.span.end <= clause.start and not m.is_total]
        return named[-1] if named else None
    for mention in reversed(every[: bisect.bisect_left(starts, clause.start)]):
        if mention.span.end <= clause.start and not mention.is_total:
            return mention
    return None


def read_passage(
    text: str,
    passage: Passage,
    post_types: list[dict[str, Any]],
    published: dt.date | None,
    title: str | None,
) -> tuple[list[Dated], list[tuple[str, str, Span | None]]]:
    """The counts of one passage, dated by their own words, and warnings for those out of scope.
    'A diplomatic office' is a count only in a passage that also counts in numbers."""
    table, block = passage.table, passage.block
    row = block.group is not None
    previous: Count | None = None
    found: list[Dated] = []
    articles: list[Dated] = []
    warnings: list[tuple[str, str, Span | None]] = []
    periods: dict[Span, list[Period]] = {}
    every = find_type_mentions(block.span, table, post_types)
    if any(not m.is_total for m in every):  # in an enumeration of types, a type nobody listed counts too
        ends = [n.numeral.end for n in find_numbers(text, block.span, table) if not n.year]
        every = sorted(
            [*every, *find_unlisted_mentions(block.span, ends, every, table)], key=lambda m: m.span.start
        )
    cued = may_state_total(block.span, table)
    starts_of: list[int] | None = [m.span.start for m in every]
    if starts_of != sorted(starts_of or []):
        starts_of = None  # not in text order: looked through one by one
    if not every and not cued and not row:
        return found, warnings  # no word for posts and no total cue: nothing to count
    for index, sentence in enumerate(passage.sentences):
        for clause in clauses(sentence, table):
            mentions = mentions_within(every, starts_of, clause)
            if not mentions and not (row or every or (cued and may_state_total(clause, table))):
                continue
            numbers = [
                n
                for w in windows(text, clause, mentions, row or not mentions)
                for n in find_numbers(text, w, table)
            ]
            if not numbers:
                continue
            counts = find_counts(text, clause, numbers, mentions, table, row) if mentions else []
            counts += comparison_counts(text, clause, numbers, counts, table)
            counts += cued_totals(text, clause, numbers, counts, table, row)
            antecedent = previous.mention if previous is not None else last_named(every, starts_of, clause)
            if not counts and antecedent is not None:
                anaphoric = anaphoric_count(text, clause, numbers, antecedent, table)
                counts = [anaphoric] if anaphoric is not None else []
            if not counts:
                continue
            around = [clause, sentence, block.span, *passage.context, *passage.scope]
            scoped = in_scope([*(s.text for s in around), block.section or "", title or ""], table)
            starts = sorted(c.span.start for c in counts)
            for count in counts:
                if count.excluded is None and not scoped:
                    count = replace(count, excluded="scope", cue=None)
                dated = Dated(count, date_of(text, count, passage, index, clause, starts, published, periods))
                if count.excluded == "article":
                    articles.append(dated)
                    continue
                if count.excluded is not None:
                    reason = REASONS[count.excluded]
                    warnings.append(
                        ("post_counts", f"'{count.span.text}' not published as a count: {reason}", count.span)
                    )
                    continue
                if not count.mention.is_total:
                    previous = count
                found.append(dated)
    if any(not d.count.mention.is_total for d in found):
        found += [Dated(replace(d.count, excluded=None), d.period) for d in articles]
    return found, warnings


def date_of(
    text: str,
    count: Count,
    passage: Passage,
    index: int,
    clause: Span,
    starts: list[int],
    published: dt.date | None,
    cache: dict[Span, list[Period]],
) -> Period | None:
    """The time a count's own words give: one written right after it ('89 in 2013'), else one
    written before the first count of its clause ('In 2010, Belgium had 91 embassies and 24
    consulates general'), else the last of an earlier sentence of its paragraph, else the last of
    its list's introduction, caption or heading (starts: where the clause's counts start; cache: the
    periods of the passage's sentences, each read once)."""

    def periods_of(span: Span) -> list[Period]:
        if span not in cache:
            cache[span] = find_periods(text, span, passage.table, published)
        return cache[span]

    own = periods_of(passage.sentences[index])
    following = [p for p in own if p.span.start >= count.span.end and p.span.end <= clause.end]
    if following:
        nearest = following[0]
        between = text[count.span.end : nearest.span.start]
        later = [s for s in starts if count.span.end <= s < nearest.span.start]
        if not later and not DIGIT.search(between) and len(between) <= AFTER_PERIOD_CHARS:
            return nearest
    leading = [p for p in own if p.span.end <= starts[0] and p.span.start >= clause.start]
    if leading:
        return leading[-1]
    earlier = [p for p in own if p.span.end <= clause.start]
    if earlier:
        return earlier[-1]
    for number in range(index - 1, -1, -1):
        sentence = passage.sentences[number]
        # a time carries on only when it opens its sentence ('In 2010, …'), not after a number ('89 in 2013')
        carried = [p for p in periods_of(sentence) if not DIGIT.search(text[sentence.start : p.span.start])]
        if carried:
            return carried[-1]
    context = [p for c in passage.context for p in periods_of(c)]
    return context[-1] if context else None


def is_past(period: Period, reference: dt.date | None) -> bool:
    """Whether a period ends well before the reference date (the publication, else the event)."""
    last = period.last_day()
    return reference is not None and last is not None and (reference - last).days > PAST_DAYS


def find_network(
    text: str,
    passages: list[Passage],
    post_types: list[dict[str, Any]],
    published: dt.date | None,
    event: dt.date | None,
    title: str | None,
) -> Network:
    """The dated counts and stated totals of an article, one snapshot per date."""
    network = Network()
    dated: list[Dated] = []
    for passage in passages:
        found, warnings = read_passage(text, passage, post_types, published, title)
        if passage.block.kind == "heading":  # a heading's counts are the body's; its total counts
            found, warnings = [d for d in found if d.count.mention.is_total], []
        dated += found
        network.warnings += warnings
    if not dated:
        return network
    reference = published or event
    current = next(
        (d.period for d in dated if d.period and d.period.value and not is_past(d.period, reference)), None
    )
    if current is not None:
        current_date, basis = str(current.value), "stated"
    elif published is not None:
        current_date, basis = published.isoformat(), "published"
    elif event is not None:
        current_date, basis = event.isoformat()[:7], "event"
        network.warnings.append(
            (
                "post_counts.as_of",
                "publication date unknown; as_of is the month of the event the article reports "
                f"({current_date})",
                dated[0].count.span,
            )
        )
    else:
        for item in dated:
            network.warnings.append(
                (
                    "post_counts.as_of",
                    "post counts whose date is unknown (no date in the text, no publication or event "
                    "date); not published",
                    item.count.span,
                )
            )
        return network
    snapshots: dict[str, list[tuple[Dated, str]]] = {}
    for item in dated:
        period = item.period
        if period is not None and period.precision != NOW and period.value and is_past(period, reference):
            snapshots.setdefault(period.value, []).append((item, "stated"))
        else:
            snapshots.setdefault(current_date, []).append((item, basis))
    for as_of, items in snapshots.items():
        add_snapshot(network, as_of, items)
    return network


def add_snapshot(network: Network, as_of: str, items: list[tuple[Dated, str]]) -> None:
    """The counts and the stated total of one snapshot: one count per type (a second, different
    one is warned about and left out) and the first stated total, checked against the parts."""
    parts: dict[str, PostCount] = {}
    totals: list[Count] = []
    for item, basis in sorted(items, key=lambda i: i[0].count.span.start):
        count = item.count
        if count.mention.is_total:
            totals.append(count)
            continue
        code = str(count.mention.code)
        if code in parts:
            if parts[code].count != count.number.value:
                network.warnings.append(
                    (
                        "post_counts.count",
                        f"'{count.span.text}' gives another count of {code} for {as_of} than "
                        f"'{parts[code].span.text}'; the first is published",
                        count.span,
                    )
                )
            continue
        parts[code] = PostCount(
            code,
            count.mention.typology,
            count.number.value,
            count.span,
            as_of,
            basis,
            count.confidence,
            count.mention.written,
        )
        if count.mention.written is not None:
            network.warnings.append(
                (
                    "post_counts.post_type",
                    f"'{count.mention.written}' is a type of post the lexicon does not know "
                    f"(reference/post_types.yml); kept under its own code '{code}' with the words as written",
                    count.span,
                )
            )
    network.counts += parts.values()
    for row in parts.values():
        if row.confidence < CONFIDENCE_THRESHOLD:
            network.warnings.append(
                (
                    "post_counts.confidence",
                    f"'{row.span.text}' read as {row.count} {row.post_type} with low confidence "
                    f"({row.confidence})",
                    row.span,
                )
            )
    if not totals:
        return
    first = totals[0]
    for other in totals[1:]:
        if other.number.value != first.number.value:
            network.warnings.append(
                (
                    "post_totals.total",
                    f"'{other.span.text}' states another total for {as_of} than '{first.span.text}'; "
                    "the first is published",
                    other.span,
                )
            )
    parts_sum = sum(p.count for p in parts.values()) if parts else None
    total = PostTotal(first.number.value, first.span, as_of, "fps", parts_sum, first.confidence)
    if total.consistent is False:
        network.warnings.append(
            (
                "post_totals.total",
                f"stated total {total.total} differs from the sum of its parts ({parts_sum}); "
                "published as stated and flagged",
                first.span,
            )
        )
    network.totals.append(total)
