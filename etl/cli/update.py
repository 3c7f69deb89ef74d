"""The `diplodata update` command: discover, fetch what is new or changed, build."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from etl.cli.crawling import site_options
from etl.cli.exits import EXIT_BUSY, EXIT_INTERRUPTED, EXIT_REJECTED, disk_full, fail
from etl.layout import ROOT


@click.command()
@site_options
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT,
    show_default="the checkout",
    help="Folder the release is published into.",
)
def update(
    site_url: str | None,
    raw: Path,
    modified_since: dt.date | None,
    limit: int | None,
    delay: float,
    recheck: bool,
    root: Path,
) -> None:
    """Bring the release up to date with the site: discover its articles, fetch politely those
    new or changed (robots.txt, one request per --delay seconds, conditional requests), archive
    them into raw/ with their provenance records, log the run in raw/crawl.jsonl, then build
    and publish. Pages that are no article (a login or cookie wall, an empty template) are
    refused by name and never published. Prints a line per page fetched, then what the
    release gained. Exit status as `diplodata build`: 0, 3 when some sources were rejected or
    quarantined, 1 when the build failed (the published release is left as it was), 4 when
    another build is running.

    \b
    Example:
        diplodata update --since 2025-01-01 --limit 50
    """
    from etl.build import BuildFailed
    from etl.raw import Politeness
    from etl.reference import ReferenceError
    from etl.release import LockBusy, ReleaseError, staging_folder
    from etl.update import update as run_update

    def progress(message: str) -> None:
        if message.startswith(("archived", "refused", "failed", "problem", "quarantined", "assertion")):
            click.echo(message, err=True)

    try:
        report = run_update(
            site_url,
            raw,
            root,
            modified_since,
            limit,
            Politeness(min_interval=delay),
            progress=progress,
            recheck=recheck,
        )
    except BuildFailed as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        fail(str(exc))
    except LockBusy as exc:
        fail(str(exc), EXIT_BUSY)
    except (ReferenceError, ReleaseError, OSError) as exc:
        fail(disk_full(exc, staging_folder(root)) or str(exc))
    except KeyboardInterrupt:
        fail("interrupted; the pages archived so far are kept, the release is whole", EXIT_INTERRUPTED)
    assert report.build is not None
    for source in report.added:
        click.echo(f"added {source}")
    for rejected in report.build.rejected:
        click.echo(f"error: {rejected}", err=True)
    click.echo(report.summary())
    click.echo(report.build.summary())
    if report.build.rejected:
        sys.exit(EXIT_REJECTED)
