"""Who said a quotation: one grammar of attribution for every language, its words in the
language tables.

An attribution names its speaker by a name, by a reference ('the minister', 'de minister', 'la
ministre', 'the Minister of Foreign Affairs') or by a pronoun (he, she, hij, zij, il, elle,
'explique-t-il'). It stands after the quotation ('“…,” said X', '“…”, aldus X', '“…” - X, role'),
between its halves ('“…,” the minister said, “…”'), inside it ('« …, a précisé la ministre, … »'),
or before it ('X told the ambassadors: “…”', 'According to X, “…”', 'X noted that “…”'). A
reference or a pronoun is the nearest compatible person named (or referred to) before it: a
reference to someone whose role has its head word, a pronoun to someone of its gender when the
text tells it."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from etl.extract.people import Mention
from etl.extract.quotes import Quote, Quoted
from etl.extract.text import Span, alternation, fold, fold_chars, memo
from etl.extract.verbs import saying_verbs

# How directly each way of attributing names the speaker, as the quote's confidence.
CONFIDENCE = {
    "name": 1.0,
    "surname": 0.9,
    "anaphora": 0.85,
    "continuation": 0.8,
    "pronoun": 0.75,
    "cataphora": 0.7,
}
RIGHT_WORDS = 25
# A reference or a pronoun is resolved among so many persons named before it, at most.
LOOK_BACK = 40
# A reference nobody named before can be to a person named just after it ('“…,” the director said.
# The director, Hilde Vanmechelen, …'), within so many characters.
LOOK_AHEAD = 400
SENTENCE_BREAK = re.compile(r"[.!?…](?=\s)")


@dataclass(frozen=True)
class Who:
    """Words that name a speaker: a person's name (with its mention), a reference by role (with
    the role's head word) or a pronoun, with the gender they give when they do."""

    kind: str
    span: Span
    mention: Mention | None = None
    head: str | None = None
    gender: str | None = None


@dataclass(frozen=True)
class Referent:
    """A person named or referred to at an offset of the text."""

    offset: int
    mention: Mention
    gender: str | None


def grammar(table: dict[str, Any]) -> dict[str, re.Pattern[str]]:
    """The compiled attribution grammar of a language table (built once per table)."""
    return memo(table, "attribution", lambda: build_grammar(table))


def build_grammar(table: dict[str, Any]) -> dict[str, re.Pattern[str]]:
    """Build grammar (memoised by grammar)."""
    heads = alternation(fold(h) for h in table["role_heads"])
    determiners = alternation(fold(d) for d in table["determiners"])
    links = alternation(fold(w) for w in table["role_links"])
    portfolio = alternation(fold(w) for w in table["portfolio_words"])
    continuation = rf"(?:\s+(?:{links})(?:\s+(?:{links}|{portfolio}|{heads}))*)?"
    return {
        "dash": re.compile(rf"^\s*,?\s*(?:{alternation(table['attribution_dashes'])})\s*"),
        "according": re.compile(rf"(?<!\w)(?:{alternation(fold(a) for a in table['according_to'])})\s+"),
        "anaphora": re.compile(rf"(?<!\w)(?P<det>{determiners})\s*(?P<head>{heads}){continuation}(?![\w-])"),
        "pronoun": re.compile(
            rf"(?:(?<=-t-)|(?<=-)|(?<![\w'’]))(?P<p>{alternation(fold(p) for p in table['pronouns'])})(?!\w)"
        ),
    }


def speaks(text: str, span: Span, table: dict[str, Any]) -> bool:
    """Whether some words attribute speech: a verb of saying, or an attribution dash."""
    words = text[span.start : span.end]
    compiled = grammar(table)
    folded = fold(words)
    return bool(
        saying_verbs(words, table)
        or compiled["according"].search(folded + " ")
        or compiled["dash"].match(words)
    )


def gender_of_determiner(determiner: str, table: dict[str, Any]) -> str | None:
    """The gender a determiner gives ('la' → f, 'le' → m), when the tables say so."""
    for gender, cues in table["gender_cues"].items():
        if determiner in {fold(c) for c in cues}:
            return str(gender)
    return None


