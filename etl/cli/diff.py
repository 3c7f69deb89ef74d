"""The `diplodata diff` command: two releases compared row by row."""

from __future__ import annotations

import json
from pathlib import Path

import click

from etl.cli.exits import fail


@click.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the whole diff as one JSON object.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    help="Show at most this many row changes per resource (all by default).",
)
def diff(old: Path, new: Path, as_json: bool, limit: int | None) -> None:
    """Compare two releases row by row by primary key: rows added, removed and changed (with the
    changed fields), schema changes, and the version bump the changes need.

    OLD and NEW are each a datapackages folder, a package folder or a package zip. The text
    report has a line per resource and per change, then `bump: major|minor|patch|none`.
    Exit status 1 when a release cannot be read.

    \b
    Example:
        diplodata diff old-release/datapackages datapackages --json
    """
    from etl.release import DiffError, diff_releases, diff_to_dict, render_text

    try:
        result = diff_releases(old, new)
    except DiffError as exc:
        fail(str(exc))
    if as_json:
        click.echo(json.dumps(diff_to_dict(result), indent=2, ensure_ascii=False))
    else:
        click.echo(render_text(result, limit), nl=False)
