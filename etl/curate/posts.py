"""Belgium's posts abroad as places (reference/posts/): checked against their JSON Schema and the
project's rules, placed with the offline gazetteer, and turned into the posts, post_sources and
sources rows of the network package."""

from __future__ import annotations

import re
import urllib.parse
from collections import defaultdict
from pathlib import Path
from typing import Any

from etl.curate.gazetteer import Entry, Gazetteer, country_names, gazetteer, place
from etl.curate.periods import bounds
from etl.curate.publications import CuratedError, read_checked
from etl.layout import REFERENCE_DIR

POSTS_DIR = REFERENCE_DIR / "posts"
FILES = ("posts", "sources", "places")
# Codes that ISO 3166-1 leaves to users and that the list uses (Kosovo), as its meta says.
USER_ASSIGNED = frozenset({"XK"})
# A date at its precision, then what the list adds in brackets: "2026/2027 (planned)".
DATED = re.compile(r"^(?P<date>\d{4}(?:-\d{2}(?:-\d{2})?)?(?:/\d{4})?)(?:\s*\((?P<rest>.*)\))?$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
KINDS = {
    "official": "an official source (FPS Foreign Affairs or another Belgian government page)",
    "secondary": "a secondary source (Wikipedia, the press, a foreign government)",
    "other": "another source (trade press, a blog, an aggregator, an undated page)",
}
PUBLICATION = "publication"

Row = dict[str, Any]


def read_posts(folder: Path = POSTS_DIR) -> dict[str, Any]:
    """The posts, their sources and the gazetteer lookups, each checked against its JSON Schema."""
    found = read_checked(folder, FILES)
    return {
        "posts": found["posts"]["posts"],
        "sources": found["sources"]["sources"],
        "places": found["places"],
    }


def dated(text: str | None) -> tuple[str | None, str | None]:
    """A date the list writes at its precision and what it adds: ("2026/2027", "planned") for
    "2026/2027 (planned)", (None, the text) when it gives no date ("n.d.", "postponed (…)")."""
    if not text:
        return None, None
    match = DATED.match(text.strip())
    if match is None or bounds(match["date"]) is None:
        return None, text
    return match["date"], match["rest"]


def is_iso_country(code: str) -> bool:
    """Whether a code is an ISO 3166-1 alpha-2 country code, or one ISO leaves to users that the list uses."""
    import pycountry

    return code in USER_ASSIGNED or pycountry.countries.get(alpha_2=code) is not None


def open_period(post: dict[str, Any]) -> tuple[str, str]:
    """The first and last day a row says its post is open (open-ended where no date is known); a
    closing date before the opening is a closure the post came back from, so its row is open since."""
    opened = bounds(dated((post.get("opened") or {}).get("date"))[0])
    closed = bounds(dated((post.get("closed") or {}).get("date"))[0])
    start = opened[0] if opened else "0000-01-01"
    end = closed[1] if closed else "9999-12-31"
    return (start, "9999-12-31") if end < start else (start, end)


def check_posts(found: dict[str, Any], post_types: dict[str, str], folder: Path = POSTS_DIR) -> None:
    """The rules a schema cannot say: every source resolves, every country code is ISO 3166-1, types
    are the FPS's, no post has two rows open at one date, and one row per post."""
    sources = {s["id"] for s in found["sources"]}
    periods: dict[str, list[tuple[str, str]]] = defaultdict(list)
    where = f"{folder}/posts.yml"
    for post in found["posts"]:
        cited = [s["source"] for s in post["sources"]]
        cited += [post[k]["source"] for k in ("opened", "closed") if k in post]
        for source in cited:
            if source not in sources:
                raise CuratedError(
                    f"{where}: post {post['id']}: source {source!r} is not in sources.yml; cite a listed one"
                )
        if not is_iso_country(post["country_code"]):
            raise CuratedError(
                f"{where}: post {post['id']}: {post['country_code']!r} is not an ISO 3166-1 alpha-2 code"
            )
        if post_types.get(post["type"]) != "fps":
            raise CuratedError(f"{where}: post {post['id']}: {post['type']!r} is not a post type of the FPS")
        start, end = open_period(post)
        if any(start <= other_end and other_start <= end for other_start, other_end in periods[post["id"]]):
            raise CuratedError(
                f"{where}: post {post['id']}: a second row open at the same dates; a post has one "
                "row per period, and its periods do not overlap"
            )
        periods[post["id"]].append((start, end))
    if any(len(rows) > 1 for rows in periods.values()):
        twice = sorted(post for post, rows in periods.items() if len(rows) > 1)
        raise CuratedError(f"{where}: post {twice[0]}: a second row; the posts table has one row per post")
    seen = set(periods)
    for index, entry in enumerate(found["places"]):
        if entry["post"] not in seen:
            raise CuratedError(f"{folder}/places.yml: entry {index}: no post {entry['post']!r} in posts.yml")


def located(post: dict[str, Any], lookups: dict[str, dict[str, Any]], index: Gazetteer) -> Entry | None:
    """The gazetteer's entry for a post's city, asked as places.yml says for that post."""
    lookup = lookups.get(post["id"], {})
    return place(lookup.get("city", post["city"]), lookup.get("country", post["country_code"]), index)


def post_row(post: dict[str, Any], entry: Entry | None) -> Row:
    """The posts row of one post of the list, placed at a gazetteer entry (or not)."""
    status_as_of, status_rest = dated(post["status_as_of"])
    notes = [" ".join(post["notes"].split())] if post.get("notes") else []
    if status_as_of is None or status_rest:
        notes.append(f"Status date as the list gives it: {post['status_as_of'].rstrip('.')}.")
    row: Row = {}
    for key in ("opened", "closed"):
        given = post.get(key) or {}
        date, rest = dated(given.get("date"))
        row |= {key: date, f"{key}_event": given.get("event"), f"{key}_source": given.get("source")}
        if rest:
            notes.append(f"{key.capitalize()} as the list gives it: {given['date']}.")
    en, nl, fr = country_names(post["country_code"])
    return {
        "id": post["id"],
        "city": post["city"],
        "country": post["country_code"],
        "country_name_en": en,
        "country_name_nl": nl,
        "country_name_fr": fr,
        "region": post["region"],
        "post_type": post["type"],
        "status": post["status"],
        "status_as_of": status_as_of,
        **row,
        "latitude": entry["latitude"] if entry else None,
        "longitude": entry["longitude"] if entry else None,
        "geonameid": entry["geonameid"] if entry else None,
        "city_names": "; ".join(entry["names"]) if entry and entry["names"] else None,
        "confidence": post["confidence"],
        "source_count": len(post["sources"]),
        "note": " ".join(notes) or None,
        "provenance": PUBLICATION,
    }


def uri(address: str | None) -> str | None:
    """An address with the characters a URI may not hold percent-encoded (an IRI as a URI)."""
    return urllib.parse.quote(address, safe=":/?#[]@!$&'()*+,;=%~") if address else None


def source_row(source: dict[str, Any]) -> Row:
    """The sources row of one publication of the list."""
    day = source["date"] if DAY.match(source["date"]) else None
    note = f"Read as {KINDS[source['kind']]}; dated {source['date']} by the list."
    if source.get("covers"):
        note += f" What it gives: {' '.join(source['covers'].split())}"
    return {
        "id": source["id"],
        "kind": PUBLICATION,
        "title": source["title"],
        "url": uri(source["url"]),
        "publisher": source["publisher"],
        "language": source["language"],
        "published": day,
        "sha256": None,
        "confidence": None,
        "note": note,
    }


def post_rows(found: dict[str, Any], index: Gazetteer) -> dict[str, list[Row]]:
    """The posts, post_sources and sources rows of the list, with a warning for each post the
    gazetteer cannot place (left without coordinates)."""
    lookups = {entry["post"]: entry for entry in found["places"]}
    posts, links, warnings = [], [], []
    for post in found["posts"]:
        entry = located(post, lookups, index)
        if entry is None:
            warnings.append(
                {
                    "source": post["sources"][0]["source"],
                    "field": "posts.latitude",
                    "message": f"post {post['id']}: the offline gazetteer has no {post['city']} in "
                    f"{post['country_code']}; the post is left without coordinates",
                    "char_start": None,
                    "char_end": None,
                }
            )
        posts.append(post_row(post, entry))
        links += [
            {
                "post": post["id"],
                "source": s["source"],
                "confidence": s["confidence"],
                "supports": s["supports"],
                "provenance": PUBLICATION,
            }
            for s in post["sources"]
        ]
    return {
        "posts": posts,
        "post_sources": links,
        "sources": [source_row(s) for s in found["sources"]],
        "warnings": warnings,
    }


def curated_posts(post_types: list[dict[str, Any]], folder: Path = POSTS_DIR) -> dict[str, list[Row]]:
    """Every row of the posts list, by resource name (and its warnings), after the schema and rule checks."""
    found = read_posts(folder)
    check_posts(found, {t["code"]: t["typology"] for t in post_types}, folder)
    return post_rows(found, gazetteer())
