"""The packages' metadata, expanded from etl/schemas/*.yml: the one source of truth for the
datapackage.json files, the database, Datasette's metadata.yml and the catalogue records.

Every title and description is written in English (`title`, `description`: plain strings, the
default everywhere) and beside it in Dutch and French, under the same key with the language's
suffix (`title_nl`, `title_fr`, `description_nl`, `description_fr`). A text missing in a language
stops the loading with one line per missing text, naming the file and the entry."""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.layout import ROOT, SCHEMAS_DIR
from etl.reference import ReferenceError, read_yaml

PACKAGE_FILES = ("diplomacy-news", "diplomacy-events", "diplomacy-network")
PROJECT_KEYS = ("version", "licenses", "contributors")
# The languages of the metadata, the default first: its texts have the plain keys.
LANGUAGES = ("en", "nl", "fr")
DEFAULT_LANGUAGE = LANGUAGES[0]
# The keys whose texts are written in every language, per kind of entry.
TEXT_KEYS = ("title", "description")
PROJECT_TEXT_KEYS = ("title", "description", "license_note", "keywords")
QUERY_TEXT_KEYS = ("title", "description", "description_html")


class SpecError(ReferenceError):
    """Package specs that cannot be used as they are: one problem a line, each naming its file."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def text_key(key: str, language: str) -> str:
    """The key of a text in a language: `title` in English, `title_nl` in Dutch."""
    return key if language == DEFAULT_LANGUAGE else f"{key}_{language}"


def written(value: Any) -> bool:
    """Whether a text is written: a string that is not blank, or a list of such strings."""
    if isinstance(value, list):
        return bool(value) and all(written(v) for v in value)
    return isinstance(value, str) and bool(value.strip())


def translations(entry: Mapping[str, Any], key: str) -> dict[str, str]:
    """An entry's text under key in every language it is written in, by language code."""
    found = {lang: entry.get(text_key(key, lang)) for lang in LANGUAGES}
    return {lang: value for lang, value in found.items() if isinstance(value, str) and written(value)}


def missing_texts(where: str, entry: Mapping[str, Any], keys: tuple[str, ...] = TEXT_KEYS) -> list[str]:
    """One line per text of an entry missing (or empty) in a language, naming where the entry is:
    `etl/schemas/fields.yml: char_start: title_nl is missing`. A key the entry has no English
    text for (a query described by description_html, say) needs no translation."""
    problems = []
    for key in keys:
        if key not in entry:
            continue
        for language in LANGUAGES:
            name = text_key(key, language)
            value = entry.get(name)
            if name not in entry:
                problems.append(f"{where}: {name} is missing")
            elif not written(value):
                problems.append(f"{where}: {name} is empty")
    return problems


@dataclass(frozen=True)
class ResourceSpec:
    """A resource of a package: its Table Schema and the project's annotations."""

    name: str
    title: str
    description: str
    schema: dict[str, Any]
    span: dict[str, str] | None
    datasette: dict[str, Any]
    # The fields in which an article contradicts a curated row of the same key (they then differ).
    contradiction: tuple[str, ...] = ()
    # Dates written at the precision known (YYYY, YYYY-MM, ...): the field, then the names of its
    # typed companions, the first and the last day of the period it names.
    periods: tuple[tuple[str, str, str], ...] = ()
    # The title and description in every language, by language code (English as title, description).
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    @functools.cached_property
    def field_names(self) -> list[str]:
        """Names of the fields, in order (worked out once: not to be changed)."""
        return [f["name"] for f in self.schema["fields"]]

    @property
    def primary_key(self) -> list[str]:
        """Fields of the primary key."""
        return list(self.schema.get("primaryKey", []))


@dataclass(frozen=True)
class PackageSpec:
    """A package: its descriptor properties and its resources."""

    name: str
    title: str
    description: str
    resources: tuple[ResourceSpec, ...]
    # The title and description in every language, by language code (English as title, description).
    titles: dict[str, str] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    @property
    def resource_names(self) -> set[str]:
        """Names of the package's resources."""
        return {r.name for r in self.resources}

    def resource(self, name: str) -> ResourceSpec:
        """The resource of this name."""
        return next(r for r in self.resources if r.name == name)


def expand_fields(fields: list[Any], shared: dict[str, Any]) -> list[dict[str, Any]]:
    """Fields with shared field names replaced by their definitions."""
    return [{"name": f, **copy.deepcopy(shared[f])} if isinstance(f, str) else dict(f) for f in fields]


