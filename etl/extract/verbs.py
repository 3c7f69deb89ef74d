"""Verbs of saying, by the forms the language tables list and by their lemma.

A table lists the forms it knows (`attribution_verbs`: 'said', 'zei', 'aldus', 'a souligné') and
the lemmas of its verbs of saying (`attribution_lemmas`: 'say', 'beloven', 'réagir'), so that a form
nobody listed ('beloofde', 'réagissent', 'cautioning') is still a verb of saying: simplemma gives
each word's lemma. A Dutch verb with a separable particle is written with its particle ('geven …
toe' for 'geeft Smolders toe', 'vatten … samen' for 'vat Meersman het samen'); it counts only when
its particle follows within a few words."""

from __future__ import annotations

import functools
import re
from typing import Any

import simplemma

from etl.extract.text import alternation, fold, fold_chars, memo

WORD = re.compile(r"\w+")
# A separable particle stands at most so many words after its verb.
PARTICLE_REACH = 8


@functools.lru_cache(maxsize=1 << 16)
def lemma(word: str, language: str) -> str:
    """The folded lemma of a word (the word itself when simplemma does not know it)."""
    try:
        return fold(simplemma.lemmatize(word.lower(), lang=language))
    except ValueError:  # a language simplemma does not have
        return fold(word)


def lexicon(table: dict[str, Any]) -> tuple[re.Pattern[str], set[str], dict[str, set[str]]]:
    """The listed forms as one pattern, the plain lemmas, and the separable lemmas with their
    particles (built once per table)."""
    return memo(table, "saying_verbs", lambda: build_lexicon(table))


def build_lexicon(table: dict[str, Any]) -> tuple[re.Pattern[str], set[str], dict[str, set[str]]]:
    """Build lexicon (memoised by lexicon)."""
    forms = re.compile(rf"(?<!\w)(?:{alternation(fold(v) for v in table['attribution_verbs'])})(?!\w)")
    plain: set[str] = set()
    separable: dict[str, set[str]] = {}
    for entry in table["attribution_lemmas"]:
        verb, _, particle = (part.strip() for part in entry.partition("…"))
        if particle:
            separable.setdefault(fold(verb), set()).add(fold(particle))
        else:
            plain.add(fold(verb))
    return forms, plain, separable


def saying_verbs(text: str, table: dict[str, Any]) -> list[tuple[int, int]]:
    """The spans (offsets in text) of the verbs of saying of some words, in order."""
    forms, plain, separable = lexicon(table)
    found = [(m.start(), m.end()) for m in forms.finditer(fold_chars(text))]
    words = list(WORD.finditer(text))
    for index, word in enumerate(words):
        if any(start <= word.start() < end for start, end in found):
            continue
        base = lemma(word.group(0), table["language"])
        if base in plain:
            found.append((word.start(), word.end()))
        elif base in separable:
            following = {fold(w.group(0)) for w in words[index + 1 : index + 1 + PARTICLE_REACH]}
            if following & separable[base]:
                found.append((word.start(), word.end()))
    return sorted(found)


def is_saying(word: str, table: dict[str, Any]) -> bool:
    """Whether one word is a verb of saying (a listed form or a plain lemma)."""
    forms, plain, _ = lexicon(table)
    return bool(forms.fullmatch(fold(word))) or lemma(word, table["language"]) in plain
