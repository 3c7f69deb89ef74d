"""Persons and their roles: names that look like persons, resolved to stable ids (misspellings
linked with a warning), and the roles written beside them ('Minister of X, Name', 'Name, head of
the Y service', 'minister van X Name', 'Name, who is also Minister of Z'), split one per office.

A name is a known person's name or alias, or capitalised words of which none is a portfolio,
institution, place, role or function word of the language tables: "Foreign Trade" and "Europese
Unie" are never persons. A surname alone names the person of that surname named earlier."""

from __future__ import annotations

import difflib
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from etl.extract.text import Span, alternation, fold, memo, slugify
from etl.extract.verbs import is_saying

UPPER = "A-ZÀ-ÖØ-Þ"
NAME_WORD = rf"[{UPPER}][\w’'\-]*[\w]"
PARTICLE = r"(?:de|De|van|Van|der|Der|den|Den|le|Le|la|La|du|Du|von|Von|d’|d'|van de|van der|Van de|Van der)"
# A run of capitalised words (with particles) in which names are looked for.
NAME_RUN = re.compile(rf"{NAME_WORD}(?:\s+(?:{PARTICLE}\s+)?{NAME_WORD})*")
NAME = rf"{NAME_WORD}(?:\s+(?:{PARTICLE}\s+)?{NAME_WORD}){{1,3}}"
ROLE_MAX = 150
LINK_RATIO = 0.85
ROLE_STOP = r"[;:()\[\]“”\"«»]"
SEGMENT_MAX_WORDS = 9
SPEECH_WINDOW = 30
ROLE_WORDS = re.compile(r"[\w\-]+")


@dataclass(frozen=True)
class Person:
    """A person resolved from a name as written."""

    id: str
    name: str
    known: bool
    linked_from: str | None = None


@dataclass(frozen=True)
class Mention:
    """A person named in the text with the role written beside the name (and a second role stated
    apart, 'who is also …'), and the gender the text gives them, when it does."""

    person: Person
    name: Span
    role: Span | None
    also: Span | None = None
    gender: str | None = None

    @property
    def roles(self) -> list[Span]:
        """The roles written beside the name."""
        return [r for r in (self.role, self.also) if r is not None]


@dataclass
class Lexicon:
    """The words of a language that are never part of a person's name, the known persons, and the
    words around a name that make it a speaker (verbs of saying, 'according to')."""

    never: set[str] = field(default_factory=set)
    names: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The words of the never set that are not places: never a city's name on their own either.
    common: set[str] = field(default_factory=set)
    speech: re.Pattern[str] | None = None


def display_name(written: str) -> str:
    """A name with upper-case surnames written as in ordinary text ('Maxime PRÉVOT' → 'Maxime Prévot')."""
    words = [w.capitalize() if w.isupper() and len(w) > 1 else w for w in written.split()]
    return " ".join(words)


def lexicon(table: dict[str, Any], reference: Any) -> Lexicon:
    """The never-a-name words of a language (role heads, portfolios, places, function words,
    months, weekdays) and every known way of writing a person's name (built once per table)."""
    return memo(table, "people_lexicon", lambda: build_lexicon(table, reference))


def build_lexicon(table: dict[str, Any], reference: Any) -> Lexicon:
    """Build lexicon (memoised by lexicon)."""
    never = {fold(w) for w in table["portfolio_words"] + table["name_stopwords"]}
    never |= {fold(w) for head in table["role_heads"] for w in ROLE_WORDS.findall(head)}
    never |= {fold(w) for w in [*table["months"], *table["weekdays"]]}
    common = set(never)
    for place in [*reference.cities, *reference.venues]:
        never |= {fold(w) for name in place["names"] for w in ROLE_WORDS.findall(name)}
    names = {}
    for person in reference.persons:
        for name in [person["name"], *(person.get("aliases") or [])]:
            names[fold(" ".join(name.split()))] = person
    speech = [*table["attribution_verbs"], *table["according_to"]]
    speaking = re.compile(rf"(?<!\w)(?:{alternation(fold(w) for w in speech)})(?!\w)")
    return Lexicon(never, names, common, speaking)


def person_index(persons: list[dict[str, Any]]) -> dict[str, Any]:
    """The curated persons by every folded way of writing their name, and by their surname when
    only one person has it (built once per list)."""
    return memo(persons, "person_index", lambda: build_person_index(persons))


def build_person_index(persons: list[dict[str, Any]]) -> dict[str, Any]:
    """Build person_index (memoised by person_index)."""
    names: dict[str, dict[str, Any]] = {}
    surnames: dict[str, list[dict[str, Any]]] = {}
    for person in persons:
        for name in [person["name"], *(person.get("aliases") or [])]:
            names.setdefault(fold(" ".join(name.split())), person)
        surnames.setdefault(fold(person["name"]).split()[-1], []).append(person)
    return {"names": names, "surnames": {k: v[0] for k, v in surnames.items() if len(v) == 1}}


