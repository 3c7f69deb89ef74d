"""The `diplodata extract` command: the facts of article files, without building."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from etl.cli.exits import EXIT_FAILED, fail
from etl.reference import ReferenceError


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file, one per line.")
def extract(files: tuple[Path, ...], as_json: bool) -> None:
    """Extract the facts of article files, without building.

    With --json, each file gives one line: a JSON object with the keys source, article,
    paragraphs, quotes, persons, person_roles, events, event_participant_groups, event_themes,
    event_speakers, post_counts, post_totals and warnings, each fact keyed by the columns of
    the resource it is published in. A file without a provenance record beside it is read
    with what the text alone says.

    \b
    Example:
        diplodata extract raw/000_03760b43a54f4e20.txt --json
    """
    from etl.extract import extract_source
    from etl.raw import SourceError, read_source, source_from_bytes
    from etl.reference import load_reference

    failed = 0
    try:
        reference = load_reference()
    except ReferenceError as exc:
        fail(str(exc))
    for path in files:
        try:
            try:
                source = read_source(path, require_record=False)
            except SourceError as exc:
                if not exc.path.endswith(".yml") or not path.is_file():
                    raise
                # Beside any article file may lie a YAML file that is no provenance record.
                click.echo(f"warning: {exc}; extracting {path} without it", err=True)
                source = source_from_bytes(path, path.read_bytes(), {})
            facts = extract_source(source, reference)
        except SourceError as exc:
            click.echo(f"error: {exc}", err=True)
            failed += 1
            continue
        if as_json:
            click.echo(json.dumps(facts, ensure_ascii=False))
            continue
        counts = ", ".join(
            f"{len(v)} {k}" for k, v in facts.items() if isinstance(v, list) and k != "warnings"
        )
        click.echo(f"{path}: {counts}")
        for warning in facts["warnings"]:
            click.echo(f"  warning: {warning['field']}: {warning['message']}")
    if failed:
        sys.exit(EXIT_FAILED)
