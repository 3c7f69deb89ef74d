"""Curated facts from cited publications (reference/curated/*.yml): checked against their JSON
Schema and the project's rules, and turned into rows of the same resources as extracted facts."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from etl.layout import REFERENCE_DIR
from etl.reference import ReferenceError, load_yaml

CURATED_DIR = REFERENCE_DIR / "curated"
FILES = ("sources", "post_counts", "network_changes", "contact_days")
SERIES = "diplomatic_contact_days"
RANKING = "lowy_global_diplomacy_index"
PUBLICATION = "publication"

Row = dict[str, Any]


class CuratedError(ReferenceError):
    """A curated fact that breaks the schema or a rule; str() names the file, the entry and the reason."""


def isoformat_dates(value: Any) -> Any:
    """A YAML value with dates turned into ISO 8601 strings, recursively."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: isoformat_dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [isoformat_dates(v) for v in value]
    return value


def read_checked(folder: Path, names: tuple[str, ...], empty: Any = None) -> dict[str, Any]:
    """Each file `<name>.yml` of a folder, its dates as ISO strings, checked against the definition
    of its name in the folder's schema.json (an empty file read as `empty`, when given);
    CuratedError names the file and the first entry that breaks it."""
    schema = json.loads((folder / "schema.json").read_text(encoding="utf-8"))
    found: dict[str, Any] = {}
    for name in names:
        path = folder / f"{name}.yml"
        try:
            loaded = load_yaml(path.read_text(encoding="utf-8"))
            data = isoformat_dates(loaded if empty is None else loaded or empty)
        except (OSError, yaml.YAMLError) as exc:
            raise CuratedError(f"{path}: {str(exc).splitlines()[0]}") from None
        validator = jsonschema.Draft202012Validator({**schema, "$ref": f"#/$defs/{name}"})
        for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in error.absolute_path) or "(top)"
            raise CuratedError(f"{path}: entry {where}: {error.message}")
        found[name] = data
    return found


def read_curated(folder: Path = CURATED_DIR) -> dict[str, list[dict[str, Any]]]:
    """Every curated file, checked against its JSON Schema definition."""
    return read_checked(folder, FILES, empty=[])


def check_rules(
    curated: dict[str, list[dict[str, Any]]],
    persons: set[str],
    post_types: dict[str, str],
    folder: Path = CURATED_DIR,
) -> None:
    """The rules a schema cannot say: citations resolve, one value per series point, dates in order."""
    sources = {s["id"] for s in curated["sources"]}
    for name in FILES[1:]:
        for index, entry in enumerate(curated[name]):
            if entry["source"] not in sources:
                raise CuratedError(
                    f"{folder / name}.yml: entry {index}: source {entry['source']!r} is not "
                    "in sources.yml; cite a listed publication"
                )
    seen: set[tuple[str, str, str, str]] = set()
    for index, entry in enumerate(curated["post_counts"]):
        for code in entry["counts"]:
            if post_types.get(code) != entry["typology"]:
                raise CuratedError(
                    f"{folder}/post_counts.yml: entry {index}: {code!r} is not a post type of "
                    f"the {entry['typology']} typology"
                )
            key = (entry["as_of"], entry["source"], entry["typology"], code)
            if key in seen:
                raise CuratedError(
                    f"{folder}/post_counts.yml: entry {index}: a second value for "
                    f"{'/'.join(key)}; a series has one value per date, source, typology and type"
                )
            seen.add(key)
    for index, edition in enumerate(curated["contact_days"]):
        where = f"{folder}/contact_days.yml: entry {index}"
        if edition.get("start") and edition.get("end") and edition["end"] < edition["start"]:
            raise CuratedError(f"{where}: ends {edition['end']}, before it starts {edition['start']}")
        for speaker in edition.get("speakers") or []:
            if speaker["person"] not in persons:
                raise CuratedError(f"{where}: person {speaker['person']!r} is not in reference/persons.yml")
            day = speaker.get("day")
            if day and not (edition.get("start") or day) <= day <= (edition.get("end") or day):
                raise CuratedError(
                    f"{where}: {speaker['person']} spoke on {day}, outside the edition "
                    f"({edition.get('start')} to {edition.get('end')})"
                )
    for index, entry in enumerate(curated["network_changes"]):
        for post in entry["posts"]:
            if post.get("post_type") and post["post_type"] not in post_types:
                raise CuratedError(
                    f"{folder}/network_changes.yml: entry {index}: unknown post type {post['post_type']!r}"
                )


def source_rows(curated: dict[str, list[dict[str, Any]]]) -> list[Row]:
    """The sources rows of the cited publications."""
    return [
        {
            "id": s["id"],
            "kind": PUBLICATION,
            "title": s["title"],
            "url": s["url"],
            "publisher": s["publisher"],
            "language": s["language"],
            "published": s.get("published"),
            "sha256": None,
            "confidence": s["confidence"],
            "note": " ".join(s["note"].split()) if s.get("note") else None,
        }
        for s in curated["sources"]
    ]