def expand_resource(entry: Any, shared_fields: dict[str, Any], shared: dict[str, Any]) -> ResourceSpec:
    """A ResourceSpec from a resource entry (or the name of a shared resource)."""
    body = {"name": entry, **copy.deepcopy(shared[entry])} if isinstance(entry, str) else dict(entry)
    schema = dict(body["schema"])
    schema["fields"] = expand_fields(schema["fields"], shared_fields)
    return ResourceSpec(
        name=body["name"],
        title=body["title"],
        description=body["description"],
        schema=schema,
        span=body.get("span"),
        datasette=dict(body.get("datasette") or {}),
        contradiction=tuple(body.get("contradiction") or ()),
        periods=tuple((name, *bounds) for name, bounds in (body.get("periods") or {}).items()),
        titles=translations(body, "title"),
        descriptions=translations(body, "description"),
    )


def shown(path: Path) -> str:
    """A schema file's path as messages name it: relative to the checkout when inside it."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def resource_entries(where: str, resources: Any) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each resource written out in full in a list or mapping of resources, and each of their
    fields written out in full, with where it is (`articles`, `articles.id`)."""
    items = resources.items() if isinstance(resources, Mapping) else ((None, r) for r in resources or [])
    for key, resource in items:
        if not isinstance(resource, Mapping):
            continue  # a shared resource named by its name alone: checked in resources.yml
        name = resource.get("name", key)
        yield f"{where}: {name}", resource
        for entry in (resource.get("schema") or {}).get("fields") or []:
            if isinstance(entry, Mapping):
                yield f"{where}: {name}.{entry.get('name')}", entry


def schema_text_problems(file: str, raw: Any) -> list[str]:
    """Every title and description missing in a language in one schema file's contents, one line
    each, naming the file (as given) and the entry: project.yml's own texts and canned queries,
    fields.yml's fields, resources.yml's resources, a package file's package and resources."""
    name = Path(file).name
    data: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    problems: list[str] = []
    if name == "project.yml":
        problems += missing_texts(f"{file}: project", data, PROJECT_TEXT_KEYS)
        for query, body in (data.get("queries") or {}).items():
            problems += missing_texts(f"{file}: queries.{query}", body or {}, QUERY_TEXT_KEYS)
    elif name == "fields.yml":
        for field_name, body in data.items():
            problems += missing_texts(f"{file}: {field_name}", body or {})
    elif name == "resources.yml":
        for where, entry in resource_entries(file, data):
            problems += missing_texts(where, entry)
    else:
        problems += missing_texts(f"{file}: package", data)
        for where, entry in resource_entries(file, data.get("resources")):
            problems += missing_texts(where, entry)
    return problems


def check_texts(directory: Path = SCHEMAS_DIR) -> list[str]:
    """Every text of the schema files missing in a language, one line each (none when complete)."""
    names = ["project.yml", "fields.yml", "resources.yml", *(f"{n}.yml" for n in PACKAGE_FILES)]
    return [p for n in names for p in schema_text_problems(shown(directory / n), read_yaml(directory / n))]


def require_texts(directory: Path) -> None:
    """Raise SpecError, one line per missing text, when a text lacks a language."""
    problems = check_texts(directory)
    if problems:
        raise SpecError(problems)


@functools.cache
def load_project(directory: Path = SCHEMAS_DIR) -> dict[str, Any]:
    """Project-wide metadata (project.yml); SpecError when a text lacks a language."""
    require_texts(directory)
    return dict(read_yaml(directory / "project.yml"))


@functools.cache
def load_packages(directory: Path = SCHEMAS_DIR) -> tuple[PackageSpec, ...]:
    """Every package's spec, in publication order; SpecError when a text lacks a language."""
    require_texts(directory)
    shared_fields = read_yaml(directory / "fields.yml")
    shared = read_yaml(directory / "resources.yml")
    specs = []
    for name in PACKAGE_FILES:
        raw = read_yaml(directory / f"{name}.yml")
        resources = tuple(expand_resource(r, shared_fields, shared) for r in raw["resources"])
        specs.append(
            PackageSpec(
                raw["name"],
                raw["title"],
                raw["description"],
                resources,
                titles=translations(raw, "title"),
                descriptions=translations(raw, "description"),
            )
        )
    return tuple(specs)


def resource_specs() -> dict[str, ResourceSpec]:
    """Every resource by name (a resource carried by several packages appears once)."""
    found: dict[str, ResourceSpec] = {}
    for package in load_packages():
        for resource in package.resources:
            found.setdefault(resource.name, resource)
    return found
