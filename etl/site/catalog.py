"""Machine-readable catalogue records of a release, from the same metadata as everything else: a
DCAT-AP catalogue (Turtle and JSON-LD) and a schema.org Dataset for the landing page.

The package specs and project.yml give titles, descriptions, licence and authors; the
`ReleaseFacts` read from a built release (etl/site/facts.py) give what only the files know: sizes,
sha256 checksums, media types, the sources' dates and the languages of the content. Every node has
a stable IRI under the base URL (no blank nodes), so the same inputs give byte-identical records.
The DCAT-AP graph is built in etl/site/dcat.py and the schema.org Dataset in etl/site/schema_org.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from etl.layout import DOWNLOADS
from etl.site.facts import release_facts
from etl.site.metadata import DEFAULT_HOST, DEFAULT_PORT
from etl.site.schema_org import schema_org_dataset
from etl.specs import PackageSpec

DEFAULT_BASE_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


def is_loopback(url: str) -> bool:
    """Whether an address is this machine's own (127.0.0.0/8, localhost, ::1), no public one."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    return host in LOOPBACK_HOSTS or host.startswith("127.")


def loopback_warning(url: str) -> str | None:
    """The warning for catalogue records that point at a loopback address, or None."""
    if not is_loopback(url):
        return None
    return (
        f"the catalogue records and the pages' links point at {url}, this machine's own address; "
        "to publish, build with --base-url https://your.public.address"
    )


# The catalogue records, published among the downloads.
CATALOG_TURTLE = "catalog.ttl"
CATALOG_JSONLD = "catalog.jsonld"
SCHEMA_ORG = "dataset.schema.jsonld"


def published_loopback_warning(root: Path) -> str | None:
    """The loopback warning for the release built under root, from the address its schema.org
    record was built with; None when it has none or a public one."""
    import json

    record = root / DOWNLOADS / SCHEMA_ORG
    if not record.is_file():
        return None
    try:
        url = str(json.loads(record.read_text(encoding="utf-8")).get("url") or "")
    except (OSError, ValueError):
        return None
    return loopback_warning(url) if url else None


def write_catalog(
    root: Path, base_url: str, packages: tuple[PackageSpec, ...], project: dict[str, Any]
) -> None:
    """Write the catalogue records of the release built under root into its downloads: DCAT-AP as
    Turtle and JSON-LD, and the schema.org Dataset as JSON-LD."""
    from etl.site.dcat import dcat_graph, render_jsonld, render_turtle  # rdflib: the build's, not served

    facts = release_facts(root, base_url, project)
    graph = dcat_graph(packages, project, facts)
    (root / DOWNLOADS / CATALOG_TURTLE).write_bytes(render_turtle(graph))
    (root / DOWNLOADS / CATALOG_JSONLD).write_bytes(render_jsonld(graph))
    dataset = schema_org_dataset(packages, project, facts)
    (root / DOWNLOADS / SCHEMA_ORG).write_text(
        json.dumps(dataset, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    )
