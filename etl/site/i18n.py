"""The languages of the site's own pages (landing, downloads, charts, use the data, changelog):
English, Dutch and French, their texts in one file (i18n.yml), and the choice of a visitor's
language: `?lang=` (which the site then remembers in a cookie), else the cookie, else the
browser's Accept-Language, else English.

The texts are checked when loaded: one missing in a language is an error naming the key and
the language, so no page ever shows a key or falls back silently."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from markupsafe import Markup, escape

from etl.reference import read_yaml

STRINGS_FILE = Path(__file__).resolve().parent / "i18n.yml"
LANGUAGES = ("en", "nl", "fr")
DEFAULT_LANGUAGE = "en"
COOKIE = "diplodata_lang"
# A year, so that the choice outlives a visit.
COOKIE_MAX_AGE = 365 * 24 * 3600
# Each language named in itself, for the switch.
LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands", "fr": "Français"}


class TextsError(ValueError):
    """A text of the interface missing in a language, or a malformed texts file."""


def three_languages(value: Any, where: str, error: type[ValueError] | None = None) -> dict[str, str]:
    """A text in each language of the site, its white space collapsed; the error (TextsError
    unless given) names where a language is missing or unknown."""
    fail = error or TextsError
    if not isinstance(value, dict):
        raise fail(f"{where}: needs a text in each of {', '.join(LANGUAGES)}")
    missing = [lang for lang in LANGUAGES if not str(value.get(lang) or "").strip()]
    if missing:
        raise fail(f"{where}: no text in {', '.join(missing)}")
    extra = sorted(set(value) - set(LANGUAGES))
    if extra:
        raise fail(f"{where}: unknown language {', '.join(map(str, extra))}")
    return {lang: " ".join(str(value[lang]).split()) for lang in LANGUAGES}


def parse_texts(data: Any, where: str = "i18n.yml") -> dict[str, dict[str, str]]:
    """The interface texts by key and language, every key checked to have all three languages."""
    if not isinstance(data, dict) or not data:
        raise TextsError(f"{where}: holds no texts")
    return {str(key): three_languages(value, f"{where}: {key}") for key, value in data.items()}


@functools.cache
def load_texts(path: Path = STRINGS_FILE) -> dict[str, dict[str, str]]:
    """The interface texts of the site (i18n.yml)."""
    return parse_texts(read_yaml(path), path.name)


@dataclass(frozen=True)
class Texts:
    """The interface texts in one language, read as `t.key` or `t["key"]` in the templates;
    `t.f("key", n=...)` fills in a text's `{placeholders}`."""

    lang: str
    by_key: Mapping[str, Mapping[str, str]]

    def __getitem__(self, key: str) -> str:
        if key not in self.by_key:
            raise KeyError(f"i18n.yml has no text {key!r}")
        return self.by_key[key][self.lang]

    def __getattr__(self, key: str) -> str:
        if key.startswith("_"):
            raise AttributeError(key)
        return self[key]

    def f(self, key: str, **values: Any) -> Markup:
        """A text with its placeholders filled in, as HTML: the values are escaped unless they are
        markup already (a link, a `<time>` element built by a template macro)."""
        return Markup(escape(self[key])).format(**values)


def texts(lang: str) -> Texts:
    """The interface texts in a language."""
    return Texts(lang if lang in LANGUAGES else DEFAULT_LANGUAGE, load_texts())


def accepted(header: str) -> list[str]:
    """The languages of an Accept-Language header, most wanted first (primary tags only)."""
    weighted = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag:
            weighted.append((-quality, position, tag.split("-")[0].lower()))
    return [tag for quality, _, tag in sorted(weighted) if quality < 0]


def choose_language(query: str, cookie: str | None, accept_language: str | None) -> str:
    """The language to answer in: `lang` of the query string, else the cookie, else the first
    language of Accept-Language the site speaks, else English."""
    asked = dict(parse_qsl(query)).get("lang")
    if asked in LANGUAGES:
        return asked
    if cookie in LANGUAGES:
        return str(cookie)
    for tag in accepted(accept_language or ""):
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def asked_language(query: str) -> str | None:
    """The language a query string asks for (`?lang=nl`), to remember; None if none or unknown."""
    asked = dict(parse_qsl(query)).get("lang")
    return asked if asked in LANGUAGES else None


def language_links(path: str, query: str) -> list[dict[str, str]]:
    """The same page in each language: its code, name and address (`?lang=` added to the query)."""
    kept = [(k, v) for k, v in parse_qsl(query) if k != "lang"]
    return [
        {"lang": lang, "name": LANGUAGE_NAMES[lang], "href": f"{path}?{urlencode([*kept, ('lang', lang)])}"}
        for lang in LANGUAGES
    ]


def request_language(request: Any) -> str:
    """The language of a Datasette request."""
    headers = getattr(request, "headers", {}) or {}
    cookies = getattr(request, "cookies", {}) or {}
    return choose_language(
        str(getattr(request, "query_string", "") or ""), cookies.get(COOKIE), headers.get("accept-language")
    )


MONTHS = {
    "en": "January February March April May June July August September October November December",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
}


def period_label(value: str, lang: str) -> str:
    """A date at its precision, as people of a language write it: 2025-02 → February 2025,
    februari 2025, février 2025; 2025-02-06 → 6 February 2025; 2019 → 2019."""
    months = MONTHS.get(lang, MONTHS[DEFAULT_LANGUAGE]).split()
    parts = value.split("-")
    try:
        if len(parts) == 2:
            return f"{months[int(parts[1]) - 1]} {parts[0]}"
        if len(parts) == 3:
            day = int(parts[2])
            ordinal = "1er" if lang == "fr" and day == 1 else str(day)
            return f"{ordinal} {months[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        return value
    return value
