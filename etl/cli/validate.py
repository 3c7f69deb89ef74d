"""The `diplodata validate` command: full frictionless validation plus the project's checks."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from etl.cli.exits import EXIT_FAILED, fail
from etl.layout import DATAPACKAGES, ROOT


@click.command()
@click.argument("packages", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT / DATAPACKAGES,
    show_default="datapackages/",
    help="Folder holding the packages.",
)
def validate(packages: tuple[str, ...], as_json: bool, root: Path) -> None:
    """Validate packages: full frictionless validation plus the project's checks.

    PACKAGES are package names (all when none is given). Exit status 1 on any problem.

    \b
    Example:
        diplodata validate diplomacy-network --json
    """
    from etl.package import validate_release
    from etl.specs import load_packages

    known = {p.name for p in load_packages()}
    unknown = sorted(set(packages) - known)
    if unknown:
        fail(f"unknown package {', '.join(unknown)}; choose from {', '.join(sorted(known))}")
    problems = validate_release(root, list(packages) or None)
    checked = list(packages) or sorted(known)
    if as_json:
        click.echo(
            json.dumps(
                {"valid": not problems, "packages": checked, "problems": [p.to_dict() for p in problems]},
                indent=2,
            )
        )
    else:
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        click.echo(f"{len(checked)} package(s) checked, {len(problems)} problem(s)")
    if problems:
        sys.exit(EXIT_FAILED)
