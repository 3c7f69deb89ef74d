"""The diplodata command line: a thin shell over the library, one-line errors, no tracebacks.

Each command is a module of this package of the same name; each imports the stages it drives only
when it runs, so that `diplodata --help` stays fast."""

from __future__ import annotations

import click

from etl import __version__
from etl.cli.build import build
from etl.cli.diff import diff
from etl.cli.discover import discover
from etl.cli.evaluate import evaluate
from etl.cli.extract import extract
from etl.cli.fetch import fetch
from etl.cli.review import review
from etl.cli.serve import serve
from etl.cli.update import update
from etl.cli.validate import validate

COMMANDS = (build, validate, extract, evaluate, serve, diff, fetch, discover, update, review)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="diplodata")
def main() -> None:
    """Open data about Belgian diplomacy: archived articles to validated data packages.

    \b
    Example:
        diplodata build && diplodata serve
    """


for command in COMMANDS:
    main.add_command(command)
