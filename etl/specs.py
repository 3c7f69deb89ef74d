"""The packages' metadata, expanded from etl/schemas/*.yml: the one source of truth for the
datapackage.json files, the database and Datasette's metadata.yml."""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from etl.layout import SCHEMAS_DIR
from etl.reference import read_yaml

PACKAGE_FILES = ("diplomacy-news", "diplomacy-events", "diplomacy-network")
PROJECT_KEYS = ("version", "licenses", "contributors")


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

    @property
    def field_names(self) -> list[str]:
        """Names of the fields, in order."""
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
        periods=tuple((field, *bounds) for field, bounds in (body.get("periods") or {}).items()),
    )


@functools.cache
def load_project(directory: Path = SCHEMAS_DIR) -> dict[str, Any]:
    """Project-wide metadata (project.yml)."""
    return dict(read_yaml(directory / "project.yml"))


@functools.cache
def load_packages(directory: Path = SCHEMAS_DIR) -> tuple[PackageSpec, ...]:
    """Every package's spec, in publication order."""
    shared_fields = read_yaml(directory / "fields.yml")
    shared = read_yaml(directory / "resources.yml")
    specs = []
    for name in PACKAGE_FILES:
        raw = read_yaml(directory / f"{name}.yml")
        resources = tuple(expand_resource(r, shared_fields, shared) for r in raw["resources"])
        specs.append(PackageSpec(raw["name"], raw["title"], raw["description"], resources))
    return tuple(specs)


def resource_specs() -> dict[str, ResourceSpec]:
    """Every resource by name (a resource carried by several packages appears once)."""
    found: dict[str, ResourceSpec] = {}
    for package in load_packages():
        for resource in package.resources:
            found.setdefault(resource.name, resource)
    return found
