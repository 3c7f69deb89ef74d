"""Machine-readable catalogue records of a release, from the same metadata as everything else: a
DCAT-AP catalogue (Turtle and JSON-LD) and a schema.org Dataset for the landing page.

The package specs and project.yml give titles, descriptions, licence and authors; a small
`ReleaseFacts` read from a built release gives what only the files know: sizes, sha256 checksums,
media types, the sources' dates and the languages of the content. Every node has a stable IRI
under the base URL (no blank nodes), so the same inputs give byte-identical records.

The facts are read in etl/release_facts.py, the DCAT-AP graph is built in etl/dcat.py and the
schema.org Dataset in etl/schema_org.py; their names are importable from here too."""

from __future__ import annotations

from etl.dcat import (
    EU_LANGUAGE,
    EU_THEME,
    EU_THEME_SCHEME,
    FRICTIONLESS_DATA_PACKAGE,
    IANA_MEDIA_TYPES,
    LANGUAGE_CODES,
    METADATA_LANGUAGE,
    PREFIXES,
    SPDX,
    THEMES,
    VCARD,
    add_common,
    add_dataset,
    add_distribution,
    add_shared_nodes,
    dcat_graph,
    language_iri,
    media_type_iri,
    new_graph,
    render_jsonld,
    render_turtle,
    sorted_json,
    text,
    xsd_date,
)
from etl.release_facts import (
    ARTICLES_CSV,
    DESCRIPTOR,
    FORMAT_NAMES,
    MEDIA_TYPES,
    NEWS_PACKAGE,
    Distribution,
    ReleaseFacts,
    all_keywords,
    database_name,
    distribution_text,
    fact_dates,
    file_distribution,
    iso_date,
    keywords,
    media_type,
    one_line,
    period_bounds,
    publisher_name,
    read_csv_rows,
    release_facts,
    temporal_coverage,
)
from etl.schema_org import (
    data_download,
    schema_org_dataset,
    schema_org_script,
)
from etl.site import DEFAULT_HOST, DEFAULT_PORT

__all__ = [
    "ARTICLES_CSV",
    "DEFAULT_BASE_URL",
    "DESCRIPTOR",
    "EU_LANGUAGE",
    "EU_THEME",
    "EU_THEME_SCHEME",
    "FORMAT_NAMES",
    "FRICTIONLESS_DATA_PACKAGE",
    "IANA_MEDIA_TYPES",
    "LANGUAGE_CODES",
    "MEDIA_TYPES",
    "METADATA_LANGUAGE",
    "NEWS_PACKAGE",
    "PREFIXES",
    "SPDX",
    "THEMES",
    "VCARD",
    "Distribution",
    "ReleaseFacts",
    "add_common",
    "add_dataset",
    "add_distribution",
    "add_shared_nodes",
    "all_keywords",
    "data_download",
    "database_name",
    "dcat_graph",
    "distribution_text",
    "fact_dates",
    "file_distribution",
    "iso_date",
    "keywords",
    "language_iri",
    "media_type",
    "media_type_iri",
    "new_graph",
    "one_line",
    "period_bounds",
    "publisher_name",
    "read_csv_rows",
    "release_facts",
    "render_jsonld",
    "render_turtle",
    "schema_org_dataset",
    "schema_org_script",
    "sorted_json",
    "temporal_coverage",
    "text",
    "xsd_date",
]

DEFAULT_BASE_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
