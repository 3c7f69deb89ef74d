"""Data packages on disk: each resource as CSV (the reference form), Parquet (typed) and JSON
(for the web), a datapackage.json describing the CSV and Parquet files with sizes and sha256
checksums, and a workbook of the whole package for spreadsheets.

The JSON copies are downloads outside the descriptor: frictionless reads a JSON resource as a
plain file, and a descriptor listing every table three times would hand every tool that loops
over its resources each table thrice. The build checks them against the CSV, value by value."""

from __future__ import annotations

import contextlib
import copy
import csv
import datetime
import hashlib
import io
import json
import shutil
import struct
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.parquet as pq

from etl.digests import same_bytes
from etl.memory import give_back
from etl.specs import LANGUAGES, PackageSpec, ResourceSpec, text_key

Row = dict[str, Any]
JSON_SUFFIX = "_json"
PARQUET_SUFFIX = "_parquet"
PARQUET_MEDIA_TYPE = "application/vnd.apache.parquet"
# frictionless 5 reads Parquet through pandas, which turns a null into NaN (read back as "nan");
# the Parquet twins' schemas count it as missing, as the CSV's count the empty cell. For the same
# reason frictionless cannot count a Parquet file's bytes: their sizes and sha256 are in
# downloads/SHA256SUMS and the catalogue records, not in the descriptor.
PARQUET_MISSING_VALUES = ["", "nan"]
# Table Schema types as Arrow types: what pandas, DuckDB, R (arrow) and polars read from Parquet.
ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "number": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "datetime": pa.timestamp("ms", tz="UTC"),  # Parquet has no unit of seconds: ms round-trips
    "year": pa.int64(),
}
# Rows per Parquet row group, and the text a group holds at most: a group's columns are built in
# memory at once, several times their text as Python and Arrow values and the encoder's buffers
# (20,000 rows of articles, bodies and all, some 35 MB of text, took 390 MB to write).
PARQUET_GROUP = 20_000
PARQUET_GROUP_TEXT = 4 << 20
COPY_CHUNK = 1 << 20
# Past this many, a descriptor names the sites its sources come from rather than every source.
SOURCES_LISTED = 100
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# A fast deflate: the CSV and JSON files compress almost as well as at the default level 6.
ZIP_LEVEL = 1
# A zip entry's local header: its signature and size (the name and extra field after it).
LOCAL_HEADER_SIGNATURE = b"PK\x03\x04"
LOCAL_HEADER_SIZE = 30


def csv_value(value: Any) -> str:
    """A value as written in the CSV files: empty for null, true/false for booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class HashingFile(io.RawIOBase):
    """A binary file being written that counts its bytes and hashes them on the way."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle, self.digest, self.size = handle, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.digest.update(chunk)
        self.size += len(chunk)
        self.handle.write(chunk)
        return len(chunk)

    def facts(self) -> dict[str, Any]:
        """The bytes and hash properties of what was written."""
        return {"bytes": self.size, "hash": "sha256:" + self.digest.hexdigest()}


def write_csv(spec: ResourceSpec, rows: Iterable[Row], handle: BinaryIO) -> int:
    """A resource as CSV: a header, then one line per row, LF line ends, UTF-8 (a value holding a
    carriage return quoted, which the csv module, ending lines with LF, would leave bare: read
    back, it would end the row there); the number of rows written."""
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="", write_through=False)
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(spec.field_names)
    names = spec.field_names
    written = 0

    def lines() -> Iterator[list[str]]:
        nonlocal written
        for row in rows:
            written += 1
            cells = [csv_value(row.get(name)) for name in names]
            if any("\r" in cell for cell in cells):
                # written here, in its turn: the writer has written the row before it
                text.write(",".join(map(quoted, cells)) + "\n")
                continue
            yield cells

    writer.writerows(lines())
    text.flush()
    text.detach()
    return written


