"""Numbers linked to the type of post they count, inside a clause, and the scope of each count.

A number counts a type when the two stand together in one of a few constructions, whatever the
language: the number before the type ("85 embassies", "eighteen consulates general"), with only
modifiers or a partitive between ("Eighty-five of them are embassies"); or the type before the
number with a link between ("ambassades: 84", "les ambassades, au nombre de quatre-vingt-trois",
"het aantal ambassades bedraagt 84"), as in the rows of lists and tables. A count is then put out
of scope, with the reason, when its clause is about something else than Belgium's own network
abroad: foreign posts, honorary posts, openings and closures, plans, a regional subset."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from etl.extract.numbers import EXACT, Number
from etl.extract.post_mentions import TypeMention
from etl.extract.text import Span, alternation, fold, fold_chars, memo

# How directly a construction states a count, as the confidence of the count.
CONFIDENCE = {
    "before": 1.0,
    "row": 0.95,
    "after": 0.9,
    "qualified": 0.85,
    "partitive": 0.85,
    "elliptic": 0.8,
    "distributive": 0.8,
    "anaphoric": 0.7,
    "comparison": 0.8,
}
WORDS_FACTOR = 0.95
ARTICLE_CONFIDENCE = 0.75
AFTER_WINDOW = 40
MAX_LINK_CHARS = 30
# A type may be qualified before its link ('les représentations permanentes auprès des
# organisations internationales au nombre de huit'): so many words at most.
MAX_QUALIFIED_CHARS = 90
MAX_QUALIFIER_WORDS = 8
DIGIT = re.compile(r"\d")
REASONS = {
    "foreign": "another country's posts, not Belgium's",
    "honorary": "honorary posts are not career posts",
    "change": "an opening, closing or change of the network, not a count of it",
    "inbound": "foreign missions in Belgium, not Belgium's posts abroad",
    "planned": "a planned figure, not a count",
    "foreign_network": "another country's network, not Belgium's",
    "subset": "a regional subset, not the whole network",
    "approximate": "an approximate number, not a count",
    "scope": "nothing in the text says the count is of Belgium's network",
    "article": "an article ('a', 'een', 'une'), not a number, in a passage that counts nothing",
}


@dataclass(frozen=True)
class Count:
    """A number linked to the type of post it counts, with how it was linked, the confidence of
    the link and, when the count is out of scope, the reason code and the words that say so."""

    number: Number
    mention: TypeMention
    span: Span
    how: str
    confidence: float
    excluded: str | None = None
    cue: Span | None = None


def anaphoric_regex(table: dict[str, Any]) -> re.Pattern[str] | None:
    """A regex of the anaphoric count phrases, each maybe followed by an adverb ('elles étaient
    encore', 'waren dat er nog'), ending where the number starts."""
    phrases = [fold(a.replace("{n}", "").strip()) for a in table["anaphoric_counts"]]
    if not phrases:
        return None
    adverbs = alternation(fold(w) for w in table["anaphoric_adverbs"])
    return re.compile(rf"(?<!\w)(?:{alternation(phrases)})(?:\s+(?:{adverbs}))?(?!\w)\s*")


def phrase_regex(phrases: list[str]) -> re.Pattern[str] | None:
    """A regex of any of some phrases as whole words, case- and accent-insensitive on folded text."""
    if not phrases:
        return None
    return re.compile(rf"(?<!\w)(?:{alternation(fold(p) for p in phrases)})(?!\w)")


def patterns(table: dict[str, Any]) -> dict[str, Any]:
    """The compiled phrase patterns of a language table for counting (built once per table)."""
    return memo(table, "counting", lambda: build_patterns(table))


def build_patterns(table: dict[str, Any]) -> dict[str, Any]:
    """Build patterns (memoised by patterns)."""
    modifiers = {fold(w): None for w in table["post_modifiers"]}
    word_links = [" ".join(fold(w).split()) for w in table["count_links"] if w[0].isalpha()]
    for reason, words in table["post_exclusions"].items():
        modifiers |= {fold(w): reason for w in words}
    return {
        "modifiers": modifiers,
        "exclusions": {r: phrase_regex(ws) for r, ws in table["count_exclusions"].items()},
        "become": phrase_regex(table["become_verbs"]),
        "negated": re.compile(rf"(?<!\w)(?:{alternation(fold(w) for w in table['negations'])})\s+$"),
        "subset": re.compile(rf"^\W*(?:{alternation(fold(p) for p in table['subset_cues'])})(?!\w)"),
        "links": {" ".join(fold(w).split()) for w in table["count_links"]},
        "copulas": {" ".join(fold(w).split()) for w in table["count_copulas"]},
        "qualified_link": re.compile(rf"(?<!\w)(?:{alternation(word_links)})$"),
        "nouns": re.compile(rf"(?:{alternation(fold(p) for p in table['count_nouns'])})\s*$"),
        "partitives": {" ".join(fold(w).split()) for w in table["count_partitives"]},
        "network": phrase_regex(table["network_cues"]),
        "distributive": phrase_regex(table["distributive_words"]),
        "anaphoric": anaphoric_regex(table),
        "comparison": re.compile(rf"(?:{alternation(fold(w) for w in table['comparison_links'])})")
        if table["comparison_links"]
        else None,
        "total_before": re.compile(rf"(?<!\w)(?:{alternation(fold(w) for w in table['total_cues'])})\W*$"),
        "total_after": re.compile(
            rf"^\s*(?:{alternation(fold(w) for w in table['total_cues_after'])})(?!\w)"
        ),
        "total_words": {fold(w) for w in table["total_words"]},
        "total_cue_words": phrase_regex([*table["total_cues"], *table["total_cues_after"]]),
        "breaks": re.compile(
            rf"(?:;|,?\s+(?={alternation(table['clause_breaks'])}\b))" if table["clause_breaks"] else r";",
            re.IGNORECASE,
        ),
    }


def clauses(sentence: Span, table: dict[str, Any]) -> list[Span]:
    """The clauses of a sentence, split at semicolons and at the language's clause breaks
    ('while', 'terwijl', 'tandis que')."""
    found, start = [], 0
    for match in patterns(table)["breaks"].finditer(sentence.text):
        found.append(
            Span(sentence.start + start, sentence.start + match.start(), sentence.text[start : match.start()])
        )
        start = match.end()
    found.append(Span(sentence.start + start, sentence.end, sentence.text[start:]))
    return [c for c in found if c.text.strip()]


def gap_words(text: str) -> list[str]:
    """The folded words and signs of the text between a number and a type."""
    return [w for w in re.findall(r"[\w'’]+|[^\w\s]", fold(text)) if w not in ("-",)]


def link_before(
    text: str, number: Number, mention: TypeMention, table: dict[str, Any], row: bool
) -> tuple[str, str | None] | None:
    """How a number written before a type counts it ('before', 'partitive' or, in a row of a list
    or table, 'row'), and the exclusion reason its modifiers give; None when the words between
    them are no such link."""
    gap = text[number.end : mention.span.start]
    if len(gap) > MAX_LINK_CHARS or "\n" in gap:
        return None
    words = gap_words(gap)
    compiled = patterns(table)
    if row and words and all(not any(c.isalnum() for c in w) for w in words) and len(gap.strip()) <= 3:
        return "row", None
    if all(w in compiled["modifiers"] for w in words):
        reasons = [compiled["modifiers"][w] for w in words if compiled["modifiers"][w]]
        return "before", reasons[0] if reasons else None
    if " ".join(w for w in words if w != ",") in compiled["partitives"]:
        return "partitive", None
    return None


def link_after(
    text: str, clause: Span, mention: TypeMention, number: Number, table: dict[str, Any], row: bool
) -> str | None:
    """How a type written before a number is counted by it: 'row' (a row of a list or table,
    'ambassades: 84', 'ambassades (84)'), 'after' (a link such as 'au nombre de', 'of which
    there are', or a copula after 'the number of'), 'elliptic' (nothing between them, which
    holds only beside another such count: 'consulates general number seventeen and permanent
    representations eight'); None otherwise."""
    gap = text[mention.span.end : number.start]
    if len(gap) > MAX_QUALIFIED_CHARS or "\n" in gap:
        return None
    words = [w for w in gap_words(gap) if w not in (",", "(", ")")]
    compiled = patterns(table)
    if row and len(gap.strip()) <= 3 and not any(c.isalnum() for c in gap):
        return "row"
    if gap.rstrip().endswith("(") and text[number.end : number.end + 1] == ")":
        lead = gap.rstrip()[:-1]
        if not lead.strip():
            return "after"  # 'embassies (90), consulates general (22)'
        if not DIGIT.search(lead) and "," not in lead and len(lead.split()) <= MAX_QUALIFIER_WORDS:
            return "qualified"  # 'the Belgian office in Taipei (1)'
    joined = " ".join(words)
    if joined in compiled["links"] and len(gap) <= MAX_LINK_CHARS:
        return "row" if row else "after"
    qualified = compiled["qualified_link"].search(joined)
    if (
        qualified
        and not any(c.isdigit() for c in gap)
        and len(joined[: qualified.start()].split()) <= MAX_QUALIFIER_WORDS
    ):
        return "qualified"
    before = fold(text[clause.start : mention.span.start])
    if joined in compiled["copulas"] and compiled["nouns"].search(before):
        return "after"
    if not words and not gap.strip():
        return "elliptic"
    return None


def exclusion(
    text: str, clause: Span, count: Count, mentions: list[TypeMention], table: dict[str, Any]
) -> tuple[str, Span] | None:
    """Why a count is not one of Belgium's network, from the words of its clause, and those words."""
    compiled = patterns(table)
    folded = fold(clause.text)
    if count.number.qualifier != EXACT:
        return "approximate", count.number.span
    after = fold(text[count.mention.span.end : min(clause.end, count.mention.span.end + AFTER_WINDOW)])
    modifier = re.match(r"^\s*([\w'’]+)", after)
    if modifier and compiled["modifiers"].get(modifier.group(1)):
        return compiled["modifiers"][modifier.group(1)], count.mention.span
    for reason in ("change", "inbound", "planned"):
        regex = compiled["exclusions"].get(reason)
        found = (
            next(
                (m for m in regex.finditer(folded) if not compiled["negated"].search(folded[: m.start()])),
                None,
            )
            if regex is not None
            else None
        )
        if found:  # 'aucune fermeture', 'no closures': a change denied is none
            return reason, Span(
                clause.start + found.start(),
                clause.start + found.end(),
                clause.text[found.start() : found.end()],
            )
    if compiled["become"] is not None and len(mentions) >= 2:
        found = compiled["become"].search(folded)
        if found:
            return "change", Span(
                clause.start + found.start(),
                clause.start + found.end(),
                clause.text[found.start() : found.end()],
            )
    if compiled["subset"].match(after):
        return "subset", count.mention.span
    foreign = compiled["exclusions"].get("foreign_network")
    head = folded[: count.span.start - clause.start]
    found = foreign.search(head) if foreign is not None else None
    if found and not (compiled["network"] and compiled["network"].search(folded)):
        return "foreign_network", Span(
            clause.start + found.start(), clause.start + found.end(), clause.text[found.start() : found.end()]
        )
    return None


def candidate_links(
    text: str,
    clause: Span,
    numbers: list[Number],
    mentions: list[TypeMention],
    table: dict[str, Any],
    row: bool,
) -> list[tuple[int, int, Number, TypeMention, str, str | None]]:
    """Every possible link of a number and a type in a clause: (rank, distance, number, type,
    construction, exclusion reason), the most direct constructions ranking first."""
    found = []
    for number in numbers:
        for mention in mentions:
            if number.end <= mention.span.start:
                before = link_before(text, number, mention, table, row)
                if before:
                    rank = {"before": 0, "row": 0, "partitive": 1}[before[0]]
                    found.append((rank, mention.span.start - number.end, number, mention, *before))
            elif mention.span.end <= number.start:
                after = link_after(text, clause, mention, number, table, row)
                if after:
                    rank = {"elliptic": 4, "qualified": 3}.get(after, 2)
                    found.append((rank, number.start - mention.span.end, number, mention, after, None))
    return sorted(found, key=lambda c: (c[0], c[1], c[2].start))


def distributed(
    text: str, clause: Span, numbers: list[Number], mentions: list[TypeMention], table: dict[str, Any]
) -> list[tuple[Number, TypeMention]]:
    """A number shared by the types listed before it ('diplomatiek bureau en Belgisch bureau (elk
    1)', 'one each'): each type with the number, when a distributive word stands beside it."""
    words = patterns(table)["distributive"]
    if words is None:
        return []
    found = []
    for number in numbers:
        near = fold(text[max(clause.start, number.start - 12) : min(clause.end, number.end + 12)])
        if not words.search(near):
            continue
        listed = [
            m
            for m in mentions
            if m.span.end <= number.start and number.start - m.span.end <= 3 * MAX_LINK_CHARS
        ]
        found += [(number, m) for m in listed]
    return found


def evidence(text: str, start: int, end: int) -> Span:
    """The evidence of a count from start to end, with a bracket it opens closed."""
    if text[start:end].count("(") > text[start:end].count(")") and text[end : end + 1] == ")":
        end += 1
    return Span(start, end, text[start:end])


def find_counts(
    text: str,
    clause: Span,
    numbers: list[Number],
    mentions: list[TypeMention],
    table: dict[str, Any],
    row: bool = False,
) -> list[Count]:
    """The counts of one clause: each number linked to at most one type and each type to at most
    one number, the most direct construction first; out-of-scope counts carry their reason."""
    usable = [
        n for n in numbers if not n.ordinal and not n.year and clause.start <= n.start and n.end <= clause.end
    ]
    inside = [m for m in mentions if clause.start <= m.span.start and m.span.end <= clause.end]
    links: list[tuple[Number, TypeMention, str, str | None]] = []
    used_numbers: set[int] = set()
    used_mentions: set[int] = set()
    for _, _, number, mention, how, reason in candidate_links(text, clause, usable, inside, table, row):
        if number.start in used_numbers or mention.span.start in used_mentions:
            continue
        if how == "elliptic" and not any(h in ("after", "row", "qualified") for _, _, h, _ in links):
            continue
        used_numbers.add(number.start)
        used_mentions.add(mention.span.start)
        links.append((number, mention, how, reason))
    free = [n for n in usable if n.start not in used_numbers]
    unlinked = [m for m in inside if m.span.start not in used_mentions]
    for number, mention in distributed(text, clause, free, unlinked, table):
        links.append((number, mention, "distributive", None))
    counts: list[Count] = []
    for number, mention, how, reason in links:
        start, end = min(number.start, mention.span.start), max(number.end, mention.span.end)
        if how == "distributive":
            start, end = mention.span.start, number.end
        confidence = CONFIDENCE[how] * (WORDS_FACTOR if number.form == "words" else 1.0)
        count = Count(number, mention, evidence(text, start, end), how, round(confidence, 2))
        excluded = (reason, mention.span) if reason else exclusion(text, clause, count, inside, table)
        if excluded:
            count = replace(count, excluded=excluded[0], cue=excluded[1])
        counts.append(count)
    plain = [c for c in counts if not c.number.article and c.excluded is None]
    kept = []
    for count in sorted(counts, key=lambda c: c.span.start):
        if count.number.article:
            count = replace(count, confidence=ARTICLE_CONFIDENCE)
            if not plain and count.excluded is None:
                # 'une ambassade', 'een ambassade': an article, unless its passage counts in numbers
                count = replace(count, excluded="article")
        kept.append(count)
    return kept


def comparison_counts(
    text: str, clause: Span, numbers: list[Number], counts: list[Count], table: dict[str, Any]
) -> list[Count]:
    """Numbers that count the type of the count right before them in a comparison ('84 embassies,
    against 89 in 2013', '85 ambassades, tegenover 90 in 2010', 'contre 89 en 2013'), as counts of
    that type (dated by their own words)."""
    regex = patterns(table)["comparison"]
    if regex is None or not counts:
        return []
    used = {c.number.start for c in counts}
    found = []
    for number in numbers:
        if number.start in used or number.year or number.ordinal:
            continue
        before = [c for c in counts if c.span.end <= number.start and not c.mention.is_total]
        if not before:
            continue
        previous = max(before, key=lambda c: c.span.end)
        gap = fold(text[previous.span.end : number.start])
        if regex.fullmatch(gap.strip(" ,(")) is None:
            continue
        span = Span(previous.span.end, number.end, text[previous.span.end : number.end])
        count = Count(number, previous.mention, span, "comparison", CONFIDENCE["comparison"])
        if number.qualifier != EXACT:
            count = replace(count, excluded="approximate", cue=number.span)
        found.append(count)
    return found


def anaphoric_count(
    text: str, clause: Span, numbers: list[Number], antecedent: TypeMention, table: dict[str, Any]
) -> Count | None:
    """A number that counts the type of the count before it without naming it ('In 2005 waren dat
    er nog 93', 'il y en avait encore 93', 'there were still 93'), as a count of that type."""
    regex = patterns(table)["anaphoric"]
    if regex is None:
        return None
    folded = fold_chars(clause.text)
    for match in regex.finditer(folded):
        at = clause.start + match.end()
        number = next(
            (n for n in numbers if at <= n.numeral.start <= at + 1 or at <= n.start <= at + 1), None
        )
        if number is None or number.year or number.ordinal:
            continue
        span = Span(clause.start + match.start(), number.end, text[clause.start + match.start() : number.end])
        mention = TypeMention(antecedent.span, antecedent.code, antecedent.typology)
        count = Count(number, mention, span, "anaphoric", CONFIDENCE["anaphoric"])
        if number.qualifier != EXACT:
            count = replace(count, excluded="approximate", cue=number.span)
        return count
    return None


def in_scope(texts: list[str], table: dict[str, Any]) -> bool:
    """Whether any of some texts (clause, sentence, paragraph, section, title) says it is about
    Belgium's network."""
    network = patterns(table)["network"]
    return network is None or any(network.search(fold(t)) for t in texts if t)