def resolve_person(written: str, persons: list[dict[str, Any]]) -> Person:
    """The person a written name refers to: a curated person when a name or alias matches, or
    when the spelling is very close (linked, and the caller warns); else a new person."""
    key = fold(" ".join(written.split()))
    index = person_index(persons)
    found = index["names"].get(key) or (index["surnames"].get(key) if " " not in key else None)
    if found is not None:
        return Person(found["id"], found["name"], True)
    close = [p for p in persons if abs(len(p["name"]) - len(key)) <= 3 and fold(p["name"][:1]) == key[:1]]
    best, best_ratio = None, 0.0
    for person in close:
        ratio = difflib.SequenceMatcher(None, key, fold(person["name"])).ratio()
        if ratio > best_ratio:
            best, best_ratio = person, ratio
    if best is not None and best_ratio >= LINK_RATIO:
        return Person(best["id"], best["name"], True, linked_from=written)
    name = display_name(written)
    return Person(slugify(name), name, False)


def role_heads(table: dict[str, Any]) -> re.Pattern[str]:
    """Regex of the role heads of a language (Minister, head…), longest first, on folded text."""
    return memo(
        table,
        "role_heads",
        lambda: re.compile(rf"(?<!\w)(?:{alternation(fold(h) for h in table['role_heads'])})(?![\w-])"),
    )


def starts_with_role(text: str, table: dict[str, Any]) -> bool:
    """Whether a text starts with a role head of the language."""
    return bool(role_heads(table).match(fold(text)))


def split_roles(role: Span, table: dict[str, Any]) -> list[Span]:
    """One span per office: 'Deputy Prime Minister and Minister of X' is two roles,
    'Minister of Defence and Foreign Trade' is one (what follows 'and' is no role head)."""
    parts: list[Span] = []
    start = 0
    for match in grammar(table)["joiners"].finditer(role.text):
        if starts_with_role(role.text[match.end() :], table):
            parts.append(
                Span(role.start + start, role.start + match.start(), role.text[start : match.start()])
            )
            start = match.end()
    parts.append(Span(role.start + start, role.end, role.text[start:]))
    return parts


def small_words(table: dict[str, Any]) -> set[str]:
    """The small words of roles and portfolios: joiners, determiners and links ('and', 'of')."""
    small: set[str] = grammar(table)["small"]
    return small


def grammar(table: dict[str, Any]) -> dict[str, Any]:
    """The compiled role grammar of a language table (built once per table)."""
    return memo(table, "role_grammar", lambda: build_grammar(table))


def build_grammar(table: dict[str, Any]) -> dict[str, Any]:
    """Build grammar (memoised by grammar)."""
    articles = alternation([*table["determiners"], *table["indefinite_articles"]])
    stop = r"\s*(?=,|;|:|\)|\.\s|\.?$)"
    role = rf"(?P<role>[^,;:()“”\"«»]{{2,{ROLE_MAX}}}?)"
    leads = {fold(w) for w in [*table["role_joiners"], *table["determiners"], *table["indefinite_articles"]]}
    leads |= {fold(w).split()[-1] for w in table["according_to"]}
    particles = {e.partition("…")[2].strip() for e in table["attribution_lemmas"]} - {""}
    return {
        "particle": re.compile(rf"\s+(?:{alternation(particles)})(?=,)" if particles else r"(?!)"),
        "joiners": re.compile(rf"\s+(?:{alternation(table['role_joiners'])})\s+"),
        "role_after": re.compile(rf",\s+(?:(?:{articles})\s+)?{role}{stop}", re.I),
        "also_role": re.compile(
            rf",?\s*(?:{alternation(table['also_role'])})\s+{role}\s*(?:\s(?:is|was|est)\b)?{stop}", re.I
        ),
        "leads": leads,
        "small": {fold(w) for w in [*table["role_joiners"], *table["determiners"], *table["role_links"]]},
        "portfolio": {fold(w) for w in table["portfolio_words"]},
        "genders": {
            gender: (
                {fold(c) for c in cues},
                re.compile(rf"(?<!\w)(?:{alternation(fold(c) for c in cues)})\s*$"),
            )
            for gender, cues in table["gender_cues"].items()
        },
    }