def network_rows(curated: dict[str, list[dict[str, Any]]]) -> dict[str, list[Row]]:
    """The post_counts, post_totals, rankings and network_changes rows of the curated facts."""
    counts, totals, rankings, changes = [], [], [], []
    span = {"evidence": None, "char_start": None, "char_end": None}
    for entry in curated["post_counts"]:
        base = {"source": entry["source"], "as_of": entry["as_of"], "typology": entry["typology"]}
        for code, count in entry["counts"].items():
            counts.append(
                {
                    **base,
                    "as_of_basis": "stated",
                    "post_type": code,
                    "count": count,
                    "provenance": PUBLICATION,
                    **span,
                }
            )
        parts = sum(entry["counts"].values()) if entry["counts"] else None
        if parts is not None:
            totals.append(
                {
                    **base,
                    "total_kind": "derived",
                    "total": parts,
                    "parts_sum": parts,
                    "consistent": True,
                    "provenance": "derived",
                    **span,
                }
            )
        if "total" in entry:
            totals.append(
                {
                    **base,
                    "total_kind": "stated",
                    "total": entry["total"],
                    "parts_sum": parts,
                    "consistent": None if parts is None else entry["total"] == parts,
                    "provenance": PUBLICATION,
                    **span,
                }
            )
        if "rank" in entry:
            rankings.append(
                {
                    "source": entry["source"],
                    "ranking": RANKING,
                    "as_of": entry["as_of"],
                    "rank": entry["rank"],
                    "provenance": PUBLICATION,
                }
            )
    for entry in curated["network_changes"]:
        note = entry.get("announced_note")
        for post in entry["posts"]:
            notes = [n for n in (post.get("note"), f"announced date {note}" if note else None) if n]
            changes.append(
                {
                    "source": entry["source"],
                    "change": entry["change"],
                    "city": post["city"],
                    "country": post["country"],
                    "country_name": post["country_name"],
                    "post_type": post.get("post_type"),
                    "announced": entry["announced"],
                    "announced_basis": entry.get("announced_basis", "stated"),
                    "effective": entry.get("effective"),
                    "note": "; ".join(notes) or None,
                    "provenance": PUBLICATION,
                }
            )
    return {"post_counts": counts, "post_totals": totals, "rankings": rankings, "network_changes": changes}


def event_rows(curated: dict[str, list[dict[str, Any]]], persons: dict[str, str]) -> dict[str, list[Row]]:
    """The events, event_themes, event_speakers, person_roles and persons rows of the contact days."""
    events, themes, speakers, roles, people = [], [], [], [], {}
    span = {"evidence": None, "char_start": None, "char_end": None}
    for edition in curated["contact_days"]:
        event = f"{SERIES.replace('_', '-')}-{edition['edition']}"
        source = edition["source"]
        city = edition.get("city")
        events.append(
            {
                "id": event,
                "name": edition.get("name"),
                "series": SERIES,
                "edition": edition["edition"],
                "start_date": edition.get("start"),
                "end_date": edition.get("end"),
                "city": city,
                "venue": edition.get("venue"),
                "country": "BE" if city == "Brussels" else None,
                "format": edition.get("format"),
                "participants": None,
                "participants_qualifier": None,
                "source": source,
                "provenance": PUBLICATION,
                **span,
            }
        )
        themes += [
            {
                "event": event,
                "theme": theme,
                "source": source,
                "provenance": PUBLICATION,
                "char_start": None,
                "char_end": None,
            }
            for theme in edition.get("themes") or []
        ]
        for speaker in edition.get("speakers") or []:
            person = speaker["person"]
            people[person] = {"id": person, "name": persons[person], "wikidata": None}
            speakers.append(
                {
                    "event": event,
                    "person": person,
                    "role": speaker["role"],
                    "day": speaker.get("day"),
                    "source": source,
                    "provenance": PUBLICATION,
                    **span,
                }
            )
            roles.append(
                {
                    "person": person,
                    "article": None,
                    "source": source,
                    "role": speaker["role"],
                    "stated": speaker.get("day") or edition.get("start"),
                    "provenance": PUBLICATION,
                    "char_start": None,
                    "char_end": None,
                }
            )
    return {
        "events": events,
        "event_themes": themes,
        "event_speakers": speakers,
        "person_roles": roles,
        "persons": list(people.values()),
    }


def curated_rows(
    reference_persons: list[dict[str, Any]],
    post_types: list[dict[str, Any]],
    folder: Path = CURATED_DIR,
    posts_folder: Path | None = None,
) -> dict[str, list[Row]]:
    """Every row of the curated facts, by resource name, after the schema and rule checks, with the
    posts list of posts_folder when given (its warnings under "warnings")."""
    from etl.curate.posts import curated_posts

    curated = read_curated(folder)
    names = {p["id"]: p["name"] for p in reference_persons}
    check_rules(curated, set(names), {t["code"]: t["typology"] for t in post_types}, folder)
    rows = {"sources": source_rows(curated), **network_rows(curated), **event_rows(curated, names)}
    if posts_folder is not None:
        posts = curated_posts(post_types, posts_folder)
        rows = {**rows, **posts, "sources": rows["sources"] + posts["sources"]}
    return rows
