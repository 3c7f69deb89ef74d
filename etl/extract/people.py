"""Persons and their roles: names resolved to stable ids, roles split one per office."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from etl.extract.text import Span, fold, slugify

NAME = r"[A-ZÀ-Ý][\w’'\-]+(?:\s+(?:de|De|van|Van|der|den|le|La|la)?\s*[A-ZÀ-Ý][\w’'\-]+){1,3}"


@dataclass(frozen=True)
class Person:
    """A person resolved from a name as written."""

    id: str
    name: str
    known: bool


@dataclass(frozen=True)
class Mention:
    """A person named in the text with the role written beside the name."""

    person: Person
    name: Span
    role: Span


def display_name(written: str) -> str:
    """A name with upper-case surnames written as in ordinary text ('Maxime PRÉVOT' → 'Maxime Prévot')."""
    words = [w.capitalize() if w.isupper() and len(w) > 1 else w for w in written.split()]
    return " ".join(words)


def resolve_person(written: str, persons: list[dict[str, Any]]) -> Person:
    """The person a written name refers to: a curated person when a name or alias matches."""
    key = fold(" ".join(written.split()))
    for person in persons:
        names = [person["name"], *(person.get("aliases") or [])]
        if key in (fold(n) for n in names):
            return Person(person["id"], person["name"], True)
    name = display_name(written)
    return Person(slugify(name), name, False)


def role_heads_regex(table: dict[str, Any]) -> re.Pattern[str]:
    """Regex matching a role head (Minister, Deputy Prime Minister…) at the start of a text."""
    heads = sorted(table["role_heads"], key=len, reverse=True)
    return re.compile("|".join(re.escape(h) for h in heads), re.IGNORECASE)


def starts_with_role(text: str, table: dict[str, Any]) -> bool:
    """Whether a text starts with a role head of the language."""
    return bool(role_heads_regex(table).match(text))


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


def find_appositions(sentence: Span, table: dict[str, Any], persons: list[dict[str, Any]]) -> list[Mention]:
    """Persons written as 'Role, Name' in a sentence ('Minister of Defence, Theo Francken, …')."""
    joiners = "|".join(re.escape(j) for j in table["role_joiners"])
    pattern = rf"(?:^|,\s+)(?:(?:{joiners})\s+)?(?P<role>[^,]+?),\s+(?P<name>{NAME})(?=,|\s|$)"
    found = []
    for match in re.finditer(pattern, sentence.text):
        role_text = match.group("role")
        if not starts_with_role(role_text, table):
            continue
        role_start = sentence.start + match.start("role")
        name_start = sentence.start + match.start("name")
        found.append(
            Mention(
                resolve_person(match.group("name"), persons),
                Span(name_start, name_start + len(match.group("name")), match.group("name")),
                Span(role_start, role_start + len(role_text), role_text),
            )
        )
    return found