def is_portfolio(segment: str, table: dict[str, Any], known: Lexicon) -> bool:
    """Whether a comma-separated segment continues a portfolio ('Foreign Trade and European
    Affairs', 'du Commerce extérieur'): short, every word a portfolio word or a small word."""
    words = [fold(w) for w in ROLE_WORDS.findall(segment)]
    if not words or len(words) > SEGMENT_MAX_WORDS or " ".join(words) in known.names:
        return False
    small = small_words(table)
    portfolio = grammar(table)["portfolio"]
    return any(w in portfolio for w in words) and all(w in portfolio or w in small for w in words)


def role_before(sentence: Span, name_start: int, table: dict[str, Any], known: Lexicon) -> Span | None:
    """The role written just before a name: 'Minister of X, Name', 'minister van X Name',
    'the Deputy Prime Minister and Minister of A, B and C, Name'."""
    before = sentence.text[: name_start - sentence.start]
    comma = re.search(r",\s*$", before)
    end = comma.start() if comma else len(before)
    if not comma and not before.endswith(" "):
        return None
    window = max(0, end - ROLE_MAX)
    stops = [m.end() for m in re.finditer(ROLE_STOP, before[window:end])]
    floor = window + (stops[-1] if stops else 0)
    folded = fold(before)
    heads = [m for m in role_heads(table).finditer(folded, floor, end)]
    lead_words = grammar(table)["leads"]
    for head in heads:
        role = before[head.start() : end].rstrip()
        segments = role.split(",")
        if not all(is_portfolio(s, table, known) for s in segments[1:]):
            continue
        lead = folded[floor : head.start()].strip(" ,")
        last = lead.split()[-1] if lead.split() else ""
        if lead and not (
            last in lead_words
            or is_saying(last, table)
            or lead.endswith(("'", "’"))
            or folded[: head.start()].rstrip().endswith(",")
        ):
            continue
        if not comma and not re.fullmatch(r".*\S", role):
            continue
        if len(role) > ROLE_MAX or any(p in role for p in ".!?"):
            continue
        if not comma and fold(ROLE_WORDS.findall(role)[-1]) in small_words(table):
            continue  # 'Minister of Development Cooperation and' is no role before 'Major Cities'
        inside = Span(sentence.start + head.start(), sentence.start + head.start() + len(role), role)
        if name_candidates(inside, table, known):
            continue
        start = sentence.start + head.start()
        return Span(start, start + len(role), role)
    return None


def role_after(sentence: Span, name_end: int, table: dict[str, Any], known: Lexicon) -> Span | None:
    """The role written just after a name: 'Name, Minister of X, …' up to the next stop, going on
    over commas that continue a portfolio ('Minister of Foreign Affairs, Foreign Trade and …')."""
    after = sentence.text[name_end - sentence.start :]
    particle = grammar(table)["particle"].match(after)
    if particle:  # 'geeft Hugo Smolders toe, directeur-generaal …': a verb's particle first
        name_end += particle.end()
        after = after[particle.end() :]
    found = grammar(table)["role_after"].match(after)
    if not found or not starts_with_role(found.group("role"), table):
        return None
    end = found.end("role")
    while True:
        more = re.match(r",\s*(?P<segment>[^,;:()“”\"«».]{2,80}?)\s*(?=,|;|:|\)|\.\s|\.?$)", after[end:])
        if not more or not is_portfolio(more.group("segment"), table, known):
            break
        end += more.end("segment")
    role = after[found.start("role") : end].rstrip(". ")
    start = name_end + found.start("role")
    return Span(start, start + len(role), role)


def also_role(sentence: Span, after: int, table: dict[str, Any]) -> Span | None:
    """A second role stated apart after a name and its role: ', who is also Minister of X',
    ', die ook minister van X is', ', qui est également ministre de X'."""
    found = grammar(table)["also_role"].match(sentence.text[after - sentence.start :])
    if not found or not starts_with_role(found.group("role"), table):
        return None
    role = re.sub(r"\s+(?:is|was|est)$", "", found.group("role").rstrip(". "))
    start = after + found.start("role")
    return Span(start, start + len(role), role)


PARTICLES = {"de", "van", "der", "den", "le", "la", "du", "von", "d’", "d'", "van de", "van der"}


def is_particle(word: str) -> bool:
    """Whether a word is a name particle ('de', 'Van', 'der', 'Le', "d'"), capitalised or not."""
    return word.lower() in PARTICLES


