"""The persons of an article and the quotations they are credited with: every mention in reading
order, every quotation with its speaker resolved through the attribution grammar, and the
warnings of what is unsure (a misspelt name linked, a speaker read from a pronoun)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from typing import Any

from etl.extract.attribution import (
    CONFIDENCE,
    Referent,
    Who,
    attribute,
    referents,
    resolve,
    resolve_ahead,
    right_window,
    speaks,
    whos,
)
from etl.extract.people import Mention, Person, find_mentions, surname_keys
from etl.extract.quotes import Quote, Quoted, find_quotes, left_open, opens, quoted
from etl.extract.text import Span

CONFIDENCE_THRESHOLD = 0.8


@dataclass
class Voices:
    """The persons an article names, where, and the quotations with their speakers."""

    mentions: list[tuple[Mention, dict[str, Any]]] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    persons: dict[str, Person] = field(default_factory=dict)
    warnings: list[tuple[str, str, Span | None]] = field(default_factory=list)


def find_voices(
    body: str, paragraphs: list[tuple[Span, list[Span], dict[str, Any]]], reference: Any
) -> Voices:
    """The mentions and quotations of an article, given its paragraphs as (span, sentences,
    language table)."""
    voices = Voices()
    found: list[Mention] = []
    surnames: dict[str, Person] = {}
    sentence_tables: list[tuple[Span, dict[str, Any]]] = []
    for _, sentences, table in paragraphs:
        for sentence in sentences:
            mentions = find_mentions(sentence, table, reference, surnames)
            for mention in mentions:
                surnames.update(dict.fromkeys(surname_keys(mention.person), mention.person))
            found += mentions
            voices.mentions += [(m, table) for m in mentions]
            sentence_tables.append((sentence, table))
    chain: list[Referent] | None = None  # read only when a pronoun needs it
    # The paragraphs of a quotation of several paragraphs read so far: it is credited where it ends.
    pending: list[Quoted] = []
    for span, _, table in paragraphs:
        stretches = quoted(span, table["quote_marks"])
        previous: tuple[Quote, Mention, int] | None = None

        def attributes(words: Span, language: dict[str, Any] = table) -> bool:
            return speaks(body, words, language) or bool(whos(body, words, language, found))

        quotes = find_quotes(body, stretches, attributes)
        if pending and quotes and opens(span, quotes[0]):
            start, end = pending[0].inner.start, quotes[0].text.end
            quotes[0] = replace(quotes[0], text=Span(start, end, body[start:end]))
        opened = left_open(span, table["quote_marks"])
        pending = [*pending, opened] if opened is not None and (pending or not stretches) else []
        for quote in quotes:
            who, where = attribute(body, span, quote, stretches, table, found)
            if who is not None and who.kind == "pronoun" and chain is None:
                chain = referents(body, sentence_tables, found, lambda w, at: resolve(w, at, [], found))
                chain += [
                    Referent(q.text.start, q.speaker, q.speaker.gender) for q in voices.quotes if q.speaker
                ]
                chain.sort(key=lambda r: r.offset)
            speaker = resolve(who, quote.text.start, chain or [], found) if who else None
            if who is not None and speaker is None:
                speaker = resolve_ahead(who, who.span.end, found)
                who = replace(who, kind="cataphora") if speaker else who
            if who is None and previous is not None and continued(body, previous, quote):
                who = Who("continuation", previous[0].text, previous[1])
                speaker, where = previous[1], "continuation"
            credited = credit(quote, who, where, speaker, voices)
            voices.quotes.append(credited)
            previous = (
                (credited, speaker, right_window(body, span, quote, stretches).end) if speaker else None
            )
            if speaker is not None and chain is not None:
                bisect.insort(
                    chain, Referent(quote.text.start, speaker, speaker.gender), key=lambda r: r.offset
                )
    for mention, _ in voices.mentions:
        voices.persons.setdefault(mention.person.id, mention.person)
        if mention.person.linked_from:
            voices.warnings.append(
                (
                    "persons.name",
                    f"'{mention.person.linked_from}' read as {mention.person.name} (close spelling of "
                    "a known person)",
                    mention.name,
                )
            )
    for person in voices.persons.values():
        if not person.known:
            voices.warnings.append(
                (
                    "persons.id",
                    f"'{person.name}' is not in reference/persons.yml; id '{person.id}' derived from "
                    "the name",
                    None,
                )
            )
    return voices


def continued(body: str, previous: tuple[Quote, Mention, int], quote: Quote) -> bool:
    """Whether a quotation without an attribution goes on from the one before it in its paragraph:
    nothing but the earlier one's attribution between them."""
    _, _, attribution_end = previous
    return not body[attribution_end : quote.parts[0].outer.start].strip(" .,;")


def credit(
    quote: Quote, who: Who | None, where: str | None, speaker: Mention | None, voices: Voices
) -> Quote:
    """A quotation with its speaker, how the attribution was found and its confidence, warning when
    the speaker is unsure or unknown."""
    if speaker is None or who is None:
        message = (
            f"the quote is attributed to '{who.span.text}', who cannot be told from the persons named "
            "before; person left empty"
            if who is not None
            else "quote without a written attribution; person left empty"
        )
        voices.warnings.append(("quotes.person", message, quote.text))
        return replace(quote, speaker=None, how=where, confidence=None)
    confidence = CONFIDENCE[who.kind]
    if confidence < CONFIDENCE_THRESHOLD:
        voices.warnings.append(
            (
                "quotes.person",
                f"speaker read from '{who.span.text}' as {speaker.person.name}, the nearest person "
                f"{'named just after' if who.kind == 'cataphora' else 'named before'} "
                f"(confidence {confidence})",
                quote.text,
            )
        )
    return replace(quote, speaker=speaker, how=where, confidence=confidence)
