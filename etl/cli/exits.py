"""Exit statuses of the command line, and the one-line error every command ends with."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

EXIT_FAILED = 1
EXIT_REJECTED = 3
EXIT_BUSY = 4
EXIT_INTERRUPTED = 130


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Print the message to stderr, `error: ` before each of its lines (one line per problem), and
    exit non-zero."""
    for line in message.splitlines() or [""]:
        click.echo(f"error: {line}", err=True)
    sys.exit(code)
