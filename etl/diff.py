"""Two releases of the data packages compared row by row: rows added, removed and changed by primary
key, resources and packages added or removed, schema changes, and the semantic-version bump the
change needs. The text report and the Markdown changelog are in etl/changelog.py."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from etl.package import JSON_SUFFIX

DESCRIPTOR = "datapackage.json"
ZIP_SUFFIX = ".zip"
CSV_FORMAT = "csv"
DEFAULT_ENCODING = "utf-8"
DEFAULT_TYPE = "string"
DEFAULT_FORMAT = "default"
BUMPS = ("none", "patch", "minor", "major")
FLAG_CONSTRAINTS = frozenset({"required", "unique"})
LOWER_BOUNDS = frozenset({"minimum", "exclusiveMinimum", "minLength"})
UPPER_BOUNDS = frozenset({"maximum", "exclusiveMaximum", "maxLength"})
VERSION_PATTERN = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
NOT_A_RELEASE = "not a release: no datapackage.json in it or in its sub-folders, and no package zip"

Key = tuple[str, ...]
Row = dict[str, str]


class DiffError(Exception):
    """A release that cannot be compared; str() is one line naming the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(" ".join(f"{path}: {reason}".splitlines()))
        self.path = str(path)
        self.reason = reason


# What a release holds: packages of CSV tables, read as strings (an empty string is null).


@dataclass(frozen=True)
class Table:
    """A CSV resource: its declared schema, its header and its rows as strings."""

    name: str
    where: str
    schema: dict[str, Any]
    header: tuple[str, ...]
    rows: tuple[Row, ...]

    @property
    def primary_key(self) -> Key:
        """Fields of the declared primary key."""
        return primary_key_of(self.schema)


@dataclass(frozen=True)
class Package:
    """A data package: its name, version and CSV tables by resource name, in descriptor order."""

    name: str
    version: str | None
    where: str
    tables: dict[str, Table]


@dataclass(frozen=True)
class Release:
    """Every package of a release, by name."""

    where: str
    packages: dict[str, Package]


# What changed between two releases.


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

    @property
    def is_empty(self) -> bool:
        """True when neither rows nor schema changed."""
        return not (self.added or self.removed or self.changed or self.schema.count)

    @property
    def counts(self) -> dict[str, int]:
        """Rows added, removed, changed and unchanged, and schema changes."""
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
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


# Reading releases (the only I/O of this module).


class PackageFiles(Protocol):
    """The files of one package, wherever they are (a folder or a zip)."""

    @property
    def default_name(self) -> str:
        """The package name when its descriptor has none."""

    def read(self, relative: str) -> bytes | None:
        """The bytes of a file of the package, None when it is missing."""

    def where(self, relative: str) -> str:
        """The file's location, for messages."""


@dataclass(frozen=True)
class FolderFiles:
    """The files of a package folder."""

    folder: Path

    @property
    def default_name(self) -> str:
        """The folder's name."""
        return self.folder.name

    def read(self, relative: str) -> bytes | None:
        """The bytes of a file under the folder, None when it is missing."""
        path = self.folder / relative
        return path.read_bytes() if path.is_file() else None

    def where(self, relative: str) -> str:
        """The file's path."""
        return str(self.folder / relative)


@dataclass(frozen=True)
class ZipFiles:
    """The files of a package in a zip, under a prefix ("" or "<folder>/")."""

    archive: Path
    prefix: str
    members: dict[str, bytes]

    @property
    def default_name(self) -> str:
        """The zip's top folder, or the zip's name without .zip."""
        return self.prefix.rstrip("/") or self.archive.stem

    def read(self, relative: str) -> bytes | None:
        """The bytes of a member, None when it is missing."""
        return self.members.get(self.prefix + relative)

    def where(self, relative: str) -> str:
        """The zip and the member, as archive.zip:member."""
        return f"{self.archive}:{self.prefix}{relative}"


def diff_releases(old: Path, new: Path) -> ReleaseDiff:
    """Compare two releases (datapackages folders, package folders or package zips) row by row."""
    return compare_releases(load_release(old), load_release(new))


