"""The foreign keys of a package's CSV resources, checked in a streaming pass of the project's own,
so that frictionless validates each resource apart from the ones it references.

Frictionless checks a resource's foreign keys by reading every resource they reference whole,
through its own row stream, into a lookup: at 10,000 articles, validating the paragraphs read the
16 MB of the articles again for their ids, 5.8 s of CPU for a check of 3 s (and each of the dozen
resources citing the sources read them again). Here each referenced resource's key cells are
read once, from the records of frictionless's own CSV parser (the dialect it sniffs, its row
numbers, its blank rows left out) without making them rows, and only the referencing resource's
key cells are looked up, with the rules of frictionless 5 (frictionless.resources.table): each
cell read by its field's own cell reader (its type, its missing values; a cell of the wrong type
is None), a referenced row whose key cells are all None left out, a referencing row whose cells
are all None not looked up, and each error frictionless's own ForeignKeyError, so that the
problems are the ones frictionless reports (tests/package/test_references.py compares them).
Frictionless still checks the rest of each resource (its cells, its primary key, its unique
fields, its bytes and hash): see etl/package/validate.py check_task."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import frictionless

from etl.package.problems import Problem

# The check a problem found here is reported under (frictionless's error type).
FOREIGN_KEY = "foreign-key"
Reader = Callable[[str], Any]


def cell_readers(schema: dict[str, Any], names: tuple[str, ...]) -> list[tuple[int, Reader]]:
    """For each named field of a table schema, its position among the fields (frictionless maps
    cells to fields by position) and a function reading a cell as frictionless does (None for a
    missing value or a cell of the wrong type), remembered by cell (keys repeat)."""
    loaded = frictionless.Schema.from_descriptor(schema)
    fields = loaded.fields
    positions = {field.name: i for i, field in enumerate(fields)}
    readers: list[tuple[int, Reader]] = []
    for name in names:
        field = fields[positions[name]]
        if field.type == "string" and field.format == "default":  # (what frictionless's reader does)
            missing = frozenset(
                field.missing_values if field.has_defined("missing_values") else loaded.missing_values
            )
            readers.append((positions[name], functools.partial(string_cell, missing)))
            continue
        read = field.create_cell_reader()
        seen: dict[str, Any] = {}

        def reader(cell: str, read: Any = read, seen: dict[str, Any] = seen) -> Any:
            if cell not in seen:
                seen[cell] = read(cell)[0]
            return seen[cell]

        readers.append((positions[name], reader))
    return readers


def string_cell(missing: frozenset[str], cell: str) -> str | None:
    """A cell of a string field of the default format, as frictionless reads it."""
    return None if cell in missing else cell


def records(resource: Any, header: bool = False) -> Iterator[tuple[int, list[Any]]]:
    """The records of a resource (a copy of a frictionless TableResource of a package) after its
    header (with it, row 1, when header), each with its row number, parsed and numbered by
    frictionless itself (its CSV parser, with the dialect it sniffs, its blank rows left out) but
    not made into rows; its foreign keys left out (opening the resource would read the resources
    they reference)."""
    resource.schema.foreign_keys = []
    with resource:
        stream = iter(resource.cell_stream)
        first = next(stream, None)
        if first is None:
            return
        if header:
            yield 1, first
        yield from resource.dialect.read_enumerated_content_stream(itertools.chain([first], stream))


def key_cells(record: list[str], readers: list[tuple[int, Reader]]) -> tuple[Any, ...]:
    """A record's cells of a key, read (a cell the record lacks is None)."""
    size = len(record)
    return tuple([read(record[i]) if i < size else None for i, read in readers])


def referenced_keys(resource: Any, fields: tuple[str, ...]) -> set[tuple[Any, ...]]:
    """The values of some key fields in the rows of a resource, those all None left out."""
    readers = cell_readers(resource.schema.to_descriptor(), fields)
    found = set()
    for _, record in records(resource):
        cells = key_cells(record, readers)
        if any(cell is not None for cell in cells):
            found.add(cells)
    return found


def reference_problems(descriptor: Path, package: str, resource: str) -> list[Problem]:
    """The foreign-key errors of one CSV resource of a package (by its datapackage.json), in the
    order of its rows and, within a row, of its foreign keys; a file that cannot be read is one
    problem saying so."""
    try:
        loaded = frictionless.Package(str(descriptor))
        table = loaded.get_resource(resource).to_copy()
        schema = table.schema.to_descriptor()
        checks = []
        lookups: dict[tuple[str, tuple[str, ...]], set[tuple[Any, ...]]] = {}
        for fk in schema.get("foreignKeys", []):
            target = fk["reference"]["resource"] or resource
            target_fields = tuple(fk["reference"]["fields"])
            if (target, target_fields) not in lookups:
                lookups[target, target_fields] = referenced_keys(
                    loaded.get_resource(target).to_copy(), target_fields
                )
            fields = tuple(fk["fields"])
            checks.append((fk, fields, cell_readers(schema, fields), lookups[target, target_fields]))
        problems = []
        for number, record in records(table) if checks else ():
            for fk, fields, readers, found in checks:
                cells = key_cells(record, readers)
                if all(cell is None for cell in cells) or cells in found:
                    continue
                problems.append(foreign_key_problem(package, resource, number, record, fk, fields, cells))
        return problems
    except (OSError, ValueError, KeyError, frictionless.FrictionlessException) as error:
        message = f"its foreign keys cannot be checked: {error}"
        return [Problem(package, resource, None, None, message, FOREIGN_KEY)]


def foreign_key_problem(
    package: str,
    resource: str,
    number: int,
    record: list[Any],
    fk: dict[str, Any],
    fields: tuple[str, ...],
    cells: tuple[Any, ...],
) -> Problem:
    """A row's foreign key not found in the resource it references, as frictionless reports it."""
    source, source_fields = fk["reference"]["resource"], fk["reference"]["fields"]
    note = 'for "{}": values "{}" not found in the lookup table "{}" as "{}"'.format(
        ", ".join(fields), ", ".join(str(c) for c in cells), source, ", ".join(source_fields)
    )
    error = frictionless.errors.ForeignKeyError(
        note=note,
        cells=["" if cell is None else str(cell) for cell in record],
        row_number=number,
        field_names=list(fields),
        field_cells=["" if cell is None else str(cell) for cell in cells],
        reference_name=source,
        reference_field_names=list(source_fields),
    )
    return Problem(package, resource, number, None, error.message, error.type)
