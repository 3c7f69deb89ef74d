"""Exit statuses of the command line, and the one-line error every command ends with."""

from __future__ import annotations

import errno
import sqlite3
import sys
from pathlib import Path
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


def disk_full(exc: BaseException, where: Path) -> str | None:
    """The one line a full disk ends a command with: what ran out, the file (or the folder being
    written, when the error does not name one) and that the published release is unchanged; None
    for another error."""
    if isinstance(exc, OSError):
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left on device" in str(exc)
        reason = exc.strerror or str(exc)
    else:
        full = isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc)
        reason = str(exc)
    if not full:
        return None
    target = getattr(exc, "filename", None) or where
    return f"disk full while writing {target}: {reason}; the published release is unchanged"
