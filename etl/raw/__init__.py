"""Stage 1, raw: the archived sources and their provenance records.

Reads `raw/`: each article as the bytes it was captured with (`NNN_<id>.txt` or `.html`) beside its
provenance record (`.yml`: address, language, capture and archiving dates, size, sha256), strictly:
a file whose bytes or record are wrong, or over the budget of a source (too-large, too-deep), is
rejected with a one-line reason, never half read; a text capture must be in NFC without invisible
characters, and `normalise` makes any other text so (for the bodies read from pages). Produces
`Source` objects (the record, and the checked file whose text is read again when extracted) for
extraction, and `RawInputs`, which accounts for every file of the folder; an index of the files
that passed the checks, by their stat, spares a build checking the unchanged ones again. Also
archives new pages from the web into `raw/` politely (robots.txt, one request per interval per
host, retries, conditional requests, checked bodies), and discovers the site's articles from its
sitemap and news listings, logging each crawl in `raw/crawl.jsonl`."""

from etl.raw.budget import INLINE, MAX_WARNINGS, over_budget
from etl.raw.discover import (
    CRAWL_LOG,
    Discovery,
    Found,
    discover,
    log_entries,
    log_entry,
    read_log,
    since,
    site_settings,
)
from etl.raw.fetch import Fetcher, FetchResult, fetch_urls, parse_url_list
from etl.raw.normal import Normalised, Removed, normalise, unnormalised
from etl.raw.politeness import PoliteClient, Politeness
from etl.raw.sources import (
    SOURCE_SUFFIXES,
    RawInputs,
    Source,
    SourceError,
    Superseded,
    read_raw,
    read_source,
    read_text,
    rejected_late,
    source_from_bytes,
)

__all__ = [
    "CRAWL_LOG",
    "INLINE",
    "MAX_WARNINGS",
    "SOURCE_SUFFIXES",
    "Discovery",
    "FetchResult",
    "Fetcher",
    "Found",
    "Normalised",
    "PoliteClient",
    "Politeness",
    "RawInputs",
    "Removed",
    "Source",
    "SourceError",
    "Superseded",
    "discover",
    "fetch_urls",
    "log_entries",
    "log_entry",
    "normalise",
    "over_budget",
    "parse_url_list",
    "read_log",
    "read_raw",
    "read_source",
    "read_text",
    "rejected_late",
    "since",
    "site_settings",
    "source_from_bytes",
    "unnormalised",
]