def whos(text: str, window: Span, table: dict[str, Any], mentions: list[Mention]) -> list[Who]:
    """The words of a window that name a speaker, in order: names, references and pronouns (a
    reference followed by the name it stands beside is that name)."""
    if window.end <= window.start:
        return []
    compiled = grammar(table)
    first = bisect.bisect_left(mentions, window.start, key=lambda m: m.name.start)
    last = bisect.bisect_left(mentions, window.end, key=lambda m: m.name.start)
    found = [
        Who("surname" if len(m.name.text.split()) == 1 else "name", m.name, m)
        for m in mentions[first:last]
        if m.name.end <= window.end
    ]
    folded = fold_chars(text[window.start : window.end])
    for match in compiled["anaphora"].finditer(folded):
        start, end = window.start + match.start(), window.start + match.end()
        if any(w.span.start <= start < w.span.end or start <= w.span.start < end for w in found):
            continue
        if any(beside(start, end, w) for w in found):
            continue  # 'the minister, Karel Degryse': the name it stands beside names the speaker
        gender = gender_of_determiner(match.group("det"), table)
        found.append(Who("anaphora", Span(start, end, text[start:end]), None, match.group("head"), gender))
    pronouns = {fold(p): g for p, g in table["pronouns"].items()}
    for match in compiled["pronoun"].finditer(folded):
        start = window.start + match.start("p")
        if any(w.span.start <= start < w.span.end for w in found):
            continue
        span = Span(start, window.start + match.end("p"), text[start : window.start + match.end("p")])
        found.append(Who("pronoun", span, None, None, pronouns[match.group("p")]))
    return sorted(found, key=lambda w: w.span.start)


def beside(start: int, end: int, who: Who) -> bool:
    """Whether a reference by role at [start, end) is the role written beside a named person."""
    mention = who.mention
    if mention is None:
        return False
    if 0 <= who.span.start - end <= 3:
        return True
    return any(role.start - 5 <= start <= role.end for role in mention.roles)


def left_window(text: str, paragraph: Span, quote: Quote, stretches: list[Quoted]) -> Span:
    """The words before a quotation in its sentence: from the last sentence end (or the end of the
    quotation before it) to its opening mark."""
    opening = quote.parts[0].outer.start
    start = paragraph.start
    for stretch in stretches:
        if stretch.outer.end <= opening:
            start = max(start, stretch.outer.end)
    for match in SENTENCE_BREAK.finditer(text, start, opening):
        start = match.end()
    return Span(start, opening, text[start:opening])


def right_window(text: str, paragraph: Span, quote: Quote, stretches: list[Quoted]) -> Span:
    """The words after a quotation in its sentence: from its closing mark to the next sentence end,
    the next quotation or the end of the paragraph."""
    closing = quote.parts[-1].outer.end
    end = paragraph.end
    for stretch in stretches:
        if stretch.outer.start >= closing:
            end = min(end, stretch.outer.start)
            break
    found = SENTENCE_BREAK.search(text, closing, end)
    if found:
        end = found.start() + 1
    words = text[closing:end].split()
    if len(words) > RIGHT_WORDS:
        end = closing + len(text[closing:end]) - len(" ".join(words[RIGHT_WORDS:])) - 1
    return Span(closing, end, text[closing:end])


def nearest_to_verb(text: str, window: Span, found: list[Who], table: dict[str, Any]) -> Who | None:
    """The speaker named nearest to the verb of saying of a window (a name before a reference or a
    pronoun at the same distance)."""
    verbs = saying_verbs(text[window.start : window.end], table)
    if not verbs:
        return found[0] if found else None
    at = window.start + verbs[0][0]
    return min(found, key=lambda w: (abs(w.span.start - at), w.kind != "name"), default=None)