def quoted(cell: str) -> str:
    """A CSV cell as the csv module writes it, and quoted too when it holds a carriage return."""
    if any(c in cell for c in ',"\n\r'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def write_json(spec: ResourceSpec, rows: Iterable[Row], handle: BinaryIO) -> None:
    """A resource as JSON: an array of objects keyed by field name, in field order, one object a
    line (as readable as an indented file, and written by the C encoder)."""
    names = spec.field_names
    separator = b"[\n"
    for row in rows:
        handle.write(separator)
        handle.write(json.dumps({name: row.get(name) for name in names}, ensure_ascii=False).encode("utf-8"))
        separator = b",\n"
    handle.write(b"\n]\n" if separator == b",\n" else b"[]\n")


def arrow_value(kind: str, value: Any) -> Any:
    """A value as its Arrow column holds it (dates and times parsed from their ISO text)."""
    if value is None or value == "":
        return None if kind != "string" or value is None else value
    if kind == "date":
        return datetime.date.fromisoformat(str(value))
    if kind == "datetime":
        return datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return value


def arrow_schema(spec: ResourceSpec) -> pa.Schema:
    """The Arrow schema of a resource: a typed column per field, with its title and description,
    required fields not nullable."""
    fields = []
    for field in spec.schema["fields"]:
        required = bool((field.get("constraints") or {}).get("required"))
        meta = {"title": field.get("title", ""), "description": field.get("description", "")}
        fields.append(pa.field(field["name"], ARROW_TYPES[field["type"]], not required, metadata=meta))
    return pa.schema(fields, metadata={"name": spec.name, "title": spec.title})


def write_parquet(spec: ResourceSpec, rows: Sequence[Row], where: Any) -> None:
    """A resource as Parquet: typed columns (integers as int64, dates as dates, empty cells as
    nulls), zstd-compressed, in row groups of PARQUET_GROUP rows or PARQUET_GROUP_TEXT of text (so
    that only one group's columns are ever built at once), the same bytes for the same rows."""
    schema = arrow_schema(spec)
    fields = spec.schema["fields"]
    with pq.ParquetWriter(where, schema, compression="zstd", version="2.6") as writer:
        for group in row_groups(rows):
            columns = [
                pa.array(
                    [arrow_value(f["type"], row.get(f["name"])) for row in group], type=schema.field(i).type
                )
                for i, f in enumerate(fields)
            ]
            writer.write_table(pa.Table.from_arrays(columns, schema=schema))


def row_groups(rows: Iterable[Row]) -> Iterator[list[Row]]:
    """Rows in groups of PARQUET_GROUP rows, a group ending early once its text reaches
    PARQUET_GROUP_TEXT characters (one group, empty, when there are no rows)."""
    group: list[Row] = []
    text, groups = 0, 0
    for row in rows:
        group.append(row)
        text += sum(len(value) for value in row.values() if isinstance(value, str))
        if len(group) >= PARQUET_GROUP or text >= PARQUET_GROUP_TEXT:
            yield group
            group, text, groups = [], 0, groups + 1
    if group or not groups:
        yield group


def translated_texts(
    titles: dict[str, str], descriptions: dict[str, str], title_suffix: str = ""
) -> dict[str, str]:
    """The title and description of a package or resource in every language, as descriptor
    properties: `title` and `description` (English, the Data Package's own properties), then
    `title_nl`, `title_fr`, `description_nl`, `description_fr` (custom properties, which
    frictionless accepts)."""
    texts = {text_key("title", lang): titles[lang] + title_suffix for lang in LANGUAGES if lang in titles}
    texts.update(
        {text_key("description", lang): descriptions[lang] for lang in LANGUAGES if lang in descriptions}
    )
    return texts


def resource_descriptor(spec: ResourceSpec, path: str, fmt: str, facts: dict[str, Any]) -> dict[str, Any]:
    """The datapackage.json entry of one file of a resource: the CSV file under the resource's
    name, the Parquet file as its typed twin (`<name>_parquet`), each titled in every language."""
    titles = spec.titles or {"en": spec.title}
    descriptions = spec.descriptions or {"en": spec.description}
    if fmt == "parquet":
        return {
            "name": spec.name + PARQUET_SUFFIX,
            "type": "table",
            **translated_texts(titles, descriptions, " (Parquet)"),
            "path": path,
            "scheme": "file",
            "format": "parquet",
            "mediatype": PARQUET_MEDIA_TYPE,
            "schema": {**spec.schema, "missingValues": PARQUET_MISSING_VALUES},
        }
    return {
        "name": spec.name,
        "type": "table",
        **translated_texts(titles, descriptions, ""),
        "path": path,
        "scheme": "file",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        **facts,
        "schema": spec.schema,
    }


def cited_sources(sources: list[Row]) -> list[dict[str, str]]:
    """The descriptor's `sources`: each source with its title and address; past SOURCES_LISTED
    archived articles, those are given as one entry per site with how many it gives (each is a row
    of the package's sources table), so that a descriptor stays small whatever the corpus. Curated
    publications are always listed one by one."""
    listed = [s for s in sources if s.get("url")]
    archived = [s for s in listed if s.get("kind") == "archived_text"]
    if len(archived) <= SOURCES_LISTED:
        return [{"title": s["title"] or s["id"], "path": s["url"]} for s in listed]
    sites = Counter(f"{urlsplit(s['url']).scheme}://{urlsplit(s['url']).netloc}/" for s in archived)
    grouped = [
        {"title": f"{count} archived articles of {site} (each in the package's sources table)", "path": site}
        for site, count in sorted(sites.items())
    ]
    curated = [s for s in listed if s.get("kind") != "archived_text"]
    return grouped + [{"title": s["title"] or s["id"], "path": s["url"]} for s in curated]


def package_descriptor(
    package: PackageSpec,
    project: dict[str, Any],
    sources: list[Row],
    created: str,
    resources: list[dict[str, Any]],
) -> dict[str, Any]:
    """The datapackage.json of a package."""
    cited = cited_sources(sources)
    titles = package.titles or {"en": package.title}
    descriptions = package.descriptions or {"en": package.description}
    return {
        "name": package.name,
        **translated_texts(titles, descriptions),
        "version": project["version"],
        "created": created,
        "licenses": project["licenses"],
        "sources": cited,
        "contributors": project["contributors"],
        **{text_key("keywords", lang): list(project[text_key("keywords", lang)]) for lang in LANGUAGES},
        "resources": resources,
    }


@dataclass(frozen=True)
class DataFiles:
    """The data files of a package written under its folder (paths relative to it, in the order
    written) and their datapackage.json entries: the CSV files', then the Parquet files'."""

    written: list[str]
    entries: list[dict[str, Any]]
    # The rows of each resource's files, by resource name.
    rows: dict[str, int]


@dataclass(frozen=True)
class ResourceFiles:
    """The data files of one resource written under its package's folder (CSV, Parquet, JSON:
    paths relative to the folder) and the datapackage.json entries of its CSV and Parquet files."""

    written: list[str]
    csv_entry: dict[str, Any]
    parquet_entry: dict[str, Any]
    name: str
    rows: int


def write_resource(
    folder: Path, spec: ResourceSpec, rows: Sequence[Row], reuse: Path | None = None
) -> ResourceFiles:
    """Write one resource as CSV, Parquet and JSON under its package's folder, one file at a time,
    straight to disk (no file is ever whole in memory). With reuse, the same package's folder in a
    release made by the same code: when the CSV file comes out as the one there byte for byte, the
    Parquet and JSON files there are copied (what they would be written again as), not written."""
    csv_path, parquet_path, json_path = (
        f"data/{spec.name}.{suffix}" for suffix in ("csv", "parquet", "json")
    )
    (folder / "data").mkdir(parents=True, exist_ok=True)
    with (folder / csv_path).open("wb") as handle:
        hashing = HashingFile(handle)
        count = write_csv(spec, rows, hashing)  # type: ignore[arg-type]
    if reuse is None or not copied(reuse, folder, csv_path, (parquet_path, json_path)):
        write_parquet(spec, rows, str(folder / parquet_path))
        give_back()  # what Arrow built the groups with (see etl/memory.py)
        with (folder / json_path).open("wb") as handle:
            write_json(spec, rows, handle)
    return ResourceFiles(
        [csv_path, parquet_path, json_path],
        resource_descriptor(spec, csv_path, "csv", hashing.facts()),
        resource_descriptor(spec, parquet_path, "parquet", {}),
        spec.name,
        count,
    )


def copied(source: Path, target: Path, same: str, files: Sequence[str]) -> bool:
    """Copy files from the folder source to target when the file same has the same bytes in both
    (and each of the files is in source); whether they were copied."""
    if not same_bytes(source / same, target / same):
        return False
    try:
        for name in files:
            shutil.copyfile(source / name, target / name)
    except OSError:  # (one not there: all written)
        return False
    return True


def data_files(resources: Sequence[ResourceFiles]) -> DataFiles:
    """The data files of a package from its resources' (in the package's order)."""
    return DataFiles(
        [path for r in resources for path in r.written],
        [r.csv_entry for r in resources] + [r.parquet_entry for r in resources],
        {r.name: r.rows for r in resources},
    )


def write_data(
    folder: Path, package: PackageSpec, rows: dict[str, list[Row]], reuse: Path | None = None
) -> DataFiles:
    """Write every resource of a package as CSV, Parquet and JSON under its folder (see
    write_resource, for reuse)."""
    (folder / "data").mkdir(parents=True, exist_ok=True)
    return data_files([write_resource(folder, spec, rows[spec.name], reuse) for spec in package.resources])


def write_descriptor(
    folder: Path,
    package: PackageSpec,
    data: DataFiles,
    project: dict[str, Any],
    created: str,
    sources: list[Row],
) -> list[str]:
    """Write a package's datapackage.json beside its data files (written first, so that the
    release's version can be chosen from them); every file's path relative to the folder."""
    descriptor = package_descriptor(package, project, sources, created, data.entries)
    text = json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
    (folder / "datapackage.json").write_bytes(text.encode("utf-8"))
    return [*data.written, "datapackage.json"]


def write_package(
    folder: Path,
    package: PackageSpec,
    rows: dict[str, list[Row]],
    project: dict[str, Any],
    created: str,
    sources: list[Row],
) -> list[str]:
    """Write every file of a package under its folder (data files, then the descriptor); the files'
    paths relative to the folder, in the order written."""
    return write_descriptor(folder, package, write_data(folder, package, rows), project, created, sources)


def write_zip(path: Path, folder: Path, files: Iterable[str], reuse: tuple[Path, Path] | None = None) -> None:
    """A reproducible zip of a package folder's files: fixed dates, files in name order, each copied
    in chunks, datapackage.json at its root, so that `frictionless.Package("<name>.zip")` opens it
    as it is. With reuse, a zip of the same package made by the same code and the folder it was
    made from, a file with the bytes of that folder's has its entry copied from that zip as it is
    (compressed there, the same bytes: see copy_entry), not compressed again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        previous = stack.enter_context(opened_zip(reuse[0])) if reuse is not None else None
        archive = stack.enter_context(
            zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL)
        )
        for relative in sorted(files):
            reused = (
                previous is not None
                and reuse is not None
                and same_bytes(folder / relative, reuse[1] / relative)
            )
            if reused and copy_entry(previous, archive, relative):  # type: ignore[arg-type]
                continue
            info = zipfile.ZipInfo(relative, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.file_size = (folder / relative).stat().st_size
            info._compresslevel = ZIP_LEVEL  # type: ignore[attr-defined]  # what writestr sets
            with (folder / relative).open("rb") as source, archive.open(info, "w") as target:
                shutil.copyfileobj(source, target, COPY_CHUNK)


@contextlib.contextmanager
def opened_zip(path: Path) -> Iterator[zipfile.ZipFile | None]:
    """A zip open for reading, or None when it is missing or not a zip."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile):
        yield None
        return
    with archive:
        yield archive


def copy_entry(source: zipfile.ZipFile, target: zipfile.ZipFile, name: str) -> bool:
    """Write an entry of one zip into another, being written, as it is: its local header made again
    from its record, then its compressed bytes, as ZipFile.open(info, "w") writes an entry to a
    file it can seek in (no data descriptor; no ZIP64 fields, so an entry that would need them is
    not copied); whether it was (False: not there, or one this does not copy)."""
    try:
        info = source.getinfo(name)
    except KeyError:
        return False
    if source.fp is None or target.fp is None or info.file_size * 1.05 > zipfile.ZIP64_LIMIT or info.extra:
        return False
    if info.compress_size > zipfile.ZIP64_LIMIT or info.flag_bits & 0x08:
        return False
    source.fp.seek(info.header_offset)
    header = source.fp.read(LOCAL_HEADER_SIZE)
    if len(header) != LOCAL_HEADER_SIZE or header[:4] != LOCAL_HEADER_SIGNATURE:
        return False
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    source.fp.seek(info.header_offset + LOCAL_HEADER_SIZE + name_length + extra_length)
    copied = copy.copy(info)
    copied.header_offset = target.fp.tell()
    target.fp.write(copied.FileHeader(False))
    remaining = info.compress_size
    while remaining:
        chunk = source.fp.read(min(COPY_CHUNK, remaining))
        if not chunk:
            raise zipfile.BadZipFile(f"{source.filename}: {name} is cut short")
        target.fp.write(chunk)
        remaining -= len(chunk)
    target.filelist.append(copied)
    target.NameToInfo[name] = copied
    target.start_dir = target.fp.tell()
    return True
