"""Releases read for a diff: packages from folders and zips, descriptors, CSV rows, and their errors."""

from __future__ import annotations

import csv
import io
import json
import zipfile
import zlib
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from etl.package import JSON_SUFFIX, FolderFiles, PackageFiles, ZipFiles, long_cells

DESCRIPTOR = "datapackage.json"
ZIP_SUFFIX = ".zip"
CSV_FORMAT = "csv"
DEFAULT_ENCODING = "utf-8"
NOT_A_RELEASE = "not a release: no datapackage.json in it or in its sub-folders, and no package zip"

Key = tuple[str, ...]
Row = dict[str, str]
# Below so many bytes, a lazily read CSV file is read whole all the same (one read, not two).
LAZY_BYTES = 256 * 2**10


class DiffError(Exception):
    """A release that cannot be compared; str() is one line naming the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(" ".join(f"{path}: {reason}".splitlines()))
        self.path = str(path)
        self.reason = reason


# What a release holds: packages of CSV tables, read as strings (an empty string is null).


@dataclass(eq=False)
class CsvRows:
    """The rows of a CSV file as strings, read from disk each time they are gone through, a row at
    a time, so that a release of any size is compared in constant memory. The number of rows is
    counted on the first pass. A file that turns out to be unreadable on the way raises the
    DiffError that reading it whole gives (the same message, naming the file)."""

    path: Path
    where: str
    encoding: str
    dialect: dict[str, Any]
    header: tuple[str, ...]
    count: int | None = field(default=None, repr=False)

    def __iter__(self) -> Iterator[Row]:
        header = self.header
        for cells in self.records():
            yield dict(zip(header, cells, strict=True))

    def records(self) -> Iterator[list[str]]:
        """The rows as their cells, in the order of the header (what __iter__ makes rows of)."""
        header, number = self.header, 0
        try:
            with self.path.open(encoding=text_encoding(self.encoding), newline="") as handle:
                long_cells()
                reader = csv.reader(
                    handle,
                    delimiter=str(self.dialect.get("delimiter", ",")),
                    quotechar=str(self.dialect.get("quoteChar", '"')),
                )
                next(reader, None)
                for cells in reader:
                    if not cells:
                        continue
                    if len(cells) != len(header):
                        raise ValueError("a row of another length than the header")
                    number += 1
                    yield cells
        except (OSError, ValueError, TypeError, LookupError, csv.Error):
            self.reread()
            raise DiffError(self.where, "changed while it was read") from None
        self.count = number

    def __len__(self) -> int:
        if self.count is None:
            for _ in self:
                pass
        return self.count or 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Collection) and len(self) == len(other) and list(self) == list(other)

    def reread(self) -> None:
        """Read the file whole, to raise the precise DiffError of what is wrong with it."""
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise DiffError(self.where, f"unreadable ({exc.strerror or exc})") from None
        parse_csv(data, self.where, self.encoding, self.dialect)


@dataclass(frozen=True)
class Table:
    """A CSV resource: its declared schema, its header and its rows as strings (in memory, or read
    from the file each time they are gone through)."""

    name: str
    where: str
    schema: dict[str, Any]
    header: tuple[str, ...]
    rows: tuple[Row, ...] | CsvRows

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


# Reading releases.


def load_release(path: Path, lazy: bool = False) -> Release:
    """Every package of a release: a datapackages folder, a package folder, or a package zip. Lazy,
    the large CSV files of folders are not read now but each time their rows are gone through (their
    header checked now, the rest as they are read), so that holding a release costs no memory."""
    if not path.exists():
        raise DiffError(path, "not found")
    if path.is_file() and path.name == DESCRIPTOR:
        path = path.parent
    if path.is_file():
        if path.suffix.lower() != ZIP_SUFFIX and not zipfile.is_zipfile(path):
            raise DiffError(path, "not a release: neither a folder nor a package zip")
        packages = zip_packages(path)
    elif (path / DESCRIPTOR).is_file():
        packages = [read_package(FolderFiles(path), lazy)]
    else:
        packages = []
        for child in sorted(path.iterdir()):
            if (child / DESCRIPTOR).is_file():
                packages.append(read_package(FolderFiles(child), lazy))
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


def read_package(files: PackageFiles, lazy: bool = False) -> Package:
    """A package's CSV tables, read as declared by its datapackage.json (lazy: see load_release)."""
    where = files.where(DESCRIPTOR)
    descriptor = parse_json(files.read(DESCRIPTOR) or b"", where)
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
        raise DiffError(where, "not a data package descriptor: no list of resources")
    entries = [r for r in descriptor["resources"] if isinstance(r, dict)]
    names = {r.get("name") for r in entries}
    tables: dict[str, Table] = {}
    for entry in entries:
        if is_csv_resource(entry, names):
            table = read_table(files, entry, lazy)
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


