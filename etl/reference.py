"""Curated reference tables: language tables, post types, places, event series, persons, and the
news site as the crawler reads it."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from etl.layout import REFERENCE_DIR

LANGUAGE_KEYS = (
    "language",
    "months",
    "weekdays",
    "ordinal_suffixes",
    "range_openers",
    "range_connectors",
    "day_month_links",
    "date_orders",
    "thousands_separators",
    "qualifiers",
    "post_qualifiers",
    "quote_marks",
    "attribution_dashes",
    "role_heads",
    "role_joiners",
    "furniture",
    "furniture_dashes",
    "participant_groups",
    "participant_modifiers",
    "theme_markers",
    "list_joiners",
    "speaking_cues",
    "total_terms",
    "post_heads",
    "post_head_order",
    "post_modifiers",
    "post_exclusions",
    "count_exclusions",
    "become_verbs",
    "negations",
    "subset_cues",
    "count_links",
    "count_nouns",
    "count_copulas",
    "count_partitives",
    "total_cues",
    "total_cues_after",
    "total_words",
    "network_cues",
    "clause_breaks",
    "distributive_words",
    "anaphoric_counts",
    "anaphoric_adverbs",
    "comparison_links",
    "attribution_verbs",
    "attribution_lemmas",
    "pronouns",
    "gender_cues",
    "portfolio_words",
    "name_stopwords",
    "also_role",
    "role_links",
    "indefinite_articles",
    "place_prepositions",
    "future_cues",
    "next_cues",
    "according_to",
    "determiners",
    "approximate_numbers",
    "approximate_articles",
    "approximate_suffixes",
    "article_numbers",
    "number_links",
    "multipliers",
    "event_nouns",
    "period_markers",
    "seasons",
    "year_prepositions",
    "relative_years",
    "years_ago",
    "now_words",
    "change_verbs",
    "change_links",
    "change_negations",
    "change_hedges",
    "change_years",
)


class ReferenceError(Exception):
    """A reference table that is missing or malformed; str() names the file."""


@dataclass(frozen=True)
class Reference:
    """Every curated table the extractor and the packages use."""

    languages: dict[str, dict[str, Any]]
    post_types: list[dict[str, Any]]
    cities: list[dict[str, Any]]
    venues: list[dict[str, Any]]
    series: list[dict[str, Any]]
    persons: list[dict[str, Any]]
    site: dict[str, Any]
    assertions: dict[str, Any] = field(default_factory=dict)


# The C loader of libyaml when PyYAML has it (about ten times faster), else the pure-Python one;
# both safe, and both read the same values.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """Parse YAML text safely, with the fastest safe loader there is."""
    return yaml.load(text, Loader=SAFE_LOADER)


def read_yaml(path: Path) -> Any:
    """Load one YAML file, naming it in the error when it cannot be read."""
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReferenceError(f"{path}: {str(exc).splitlines()[0]}") from None


def read_language(path: Path) -> dict[str, Any]:
    """Load a language table and check it has exactly the keys the extractor reads."""
    table = read_yaml(path)
    missing = [key for key in LANGUAGE_KEYS if key not in (table or {})]
    if missing:
        raise ReferenceError(f"{path}: language table lacks {', '.join(missing)}")
    unknown = sorted(set(table) - set(LANGUAGE_KEYS))
    if unknown:
        raise ReferenceError(
            f"{path}: language table has keys the extractor does not read: {', '.join(unknown)}"
        )
    for key, value in table.items():
        words = value if isinstance(value, list) else list(value) if isinstance(value, dict) else []
        strange = [w for w in words if not isinstance(w, str | list)]
        if strange:
            raise ReferenceError(
                f"{path}: {key} holds {strange[0]!r}, which is not text; quote it (YAML reads yes, "
                "no, on, off as booleans)"
            )
    if table["language"] != path.stem:
        raise ReferenceError(f"{path}: language is {table['language']!r}, expected {path.stem!r}")
    return dict(table)


ASSERTED_TABLES = ("post_counts", "post_totals")
BOUNDS = ("min", "max", "max_change")


def read_assertions(path: Path) -> dict[str, Any]:
    """Load the assertions file and check its shape: for each asserted table, entries of a series
    (columns to match) with numeric bounds; the fewest rows per table."""
    data = read_yaml(path) or {}
    unknown = sorted(set(data) - {*ASSERTED_TABLES, "min_rows"})
    if unknown:
        raise ReferenceError(f"{path}: unknown keys {', '.join(unknown)}")
    for table in ASSERTED_TABLES:
        for number, entry in enumerate(data.get(table) or [], start=1):
            if not isinstance(entry, dict) or not isinstance(entry.get("series"), dict):
                raise ReferenceError(f"{path}: {table} entry {number} has no series to match")
            extra = sorted(set(entry) - {"series", *BOUNDS})
            if extra:
                raise ReferenceError(f"{path}: {table} entry {number} has unknown keys {', '.join(extra)}")
            for bound in BOUNDS:
                if bound in entry and not isinstance(entry[bound], int | float):
                    raise ReferenceError(f"{path}: {table} entry {number}: {bound} is not a number")
    for table, rows in (data.get("min_rows") or {}).items():
        if not isinstance(rows, int):
            raise ReferenceError(f"{path}: min_rows of {table} is not a whole number")
    return dict(data)


@functools.cache
def load_reference(directory: Path = REFERENCE_DIR) -> Reference:
    """Load all reference tables of a folder (cached: they do not change during a run)."""
    languages = {p.stem: read_language(p) for p in sorted((directory / "languages").glob("*.yml"))}
    places = read_yaml(directory / "places.yml")
    return Reference(
        languages=languages,
        post_types=list(read_yaml(directory / "post_types.yml")),
        cities=list(places["cities"]),
        venues=list(places["venues"]),
        series=list(read_yaml(directory / "event_series.yml")),
        persons=list(read_yaml(directory / "persons.yml")),
        site=dict(read_yaml(directory / "site.yml")),
        assertions=read_assertions(directory / "assertions.yml"),
    )
