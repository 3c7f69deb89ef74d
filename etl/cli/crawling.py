"""Options shared by the commands that read the live site (`discover`, `update`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from etl.layout import RAW_DIR


def parse_day(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    """A --since day (YYYY-MM-DD), or a usage error naming what is wrong."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a day written YYYY-MM-DD") from None


def site_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--site, --raw, --since, --limit, --delay and --recheck."""
    options = [
        click.option(
            "--site",
            "site_url",
            default=None,
            metavar="URL",
            help="Address of the site to read (default: the FPS site of reference/site.yml); its "
            "sitemap, listings and article paths are read as reference/site.yml describes them.",
        ),
        click.option(
            "--raw",
            type=click.Path(file_okay=False, path_type=Path),
            default=RAW_DIR,
            show_default="raw/",
            help="Folder of the snapshots (and of the crawl log, crawl.jsonl).",
        ),
        click.option(
            "--since",
            "modified_since",
            callback=parse_day,
            metavar="YYYY-MM-DD",
            help="Only articles the sitemap says were modified on or after this day.",
        ),
        click.option("--limit", type=click.IntRange(min=0), help="Fetch at most this many articles."),
        click.option(
            "--delay",
            type=click.FloatRange(min=0),
            default=1.0,
            show_default=True,
            help="Seconds between two requests to the site (a longer Crawl-delay in robots.txt wins).",
        ),
        click.option(
            "--recheck",
            is_flag=True,
            help="Ask again for the known articles too (a conditional request: unchanged pages are "
            "not downloaded), to notice pages changed without a new lastmod, or gone.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command
