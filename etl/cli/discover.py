"""The `diplodata discover` command: the site's article addresses, new, changed or known."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from etl.cli.crawling import site_options
from etl.cli.exits import EXIT_INTERRUPTED, fail


@click.command()
@site_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per address.")
def discover(
    site_url: str | None,
    raw: Path,
    modified_since: dt.date | None,
    limit: int | None,
    delay: float,
    recheck: bool,
    as_json: bool,
) -> None:
    """List the site's articles: from its sitemap (a sitemap index and its sitemaps, with
    lastmod) and its news listings in en, nl and fr (page after page), each new (not yet in
    raw/), changed (modified since its last capture) or known. Fetches nothing but the sitemaps
    and listings, politely; archives nothing. Exit status 1 when neither could be read.

    \b
    Example:
        diplodata discover --since 2025-01-01
    """
    from etl.raw import PoliteClient, Politeness, since, site_settings
    from etl.raw import discover as find
    from etl.reference import load_reference

    site = site_settings(load_reference().site, site_url)
    try:
        with PoliteClient(Politeness(min_interval=delay)) as client:
            discovery = find(client, site, raw)
    except KeyboardInterrupt:
        fail("interrupted; nothing was written", EXIT_INTERRUPTED)
    found = since(discovery.found, modified_since)
    for item in found[:limit] if limit is not None else found:
        click.echo(json.dumps(item.__dict__, ensure_ascii=False) if as_json else str(item))
    for problem in discovery.problems:
        click.echo(f"warning: {problem}", err=True)
    if not discovery.found and discovery.problems:
        fail(f"nothing found on {site['site']}: neither its sitemap nor its listings could be read")
