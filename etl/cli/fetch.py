"""The `diplodata fetch` command: article pages archived into raw/ politely."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from etl.cli.exits import EXIT_INTERRUPTED, fail
from etl.layout import RAW_DIR


@click.command()
@click.argument("urls", nargs=-1)
@click.option(
    "--from-file",
    "from_file",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Read more URLs from a file, one a line (blank lines and # comments skipped); - for stdin.",
)
@click.option(
    "--raw",
    type=click.Path(file_okay=False, path_type=Path),
    default=RAW_DIR,
    show_default="raw/",
    help="Folder the snapshots are archived into.",
)
def fetch(urls: tuple[str, ...], from_file: Path | None, raw: Path) -> None:
    """Archive article pages into raw/, each with its provenance record, politely.

    Obeys robots.txt, waits a second between requests to a host, retries 429 and 5xx with
    backoff (honouring Retry-After), sends ETag/Last-Modified so an unchanged page is not
    downloaded again, and refuses truncated, oversized, non-HTML and wrongly encoded pages. A
    changed page becomes a new snapshot; no snapshot is ever overwritten. Prints one line per
    URL: archived, unchanged, not_modified, refused or failed, then the URL and why. Exit
    status 1 when any URL was refused or failed (the others are archived).

    \b
    Example:
        diplodata fetch https://diplomatie.belgium.be/en/news/some-article --from-file urls.txt
    """
    from etl.raw import FetchResult, fetch_urls, parse_url_list

    wanted = list(urls)
    if from_file is not None:
        try:
            text = sys.stdin.read() if str(from_file) == "-" else from_file.read_text(encoding="utf-8")
        except OSError as exc:
            fail(f"{from_file}: cannot read the list of URLs ({exc.strerror or exc})")
        except UnicodeDecodeError:
            fail(f"{from_file}: the list of URLs is not UTF-8 text")
        wanted += parse_url_list(text)
    if not wanted:
        fail("no URL to fetch; name URLs or a file of URLs with --from-file FILE")
    if not raw.is_dir():
        fail(f"{raw}: no such folder; create it or choose another with --raw")

    def show(result: FetchResult) -> None:
        click.echo(str(result))

    try:
        results = fetch_urls(wanted, raw, on_result=show)
    except KeyboardInterrupt:
        fail("interrupted; the pages archived so far are kept", EXIT_INTERRUPTED)
    missed = [r for r in results if not r.ok]
    if missed:
        fail(f"{len(missed)} of {len(results)} URL(s) not archived")
