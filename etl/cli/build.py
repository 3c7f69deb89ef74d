"""The `diplodata build` command: build, validate and publish a release."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from etl.cli.exits import EXIT_BUSY, EXIT_INTERRUPTED, EXIT_REJECTED, disk_full, fail
from etl.layout import RAW_DIR, ROOT
from etl.reference import ReferenceError
from etl.site import DEFAULT_BASE_URL


@click.command()
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors and the final summary.")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT,
    show_default="the checkout",
    help="Folder the release is published into.",
)
@click.option(
    "--raw",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=RAW_DIR,
    show_default="raw/",
    help="Folder of the archived sources.",
)
@click.option(
    "--base-url",
    default=DEFAULT_BASE_URL,
    show_default=True,
    help="Public address of the site, used in the catalogue records.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    show_default="the cores",
    help="Processes that extract the sources (1: in this process).",
)
@click.option(
    "--full",
    is_flag=True,
    help="Rebuild everything: check every file of raw/, ignore the caches and the inputs' fingerprint.",
)
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="Where extraction runs: this machine, or a Dask distributed cluster (the dask extra).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="The Dask scheduler, such as tcp://host:8786 (default: a LocalCluster of --jobs workers).",
)
def build(
    quiet: bool,
    root: Path,
    raw: Path,
    base_url: str,
    jobs: int,
    full: bool,
    executor: str,
    scheduler: str | None,
) -> None:
    """Build everything: raw/ sources → packages → validation → diplomacy.db → metadata.yml.

    The release is built aside and swapped in only once it validates, in one step: a failed or
    killed build leaves the published packages, metadata and database as they were (a killed one
    is undone when the next build starts). Sources are extracted in --jobs processes (or on a
    Dask cluster), only those that changed since the last build, and only the files of raw/ that
    changed are checked again (the caches under .build/, safe to delete; --full ignores them);
    when no input changed at all, nothing is rebuilt. Its version follows the previous release
    (major, minor or patch as the data changed) and CHANGELOG.md gets a section when the data
    change; the build report is in downloads/build-report.json and in the database's build_*
    tables. Exit status: 0 when every source was published, 3 when some sources were rejected or
    quarantined (the others are published), 1 when the build failed (nothing changed), 4 when
    another build is running in the same folder.

    \b
    Example:
        diplodata build --quiet
        diplodata build --executor dask --scheduler tcp://10.0.0.5:8786
    """
    from etl.build import BuildFailed
    from etl.build import build as run_build
    from etl.release import LockBusy, ReleaseError, staging_folder

    def progress(message: str) -> None:
        if not quiet:
            click.echo(message, err=True)

    from etl.site import loopback_warning

    try:
        report = run_build(
            root=root,
            raw_dir=raw,
            progress=progress,
            base_url=base_url,
            jobs=jobs,
            full=full,
            executor=executor,
            scheduler=scheduler,
        )
    except BuildFailed as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        fail(str(exc))
    except LockBusy as exc:
        fail(str(exc), EXIT_BUSY)
    except (ReferenceError, ReleaseError) as exc:
        fail(str(exc))
    except (OSError, sqlite3.OperationalError) as exc:
        ran_out = disk_full(exc, staging_folder(root))
        if ran_out is None:
            raise
        fail(ran_out)
    except KeyboardInterrupt:
        fail("interrupted; the published release is whole (a swap under way was undone)", EXIT_INTERRUPTED)
    for warning in report.warnings if not quiet else []:
        click.echo(f"warning: {warning['source']}: {warning['field']}: {warning['message']}", err=True)
    for rejected in report.rejected:
        click.echo(f"error: {rejected}", err=True)
    loopback = loopback_warning(base_url)
    if loopback is not None:  # said even with --quiet: a release about to be published is wrong
        click.echo(f"warning: {loopback}", err=True)
    click.echo(report.summary())
    if report.rejected:
        sys.exit(EXIT_REJECTED)