def read_table(files: PackageFiles, entry: dict[str, Any], lazy: bool = False) -> Table:
    """A CSV resource's rows as strings, checked for a header, the key columns and unique keys; lazy,
    a large file of a folder is checked for its header and key columns now, and its rows are read
    when they are gone through (their keys checked by whatever compares them)."""
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
    dialect: dict[str, Any] = entry["dialect"] if isinstance(entry.get("dialect"), dict) else {}
    encoding = str(entry.get("encoding") or DEFAULT_ENCODING)
    if lazy and isinstance(files, FolderFiles):
        path = files.folder / relative
        if path.is_file() and path.stat().st_size > LAZY_BYTES:
            header = read_header(path, where, encoding, dialect)
            check_key_columns(header, key, where)
            return Table(name, where, schema, header, CsvRows(path, where, encoding, dialect, header))
    data = files.read(relative)
    if data is None:
        raise DiffError(where, f"missing: the CSV file of resource {name}")
    header, rows = parse_csv(data, where, encoding, dialect)
    check_key_columns(header, key, where)
    duplicate = find_duplicate(rows, key)
    if duplicate is not None:
        first, second, value = duplicate
        shown = "/".join(value)
        raise DiffError(
            where, f"duplicate primary key {shown} ({', '.join(key)}) in rows {first} and {second}"
        )
    return Table(name, where, schema, header, rows)


def check_key_columns(header: tuple[str, ...], key: Key, where: str) -> None:
    """A DiffError when a field of the primary key is not a column of the header."""
    for name in key:
        if name not in header:
            raise DiffError(where, f"primary key field {name} is not a column of the header")


def read_header(path: Path, where: str, encoding: str, dialect: dict[str, Any]) -> tuple[str, ...]:
    """The header of a CSV file, read alone (the file read whole when it is unreadable, to raise
    the precise DiffError)."""
    try:
        with path.open(encoding=text_encoding(encoding), newline="") as handle:
            long_cells()
            reader = csv.reader(
                handle,
                delimiter=str(dialect.get("delimiter", ",")),
                quotechar=str(dialect.get("quoteChar", '"')),
            )
            header = tuple(next(reader, []))
    except (OSError, ValueError, TypeError, LookupError, csv.Error):
        parse_csv(path.read_bytes(), where, encoding, dialect)
        raise DiffError(where, "unreadable CSV header") from None
    if not header or len(set(header)) != len(header):
        parse_csv(path.read_bytes(), where, encoding, dialect)
    return header


def text_encoding(encoding: str) -> str:
    """The codec to read a declared encoding with (UTF-8 with or without a byte order mark)."""
    return "utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding


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
        text = data.decode(text_encoding(encoding))
    except UnicodeDecodeError as exc:
        raise DiffError(
            where, f"not {encoding} (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from exc
    except LookupError as exc:
        raise DiffError(where, f"unknown encoding {encoding}") from exc
    try:
        long_cells()
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


# Keys.


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
