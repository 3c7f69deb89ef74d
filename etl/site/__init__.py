"""Stage 6, site: what the published release is served as.

Reads the validated packages of stage package and the build report of stage release; produces the
SQLite database Datasette serves (with its inspect file), Datasette's metadata.yml (generated from
the package specs), the catalogue records (DCAT-AP and schema.org), the charts (SVG, PNG and
Vega-Lite, drawn from the database), and the site itself: the
project's Datasette plugin (landing, downloads and search pages, safe links, bounded SQL functions)
and the command that serves it."""

from etl.site.catalog import (
    DEFAULT_BASE_URL,
    loopback_warning,
    published_loopback_warning,
    write_catalog,
)
from etl.site.database import build_database, inspect_data
from etl.site.facts import CHECKSUMS, read_checksums, write_checksums, write_data_facts
from etl.site.metadata import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    draw_charts,
    render_metadata,
    serve,
    site_metadata,
)
from etl.site.releases import publishing
from etl.site.workers import default_workers

__all__ = [
    "CHECKSUMS",
    "DEFAULT_BASE_URL",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "build_database",
    "default_workers",
    "draw_charts",
    "inspect_data",
    "loopback_warning",
    "published_loopback_warning",
    "publishing",
    "read_checksums",
    "render_metadata",
    "serve",
    "site_metadata",
    "write_catalog",
    "write_checksums",
    "write_data_facts",
]
