"""Data packages on disk: each resource as CSV (the reference form), Parquet (typed) and JSON
(for the web), a datapackage.json describing the CSV and Parquet files with sizes and sha256
checksums, and a workbook of the whole package for spreadsheets.

The JSON copies are downloads outside the descriptor: frictionless reads a JSON resource as a
plain file, and a descriptor listing every table three times would hand every tool that loops
over its resources each table thrice. The build checks them against the CSV, value by value."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

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
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# A fast deflate: the CSV and JSON files compress almost as well as at the default level 6.
ZIP_LEVEL = 1


def csv_value(value: Any) -> str:
    """A value as written in the CSV files: empty for null, true/false for booleans."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_csv(spec: ResourceSpec, rows: list[Row]) -> bytes:
    """CSV bytes of a resource: a header, then one line per row, LF line ends, UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(spec.field_names)
    for row in rows:
        writer.writerow([csv_value(row.get(name)) for name in spec.field_names])
    return buffer.getvalue().encode("utf-8")


def render_json(spec: ResourceSpec, rows: list[Row]) -> bytes:
    """JSON bytes of a resource: an array of objects keyed by field name, in field order."""
    names = spec.field_names
    # One object a line: as readable as an indented file, and written by the C encoder.
    lines = [json.dumps({name: row.get(name) for name in names}, ensure_ascii=False) for row in rows]
    return ("[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n").encode("utf-8")


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


def render_parquet(spec: ResourceSpec, rows: list[Row]) -> bytes:
    """Parquet bytes of a resource: typed columns (integers as int64, dates as dates, empty cells
    as nulls), zstd-compressed, the same bytes for the same rows."""
    schema = arrow_schema(spec)
    columns = [
        pa.array([arrow_value(f["type"], row.get(f["name"])) for row in rows], type=schema.field(i).type)
        for i, f in enumerate(spec.schema["fields"])
    ]
    table = pa.Table.from_arrays(columns, schema=schema)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd", version="2.6")
    return buffer.getvalue()


def file_facts(data: bytes) -> dict[str, Any]:
    """The bytes and hash properties of a file's content."""
    return {"bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest()}


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


def resource_descriptor(spec: ResourceSpec, path: str, fmt: str, data: bytes) -> dict[str, Any]:
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
        **file_facts(data),
        "schema": spec.schema,
    }


def package_descriptor(
    package: PackageSpec,
    project: dict[str, Any],
    sources: list[Row],
    created: str,
    resources: list[dict[str, Any]],
) -> dict[str, Any]:
    """The datapackage.json of a package."""
    cited = [{"title": s["title"] or s["id"], "path": s["url"]} for s in sources if s.get("url")]
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


def render_package(
    package: PackageSpec,
    rows: dict[str, list[Row]],
    project: dict[str, Any],
    created: str,
    sources: list[Row],
) -> dict[str, bytes]:
    """Every file of a package, by path relative to the package folder."""
    files: dict[str, bytes] = {}
    csv_entries, parquet_entries = [], []
    for spec in package.resources:
        csv_path, parquet_path = f"data/{spec.name}.csv", f"data/{spec.name}.parquet"
        files[csv_path] = render_csv(spec, rows[spec.name])
        files[parquet_path] = render_parquet(spec, rows[spec.name])
        files[f"data/{spec.name}.json"] = render_json(spec, rows[spec.name])
        csv_entries.append(resource_descriptor(spec, csv_path, "csv", files[csv_path]))
        parquet_entries.append(resource_descriptor(spec, parquet_path, "parquet", files[parquet_path]))
    descriptor = package_descriptor(package, project, sources, created, csv_entries + parquet_entries)
    text = json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
    files["datapackage.json"] = text.encode("utf-8")
    return files


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write files under a folder, creating sub-folders."""
    for relative, data in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def write_zip(path: Path, name: str, files: dict[str, bytes]) -> None:
    """A reproducible zip of a package: fixed dates, files in name order, datapackage.json at its
    root, so that `frictionless.Package("<name>.zip")` opens it as it is (name is kept for the
    callers; the zip's own name says which package it holds)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=ZIP_LEVEL) as archive:
        for relative in sorted(files):
            info = zipfile.ZipInfo(relative, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[relative], compresslevel=ZIP_LEVEL)