def name_candidates(sentence: Span, table: dict[str, Any], known: Lexicon) -> list[Span]:
    """The stretches of capitalised words of a sentence that may be a person's name: known names,
    and runs of two or more capitalised words (particles aside) none of which is a never-a-name
    word."""
    found: list[Span] = []
    for run in NAME_RUN.finditer(sentence.text):
        words = list(re.finditer(rf"{NAME_WORD}|{PARTICLE}", run.group(0)))
        pieces: list[list[re.Match[str]]] = [[]]
        for word in words:
            if not is_particle(word.group(0)) and never_a_name(word.group(0), known):
                pieces.append([])
            else:
                pieces[-1].append(word)
        for piece in pieces:
            while piece and is_particle(piece[-1].group(0)):
                piece = piece[:-1]
            while len(piece) > 1 and is_particle(piece[0].group(0)) and not piece[0].group(0)[0].isupper():
                piece = piece[1:]
            if not piece:
                continue
            start = sentence.start + run.start() + piece[0].start()
            end = sentence.start + run.start() + piece[-1].end()
            text = sentence.text[start - sentence.start : end - sentence.start]
            names = [w for w in piece if not is_particle(w.group(0))]
            if len(names) >= 2 or fold(text) in known.names:
                found.append(Span(start, end, text))
    return found


def never_a_name(word: str, known: Lexicon) -> bool:
    """Whether a word is never part of a person's name: a never-a-name word, or a compound of them
    ('Azië-Oceanië', 'Asia-Pacific'; never 'Jan-Willem')."""
    folded = fold(word)
    return folded in known.never or ("-" in folded and all(p in known.never for p in folded.split("-")))


def gender_of(sentence: Span, name: Span, role: Span | None, table: dict[str, Any]) -> str | None:
    """The gender the words beside a name give (a title before it, a feminine role), or None."""
    start = max(0, (role or name).start - sentence.start - 12)
    window = fold(sentence.text[start : name.start - sentence.start])
    # The role's head words give its gender ('directeur général'), not the words of its portfolio
    # ('de la Coopération').
    small = small_words(table)
    words = ROLE_WORDS.findall(fold(role.text)) if role else []
    role_words = set(itertools.takewhile(lambda w: w not in small, words))
    for gender, (cues, before) in grammar(table)["genders"].items():
        if cues & role_words or before.search(window):
            return str(gender)
    return None


def speaking(sentence: Span, name: Span, known: Lexicon, table: dict[str, Any]) -> bool:
    """Whether a verb of saying or 'according to' stands right beside a name ('said Jan Peeters',
    'Jan Peeters said', 'belooft Jan Peeters', 'volgens Jan Peeters')."""
    if known.speech is None:
        return False
    raw_before = sentence.text[
        max(0, name.start - sentence.start - SPEECH_WINDOW) : name.start - sentence.start
    ]
    raw_after = sentence.text[name.end - sentence.start : name.end - sentence.start + SPEECH_WINDOW]
    before, after = fold(raw_before), fold(raw_after)
    if re.search(rf"{known.speech.pattern}\W*$", before) or re.match(rf"^\W*{known.speech.pattern}", after):
        return True
    last = re.search(r"(\w+)\W*$", raw_before)
    first = re.match(r"^\W*(\w+)", raw_after)
    return bool((last and is_saying(last.group(1), table)) or (first and is_saying(first.group(1), table)))


def surname_keys(person: Person) -> list[str]:
    """The folded ways of writing a person's surname alone: the last word, and for a name of three
    words or more the words after the first ('De Brabander')."""
    words = person.name.split()
    keys = [fold(words[-1])]
    if len(words) > 2:
        keys.append(fold(" ".join(words[1:])))
    return keys


def find_mentions(
    sentence: Span, table: dict[str, Any], reference: Any, surnames: dict[str, Person]
) -> list[Mention]:
    """Persons named in a sentence with their roles: known names anywhere, names with a role
    before or after them, and surnames of persons named earlier in the article (surnames: their
    keys, from surname_keys)."""
    known = lexicon(table, reference)
    found: list[Mention] = []
    for name in name_candidates(sentence, table, known):
        role = role_before(sentence, name.start, table, known)
        after = role_after(sentence, name.end, table, known)
        role = role or after
        also = also_role(sentence, (after or name).end, table)
        key = fold(" ".join(name.text.split()))
        if (
            key in known.names
            or role is not None
            or also is not None
            or speaking(sentence, name, known, table)
        ):
            person = resolve_person(name.text, reference.persons)
        elif key in surnames:
            person = surnames[key]
        else:
            continue
        found.append(Mention(person, name, role, also, gender_of(sentence, name, role, table)))
    for word in re.finditer(rf"(?<![\w’'-])(?:{PARTICLE}\s+)?{NAME_WORD}", sentence.text):
        start = sentence.start + word.start()
        if any(m.name.start <= start < m.name.end for m in found):
            continue
        key = fold(word.group(0))
        if key in surnames and key not in known.never:
            span = Span(start, sentence.start + word.end(), word.group(0))
            found.append(Mention(surnames[key], span, None, None, None))
    return sorted(found, key=lambda m: m.name.start)