def load_release(path: Path) -> Release:
    """Every package of a release: a datapackages folder, a package folder, or a package zip."""
    if not path.exists():
        raise DiffError(path, "not found")
    if path.is_file() and path.name == DESCRIPTOR:
        path = path.parent
    if path.is_file():
        if path.suffix.lower() != ZIP_SUFFIX and not zipfile.is_zipfile(path):
            raise DiffError(path, "not a release: neither a folder nor a package zip")
        packages = zip_packages(path)
    elif (path / DESCRIPTOR).is_file():
        packages = [read_package(FolderFiles(path))]
    else:
        packages = []
        for child in sorted(path.iterdir()):
            if (child / DESCRIPTOR).is_file():
                packages.append(read_package(FolderFiles(child)))
            elif child.is_file() and child.suffix.lower() == ZIP_SUFFIX:
                packages.extend(zip_packages(child))
    if not packages:
        raise DiffError(path, NOT_A_RELEASE)
    by_name: dict[str, Package] = {}
    for package in packages:
        if package.name in by_name:
            where = f"{by_name[package.name].where} and {package.where}"
            raise DiffError(path, f"package {package.name} appears twice ({where})")
        by_name[package.name] = package
    return Release(str(path), by_name)


def zip_packages(path: Path) -> list[Package]:
    """The packages of a zip: a datapackage.json at its top or in a top folder."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError) as exc:
        raise DiffError(path, f"not a readable zip ({exc})") from exc
    descriptors = sorted(
        name
        for name in members
        if PurePosixPath(name).name == DESCRIPTOR and len(PurePosixPath(name).parts) <= 2
    )
    if not descriptors:
        raise DiffError(path, "not a package zip: no datapackage.json at its top or in a top folder")
    return [read_package(ZipFiles(path, name[: -len(DESCRIPTOR)], members)) for name in descriptors]


def read_package(files: PackageFiles) -> Package:
    """A package's CSV tables, read as declared by its datapackage.json."""
    where = files.where(DESCRIPTOR)
    descriptor = parse_json(files.read(DESCRIPTOR) or b"", where)
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise DiffError(where, "not a data package descriptor: no list of resources")
    entries = [r for r in descriptor["resources"] if isinstance(r, dict)]
    names = {r.get("name") for r in entries}
    tables: dict[str, Table] = {}
    for entry in entries:
        if is_csv_resource(entry, names):
            table = read_table(files, entry)
            if table.name in tables:
                raise DiffError(where, f"resource {table.name} is declared twice")
            tables[table.name] = table
    name = descriptor.get("name")
    version = descriptor.get("version")
    return Package(
        name=name if isinstance(name, str) and name else files.default_name,
        version=str(version) if version is not None else None,
        where=files.where("").rstrip(":/") or where,
        tables=tables,
    )


def is_csv_resource(entry: dict[str, Any], names: set[Any]) -> bool:
    """True for a resource stored as a CSV file, other than the JSON twin of another resource."""
    name, path = entry.get("name"), entry.get("path")
    if not isinstance(name, str) or not isinstance(path, str):
        return False
    if name.endswith(JSON_SUFFIX) and name[: -len(JSON_SUFFIX)] in names:
        return False
    return entry.get("format") == CSV_FORMAT or path.lower().endswith(".csv")


def read_table(files: PackageFiles, entry: dict[str, Any]) -> Table:
    """A CSV resource's rows as strings, checked for a header, the key columns and unique keys."""
    name, relative, descriptor = entry["name"], entry["path"], files.where(DESCRIPTOR)
    parts = PurePosixPath(relative).parts
    if relative.startswith("/") or ".." in parts or "://" in relative:
        raise DiffError(descriptor, f"resource {name}: path {relative} is not a file inside the package")
    schema = entry.get("schema")
    if not isinstance(schema, dict):
        raise DiffError(descriptor, f"resource {name} has no inline schema")
    key = primary_key_of(schema)
    if not key:
        raise DiffError(descriptor, f"resource {name} declares no primary key, so its rows cannot be matched")
    where = files.where(relative)
    data = files.read(relative)
    if data is None:
        raise DiffError(where, f"missing: the CSV file of resource {name}")
    dialect: dict[str, Any] = entry["dialect"] if isinstance(entry.get("dialect"), dict) else {}
    header, rows = parse_csv(data, where, str(entry.get("encoding") or DEFAULT_ENCODING), dialect)
    for field in key:
        if field not in header:
            raise DiffError(where, f"primary key field {field} is not a column of the header")
    duplicate = find_duplicate(rows, key)
    if duplicate is not None:
        first, second, value = duplicate
        shown = "/".join(value)
        raise DiffError(
            where, f"duplicate primary key {shown} ({', '.join(key)}) in rows {first} and {second}"
        )
    return Table(name, where, schema, header, rows)


