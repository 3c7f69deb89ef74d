"""The `diplodata review` command: what needs a person before the next release."""

from __future__ import annotations

import json
from pathlib import Path

import click

from etl.cli.exits import fail
from etl.layout import RAW_DIR


@click.command()
@click.option(
    "--raw",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=RAW_DIR,
    show_default="raw/",
    help="Folder of the archived sources.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the items as a JSON list.")
def review(raw: Path, as_json: bool) -> None:
    """List what needs a person: sources quarantined or rejected and why, assertion breaches,
    conflicts between an article and a curated fact (or two articles), extracted facts of low
    confidence, and review decisions that no longer apply (their evidence changed, or their fact
    is gone). Runs the build's steps without publishing anything. A decision about a fact goes
    into reference/reviews/*.yml; the next build applies it.

    \b
    Example:
        diplodata review
    """
    from etl.build import BuildFailed
    from etl.curate import CuratedError
    from etl.reference import ReferenceError
    from etl.review import render
    from etl.review import review as run_review

    try:
        found = run_review(raw)
    except (CuratedError, ReferenceError) as exc:
        fail(str(exc))
    except BuildFailed as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        fail(f"{exc}: the project's own data or code is at fault, before anything can be reviewed")
    click.echo(
        json.dumps(found.to_dicts(), indent=2, ensure_ascii=False) if as_json else render(found),
        nl=not as_json,
    )
