"""Persons and their roles: names resolved to stable ids (misspellings linked with a warning),
roles read beside names ('Minister of X, Name', 'Name, Minister of X', 'minister van X Name')
and split one per office."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from etl.extract.text import Span, fold, memo, slugify

UPPER = "A-ZÀ-ÖØ-Þ"
NAME_WORD = rf"[{UPPER}][\w’'\-]*[\w]"
PARTICLE = r"(?:de|De|van|Van|der|den|Den|le|Le|la|La|du|Du|von|Von|d’|d')"
NAME = rf"{NAME_WORD}(?:\s+(?:{PARTICLE}\s+)?{NAME_WORD}){{1,3}}"
ROLE_MAX = 120
LINK_RATIO = 0.85
ROLE_STOP = r"[,;:()\[\]“”\"«»]"


@dataclass(frozen=True)
class Person:
    """A person resolved from a name as written."""

    id: str
    name: str
    known: bool
    linked_from: str | None = None


@dataclass(frozen=True)
class Mention:
    """A person named in the text with the role written beside the name."""

    person: Person
    name: Span
    role: Span | None


def display_name(written: str) -> str:
    """A name with upper-case surnames written as in ordinary text ('Maxime PRÉVOT' → 'Maxime Prévot')."""
    words = [w.capitalize() if w.isupper() and len(w) > 1 else w for w in written.split()]
    return " ".join(words)


def resolve_person(written: str, persons: list[dict[str, Any]]) -> Person:
    """The person a written name refers to: a curated person when a name or alias matches, or
    when the spelling is very close (linked, and the caller warns); else a new person."""
    key = fold(" ".join(written.split()))
    for person in persons:
        names = [person["name"], *(person.get("aliases") or [])]
        if key in (fold(n) for n in names):
            return Person(person["id"], person["name"], True)
    if " " not in key:
        surnames = [p for p in persons if fold(p["name"]).split()[-1] == key]
        if len(surnames) == 1:
            return Person(surnames[0]["id"], surnames[0]["name"], True)
    best, best_ratio = None, 0.0
    for person in persons:
        ratio = difflib.SequenceMatcher(None, key, fold(person["name"])).ratio()
        if ratio > best_ratio:
            best, best_ratio = person, ratio
    if best is not None and best_ratio >= LINK_RATIO:
        return Person(best["id"], best["name"], True, linked_from=written)
    name = display_name(written)
    return Person(slugify(name), name, False)


def role_heads(table: dict[str, Any]) -> re.Pattern[str]:
    """Regex of the role heads of a language (Minister, Deputy Prime Minister…), longest first."""
    return memo(table, "role_heads", lambda: build_role_heads(table))


def build_role_heads(table: dict[str, Any]) -> re.Pattern[str]:
    """Build role_heads (memoised by role_heads)."""
    heads = sorted(table["role_heads"], key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(h) for h in heads) + r")\b", re.IGNORECASE)


def starts_with_role(text: str, table: dict[str, Any]) -> bool:
    """Whether a text starts with a role head of the language."""
    return bool(role_heads(table).match(text))


def split_roles(role: Span, table: dict[str, Any]) -> list[Span]:
    """One span per office: 'Deputy Prime Minister and Minister of X' is two roles,
    'Minister of Defence and Foreign Trade' is one (what follows 'and' is no role head)."""
    joiners = "|".join(re.escape(j) for j in table["role_joiners"])
    parts: list[Span] = []
    start = 0
    for match in re.finditer(rf"\s+(?:{joiners})\s+", role.text):
        if starts_with_role(role.text[match.end() :], table):
            parts.append(
                Span(role.start + start, role.start + match.start(), role.text[start : match.start()])
            )
            start = match.end()
    parts.append(Span(role.start + start, role.end, role.text[start:]))
    return parts


def strip_leading(text: str, words: list[str]) -> int:
    """How many characters of leading joiners and determiners ('and the ') a text starts with."""
    pattern = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    found = re.match(rf"^(?:\s*(?:{pattern})(?:\s+|(?<=['’])))*\s*", text, re.IGNORECASE)
    return found.end() if found else 0


def role_before(
    sentence: Span, name_start: int, table: dict[str, Any], names: re.Pattern[str] | None = None
) -> Span | None:
    """The role written just before a name: 'Minister of X, Name' or 'minister van X Name'."""
    before = sentence.text[: name_start - sentence.start]
    comma = re.search(r",\s*$", before)
    window_start = max(0, len(before) - ROLE_MAX - 2)
    text = before[: comma.start()] if comma else before
    stops = [m.end() for m in re.finditer(ROLE_STOP, text[window_start:])]
    segment_start = window_start + (stops[-1] if stops else 0)
    segment = text[segment_start:]
    heads = list(role_heads(table).finditer(segment))
    if not heads:
        return None
    if comma:
        lead = segment[: heads[0].start()].strip()
        words = [w.lower() for w in table["role_joiners"] + table["determiners"]]
        if lead and not any(
            lead.lower().endswith((" " + w, "'" + w))
            or lead.lower() == w
            or (w.endswith(("'", "’")) and lead.lower().endswith(w))
            for w in words
        ):
            return None
        start = segment_start + heads[0].start()
    else:
        if not segment.endswith(" "):
            return None
        start = segment_start + heads[-1].start()
        joiners = "|".join(re.escape(j) for j in table["role_joiners"])
        for head in reversed(heads[:-1]):
            between = text[segment_start + head.start() : start]
            if names is not None and names.search(between):
                break
            if re.fullmatch(rf".{{0,80}}?\s+(?:{joiners})\s+", between, re.IGNORECASE):
                start = segment_start + head.start()
    role = text[start:].rstrip()
    if not role or len(role) > ROLE_MAX:
        return None
    return Span(sentence.start + start, sentence.start + start + len(role), role)


def role_after(sentence: Span, name_end: int, table: dict[str, Any]) -> Span | None:
    """The role written just after a name: 'Name, Minister of X, …' up to the next stop."""
    after = sentence.text[name_end - sentence.start :]
    found = re.match(rf",\s+(?P<role>[^,;:()“”\"«»]{{2,{ROLE_MAX}}}?)\s*(?=,|;|:|\)|\.\s|\.?$)", after)
    if not found or not starts_with_role(found.group("role"), table):
        return None
    role = found.group("role").rstrip(". ")
    start = name_end + found.start("role")
    return Span(start, start + len(role), role)


def known_names(persons: list[dict[str, Any]], extra: list[str]) -> re.Pattern[str] | None:
    """Regex of every known way of writing a person's name (curated, and seen in the article)."""
    names = {n for p in persons for n in [p["name"], *(p.get("aliases") or [])]} | set(extra)
    if not names:
        return None
    return re.compile(
        r"\b(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b"
    )


def find_mentions(
    sentence: Span, table: dict[str, Any], persons: list[dict[str, Any]], names: re.Pattern[str] | None
) -> list[Mention]:
    """Persons named in a sentence with their roles: known names anywhere, and unknown names
    written as an apposition to a role ('Minister of X, Jan Peeters')."""
    found: dict[int, Mention] = {}
    if names is not None:
        for match in names.finditer(sentence.text):
            start = sentence.start + match.start()
            span = Span(start, start + len(match.group(0)), match.group(0))
            role = role_before(sentence, start, table, names) or role_after(sentence, span.end, table)
            found[start] = Mention(resolve_person(span.text, persons), span, role)
    for match in re.finditer(rf"(?<=,\s)(?P<name>{NAME})(?=,|\s|$)", sentence.text):
        start = sentence.start + match.start("name")
        if any(m.name.start <= start < m.name.end for m in found.values()):
            continue
        role = role_before(sentence, start, table, names)
        if role is not None:
            span = Span(start, start + len(match.group("name")), match.group("name"))
            found[start] = Mention(resolve_person(span.text, persons), span, role)
    return [found[k] for k in sorted(found)]