def parse_json(data: bytes, where: str) -> Any:
    """A JSON document, or a DiffError naming the file."""
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise DiffError(where, f"not UTF-8 (byte at offset {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise DiffError(where, f"not valid JSON: {exc.msg} at line {exc.lineno}") from exc


def parse_csv(
    data: bytes, where: str, encoding: str, dialect: dict[str, Any]
) -> tuple[tuple[str, ...], tuple[Row, ...]]:
    """The header and rows of CSV bytes, every value a string (an empty string is null)."""
    try:
        text = data.decode("utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        raise DiffError(
            where, f"not {encoding} (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from exc
    except LookupError as exc:
        raise DiffError(where, f"unknown encoding {encoding}") from exc
    try:
        reader = csv.reader(
            io.StringIO(text, newline=""),
            delimiter=str(dialect.get("delimiter", ",")),
            quotechar=str(dialect.get("quoteChar", '"')),
        )
    except TypeError as exc:
        raise DiffError(where, f"unusable CSV dialect ({exc})") from exc
    rows: list[Row] = []
    try:
        header = tuple(next(reader, []))
        if not header:
            raise DiffError(where, "empty: no header row")
        repeated = sorted({column for column in header if header.count(column) > 1})
        if repeated:
            raise DiffError(where, f"column {', '.join(repeated)} appears twice in the header")
        for cells in reader:
            if not cells:
                continue
            if len(cells) != len(header):
                count = f"{len(cells)} value{'' if len(cells) == 1 else 's'}, the header has {len(header)}"
                raise DiffError(where, f"line {reader.line_num} has {count}")
            rows.append(dict(zip(header, cells, strict=True)))
    except csv.Error as exc:
        raise DiffError(where, f"unreadable CSV at line {reader.line_num}: {exc}") from exc
    return header, tuple(rows)


# Comparing (pure functions of the releases read above).


def primary_key_of(schema: dict[str, Any]) -> Key:
    """The fields of a schema's primary key (a string or a list in Table Schema)."""
    key = schema.get("primaryKey") or ()
    return (key,) if isinstance(key, str) else tuple(str(field) for field in key)


def key_of(row: Row, key: Key) -> Key:
    """A row's values of the key fields."""
    return tuple(row[field] for field in key)


def find_duplicate(rows: Iterable[Row], key: Key) -> tuple[int, int, Key] | None:
    """The first repeated key: the two row numbers (from 1 after the header) and the key, or None."""
    seen: dict[Key, int] = {}
    for number, row in enumerate(rows, start=1):
        value = key_of(row, key)
        if value in seen:
            return seen[value], number, value
        seen[value] = number
    return None


def matching_key(old: Table, new: Table) -> Key:
    """The key rows are matched by: the new primary key, else the old one, when its fields are
    columns of both files and unique in both; empty when neither is."""
    for key in (new.primary_key, old.primary_key):
        columns = set(old.header) & set(new.header)
        if (
            key
            and set(key) <= columns
            and not find_duplicate(old.rows, key)
            and not find_duplicate(new.rows, key)
        ):
            return key
    return ()


def compare_releases(old: Release, new: Release) -> ReleaseDiff:
    """What changed from one release to the other, packages in name order."""
    return ReleaseDiff(
        old=old.where,
        new=new.where,
        packages_added=tuple(summarize(new.packages[n]) for n in sorted(new.packages.keys() - old.packages)),
        packages_removed=tuple(
            summarize(old.packages[n]) for n in sorted(old.packages.keys() - new.packages)
        ),
        packages=tuple(
            compare_packages(old.packages[n], new.packages[n])
            for n in sorted(old.packages.keys() & new.packages)
        ),
    )


def summarize(package: Package) -> PackageSummary:
    """A package's name, version and the number of rows of each resource."""
    resources = tuple(ResourceSummary(t.name, len(t.rows)) for t in package.tables.values())
    return PackageSummary(package.name, package.version, resources)


def compare_packages(old: Package, new: Package) -> PackageDiff:
    """What changed in a package: resources added, removed, and each common resource compared."""
    return PackageDiff(
        name=new.name,
        old_version=old.version,
        new_version=new.version,
        resources_added=tuple(
            ResourceSummary(t.name, len(t.rows)) for n, t in new.tables.items() if n not in old.tables
        ),
        resources_removed=tuple(
            ResourceSummary(t.name, len(t.rows)) for n, t in old.tables.items() if n not in new.tables
        ),
        resources=tuple(compare_tables(old.tables[n], t) for n, t in new.tables.items() if n in old.tables),
    )


def compare_tables(old: Table, new: Table) -> ResourceDiff:
    """Rows added, removed and changed (in the columns both files have), and schema changes."""
    schema = compare_schemas(old.schema, new.schema)
    key = matching_key(old, new)
    if not key:
        added = tuple(KeyedRow(key_of(r, new.primary_key), r) for r in new.rows)
        removed = tuple(KeyedRow(key_of(r, old.primary_key), r) for r in old.rows)
        return ResourceDiff(new.name, (), added, removed, (), 0, schema)
    old_columns = set(old.header)
    shared = [field for field in new.header if field in old_columns]
    before = {key_of(row, key): row for row in old.rows}
    seen: set[Key] = set()
    added_rows, changed = [], []
    for row in new.rows:
        value = key_of(row, key)
        seen.add(value)
        previous = before.get(value)
        if previous is None:
            added_rows.append(KeyedRow(value, row))
            continue
        cells = tuple(FieldChange(f, previous[f], row[f]) for f in shared if previous[f] != row[f])
        if cells:
            changed.append(RowChange(value, cells))
    removed_rows = tuple(KeyedRow(value, row) for value, row in before.items() if value not in seen)
    unchanged = len(new.rows) - len(added_rows) - len(changed)
    return ResourceDiff(new.name, key, tuple(added_rows), removed_rows, tuple(changed), unchanged, schema)


def fields_by_name(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A schema's field descriptors by name, in order."""
    return {f["name"]: f for f in schema.get("fields", []) if isinstance(f, dict) and "name" in f}


def type_of(field: dict[str, Any]) -> str:
    """A field's type, with its format when it is not the default one."""
    kind = str(field.get("type", DEFAULT_TYPE))
    form = field.get("format", DEFAULT_FORMAT)
    return kind if form == DEFAULT_FORMAT else f"{kind} ({form})"


def compare_schemas(old: dict[str, Any], new: dict[str, Any]) -> SchemaDiff:
    """Fields added and removed, types and constraints changed, and a changed primary key."""
    before, after = fields_by_name(old), fields_by_name(new)
    common = [name for name in after if name in before]
    old_key, new_key = primary_key_of(old), primary_key_of(new)
    return SchemaDiff(
        fields_added=tuple(name for name in after if name not in before),
        fields_removed=tuple(name for name in before if name not in after),
        types_changed=tuple(
            TypeChange(n, type_of(before[n]), type_of(after[n]))
            for n in common
            if type_of(before[n]) != type_of(after[n])
        ),
        constraints_changed=tuple(c for n in common for c in compare_constraints(n, before[n], after[n])),
        primary_key=KeyChange(old_key, new_key) if old_key != new_key else None,
    )


def compare_constraints(name: str, old: dict[str, Any], new: dict[str, Any]) -> Iterator[ConstraintChange]:
    """Each constraint of a field that was added, removed or changed, in name order."""
    before, after = old.get("constraints") or {}, new.get("constraints") or {}
    for constraint in sorted(before.keys() | after.keys()):
        was, now = before.get(constraint), after.get(constraint)
        if was != now:
            yield ConstraintChange(name, constraint, was, now, tightens(constraint, was, now))


def is_number(value: Any) -> bool:
    """True for an int or float (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def tightens(constraint: str, old: Any, new: Any) -> bool:
    """True when data valid under the old constraint may fail the new one (unknown changes count)."""
    if new is None or (constraint in FLAG_CONSTRAINTS and not new):
        return False
    if old is None or constraint in FLAG_CONSTRAINTS:
        return True
    comparable = (is_number(old) and is_number(new)) or (isinstance(old, str) and isinstance(new, str))
    if constraint in LOWER_BOUNDS:
        return not comparable or new > old
    if constraint in UPPER_BOUNDS:
        return not comparable or new < old
    if constraint == "enum" and isinstance(old, list) and isinstance(new, list):
        allowed = {json.dumps(value, sort_keys=True) for value in new}
        return any(json.dumps(value, sort_keys=True) not in allowed for value in old)
    return True


# Versions.


def bump_reasons(diff: ReleaseDiff) -> Iterator[tuple[str, str]]:
    """Every change as (the bump it needs, why), in report order."""
    for gone in diff.packages_removed:
        yield "major", f"package {gone.name} removed"
    for new in diff.packages_added:
        yield "minor", f"package {new.name} added"
    for package in diff.packages:
        for summary in package.resources_removed:
            yield "major", f"{package.name}/{summary.name} removed"
        for summary in package.resources_added:
            yield "minor", f"{package.name}/{summary.name} added"
        for resource in package.resources:
            where, schema = f"{package.name}/{resource.name}", resource.schema
            for field in schema.fields_removed:
                yield "major", f"{where}: field {field} removed"
            for change in schema.types_changed:
                yield "major", f"{where}: field {change.field} type changed"
            if schema.primary_key is not None:
                yield "major", f"{where}: primary key changed"
            for constraint in schema.constraints_changed:
                how = "tightened" if constraint.tightened else "loosened"
                bump = "major" if constraint.tightened else "minor"
                yield bump, f"{where}: field {constraint.field} constraint {constraint.constraint} {how}"
            for field in schema.fields_added:
                yield "minor", f"{where}: field {field} added"
            if resource.added:
                yield "minor", f"{where}: {len(resource.added)} rows added"
            if resource.removed:
                yield "patch", f"{where}: {len(resource.removed)} rows removed"
            if resource.changed:
                yield "patch", f"{where}: {len(resource.changed)} rows changed"


def classify(diff: ReleaseDiff) -> str:
    """The semantic-version bump a diff needs: "major", "minor", "patch" or "none"."""
    return max((bump for bump, _ in bump_reasons(diff)), key=BUMPS.index, default="none")


def next_version(old_version: str, bump: str) -> str:
    """The version after old_version (X.Y.Z) for a bump: "major", "minor", "patch" or "none"."""
    match = VERSION_PATTERN.fullmatch(old_version.strip())
    if match is None:
        raise ValueError(f"version {old_version!r} is not a semantic version X.Y.Z")
    if bump not in BUMPS:
        raise ValueError(f"bump {bump!r} is not one of {', '.join(BUMPS)}")
    major, minor, patch = (int(part) for part in match.groups())
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    if bump == "patch":
        return f"{major}.{minor}.{patch + 1}"
    return f"{major}.{minor}.{patch}"


# JSON.


def jsonable(value: Any) -> Any:
    """Dataclasses as dicts and tuples as lists, recursively."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def diff_to_dict(diff: ReleaseDiff) -> dict[str, Any]:
    """The diff as JSON-ready dicts and lists, with its bump and each resource's counts."""
    result: dict[str, Any] = {"bump": classify(diff), **jsonable(diff)}
    for package, entry in zip(diff.packages, result["packages"], strict=True):
        for resource, resource_entry in zip(package.resources, entry["resources"], strict=True):
            resource_entry["counts"] = resource.counts
    return result