def attribute(
    text: str,
    paragraph: Span,
    quote: Quote,
    stretches: list[Quoted],
    table: dict[str, Any],
    mentions: list[Mention],
) -> tuple[Who | None, str | None]:
    """The words that name the speaker of a quotation, and where they stand (dash, after, incise,
    colon, according, before), by the grammar's order of precedence."""
    right = right_window(text, paragraph, quote, stretches)
    compiled = grammar(table)
    dash = compiled["dash"].match(right.text)
    if dash and right.text[dash.end() : dash.end() + 1].isupper():
        named = [w for w in whos(text, right, table, mentions) if w.kind in ("name", "surname")]
        if named:
            return named[0], "dash"
    if speaks(text, right, table):
        found = whos(text, right, table, mentions)
        if found:
            return nearest_to_verb(text, right, found, table), "after"
    if quote.incise is not None:
        incise = Span(quote.incise.start, quote.incise.end, text[quote.incise.start : quote.incise.end])
        found = whos(text, incise, table, mentions)
        if found:
            return nearest_to_verb(text, incise, found, table), "incise"
    for inner in inner_incises(text, quote, table):
        found = whos(text, inner, table, mentions)
        if found:
            return nearest_to_verb(text, inner, found, table), "incise"
    left = left_window(text, paragraph, quote, stretches)
    found = whos(text, left, table, mentions)
    if not found:
        return None, None
    if left.text.rstrip().endswith(":"):
        named = [w for w in found if w.kind in ("name", "surname")]
        return (named[0] if named else found[0]), "colon"
    according = compiled["according"].search(fold(left.text))
    if according:
        after = [w for w in found if w.span.start >= left.start + according.end() - 1]
        if after:
            return after[0], "according"
    if speaks(text, left, table):
        return nearest_to_verb(text, left, found, table), "before"
    return None, None


def inner_incises(text: str, quote: Quote, table: dict[str, Any]) -> list[Span]:
    """The attributions inside a single quotation ('« Chaque poste, a précisé la ministre, X,
    répond … »'): a stretch between commas that holds a verb of saying."""
    if len(quote.parts) != 1:
        return []
    inner = quote.parts[0].inner
    found = []
    for match in re.finditer(r",\s*(?P<words>[^,]{2,60}?(?:,[^,]{2,60}?)?)\s*,", inner.text):
        span = Span(
            inner.start + match.start("words"), inner.start + match.end("words"), match.group("words")
        )
        opening = " ".join(span.text.split()[:3])
        if saying_verbs(opening, table):
            found.append(span)
    return found


def referents(
    text: str,
    sentences: list[tuple[Span, dict[str, Any]]],
    mentions: list[Mention],
    resolve: Callable[[Who, int], Mention | None],
) -> list[Referent]:
    """Every person named or referred to in the article, in reading order: each mention, and each
    reference by role resolved to the person it stands for."""
    found = [Referent(m.name.start, m, m.gender) for m in mentions]
    for sentence, table in sentences:
        for who in whos(text, sentence, table, mentions):
            if who.kind == "anaphora":
                person = resolve(who, who.span.start)
                if person is not None:
                    found.append(Referent(who.span.start, person, who.gender))
    return sorted(found, key=lambda r: r.offset)


def resolve(who: Who, at: int, chain: list[Referent], mentions: list[Mention]) -> Mention | None:
    """The person words name: the mention of a name; for a reference, the nearest person named
    before whose role has the reference's head word; for a pronoun, the nearest person named or
    referred to before, of the pronoun's gender when both are known."""
    if who.mention is not None:
        return who.mention
    if who.kind == "anaphora":
        index = bisect.bisect_left(mentions, at, key=lambda m: m.name.start)
        for mention in reversed(mentions[max(0, index - LOOK_BACK) : index]):
            if who.head and any(who.head in fold(r.text) for r in mention.roles):
                return mention
        return None
    index = bisect.bisect_left(chain, at, key=lambda r: r.offset)
    for referent in reversed(chain[max(0, index - LOOK_BACK) : index]):
        gender = referent.gender or referent.mention.gender
        if who.gender and gender and gender != who.gender:
            continue
        return referent.mention
    return None


def resolve_ahead(who: Who, at: int, mentions: list[Mention]) -> Mention | None:
    """For a reference by role that no person named before answers, the first person named just
    after it whose role has the reference's head word."""
    if who.kind != "anaphora" or not who.head:
        return None
    index = bisect.bisect_right(mentions, at, key=lambda m: m.name.start)
    for mention in mentions[index:]:
        if mention.name.start > at + LOOK_AHEAD:
            break
        if any(who.head in fold(r.text) for r in mention.roles):
            return mention
    return None
