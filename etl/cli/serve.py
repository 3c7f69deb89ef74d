"""The `diplodata serve` command: Datasette on the published release."""

from __future__ import annotations

from pathlib import Path

import click

from etl.cli.exits import fail
from etl.layout import ROOT
from etl.site import DEFAULT_HOST, DEFAULT_PORT


@click.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT,
    show_default="the checkout",
    help="Folder of the built release.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default="0: the cores",
    help="Serving processes sharing the port, each with its own app on the release.",
)
def serve(host: str, port: int, root: Path, workers: int) -> None:
    """Serve the built database with Datasette: immutable, read-only, with the generated metadata,
    in --workers processes (the cores by default).

    \b
    Example:
        diplodata serve --port 8001
        diplodata serve --workers 1
    """
    from etl.layout import DATABASE
    from etl.site import publishing
    from etl.site import serve as run_server

    # The release stage, whose reports and diffs load much of the build, only to undo a publish that
    # was interrupted: a start loads no more than serving needs.
    if publishing(root):
        from etl.release import LockBusy, ReleaseError, recover_interrupted

        try:
            if recover_interrupted(root):
                click.echo("undid an interrupted publish: the previous release is back in place", err=True)
        except LockBusy:
            click.echo("a build is running; serving the release published now", err=True)
        except ReleaseError as exc:
            fail(str(exc))
    if not (root / DATABASE).exists():
        fail(f"{root / DATABASE} does not exist; run `diplodata build` first")
    from etl.site import published_loopback_warning

    loopback = published_loopback_warning(root)
    if loopback is not None:
        click.echo(f"warning: {loopback}", err=True)
    from etl.site import default_workers

    count = workers or default_workers()
    click.echo(f"serving on http://{host}:{port}/ ({count} worker{'s' if count > 1 else ''})", err=True)
    try:
        status = run_server(root, host, port, count)
    except OSError as exc:
        fail(f"cannot serve on {host}:{port}: {exc.strerror or exc}")
    if status:
        fail("a serving process exited; the server stopped")
