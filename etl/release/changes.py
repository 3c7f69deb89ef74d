"""What changed between two releases: rows, schemas, resources and packages added, removed or changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from etl.release.read import Key, Row


@dataclass(frozen=True)
class FieldChange:
    """One cell of a row that changed."""

    field: str
    old: str
    new: str


@dataclass(frozen=True)
class RowChange:
    """A row present in both releases whose values differ."""

    key: Key
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class KeyedRow:
    """A row added or removed, with its primary key."""

    key: Key
    values: Row


@dataclass(frozen=True)
class TypeChange:
    """A field whose type (or format) changed."""

    field: str
    old: str
    new: str


@dataclass(frozen=True)
class ConstraintChange:
    """A constraint of a field added, removed or changed; tightened when old data may now fail it."""

    field: str
    constraint: str
    old: Any
    new: Any
    tightened: bool


@dataclass(frozen=True)
class KeyChange:
    """A primary key that changed."""

    old: Key
    new: Key


@dataclass(frozen=True)
class SchemaDiff:
    """Schema changes of a resource."""

    fields_added: tuple[str, ...] = ()
    fields_removed: tuple[str, ...] = ()
    types_changed: tuple[TypeChange, ...] = ()
    constraints_changed: tuple[ConstraintChange, ...] = ()
    primary_key: KeyChange | None = None

    @property
    def count(self) -> int:
        """Number of schema changes."""
        lists = (self.fields_added, self.fields_removed, self.types_changed, self.constraints_changed)
        return sum(len(changes) for changes in lists) + (self.primary_key is not None)


@dataclass(frozen=True)
class ResourceDiff:
    """A resource in both releases: rows matched by `key` (empty when no key fits both), schema."""

    name: str
    key: Key
    added: tuple[KeyedRow, ...]
    removed: tuple[KeyedRow, ...]
    changed: tuple[RowChange, ...]
    unchanged: int
    schema: SchemaDiff
    # The numbers of rows added, removed and changed when the tuples above hold only the first
    # few of each (a build's diff, which keeps what its changelog shows); None when they hold all.
    totals: tuple[int, int, int] | None = None

    @property
    def added_count(self) -> int:
        """How many rows were added."""
        return self.totals[0] if self.totals is not None else len(self.added)

    @property
    def removed_count(self) -> int:
        """How many rows were removed."""
        return self.totals[1] if self.totals is not None else len(self.removed)

    @property
    def changed_count(self) -> int:
        """How many rows changed."""
        return self.totals[2] if self.totals is not None else len(self.changed)

    @property
    def is_empty(self) -> bool:
        """True when neither rows nor schema changed."""
        return not (self.added_count or self.removed_count or self.changed_count or self.schema.count)

    @property
    def counts(self) -> dict[str, int]:
        """Rows added, removed, changed and unchanged, and schema changes."""
        return {
            "added": self.added_count,
            "removed": self.removed_count,
            "changed": self.changed_count,
            "unchanged": self.unchanged,
            "schema": self.schema.count,
        }


@dataclass(frozen=True)
class ResourceSummary:
    """A resource added or removed: its name and number of rows."""

    name: str
    rows: int


@dataclass(frozen=True)
class PackageSummary:
    """A package added or removed: its name, version and resources."""

    name: str
    version: str | None
    resources: tuple[ResourceSummary, ...]


@dataclass(frozen=True)
class PackageDiff:
    """A package in both releases: resources added, removed, and compared."""

    name: str
    old_version: str | None
    new_version: str | None
    resources_added: tuple[ResourceSummary, ...]
    resources_removed: tuple[ResourceSummary, ...]
    resources: tuple[ResourceDiff, ...]

    @property
    def is_empty(self) -> bool:
        """True when no resource was added, removed or changed."""
        changed = any(not r.is_empty for r in self.resources)
        return not (self.resources_added or self.resources_removed or changed)


@dataclass(frozen=True)
class ReleaseDiff:
    """Everything that changed from the OLD release to the NEW one."""

    old: str
    new: str
    packages_added: tuple[PackageSummary, ...]
    packages_removed: tuple[PackageSummary, ...]
    packages: tuple[PackageDiff, ...]

    @property
    def is_empty(self) -> bool:
        """True when nothing changed."""
        changed = any(not p.is_empty for p in self.packages)
        return not (self.packages_added or self.packages_removed or changed)
