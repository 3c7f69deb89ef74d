"""Stage 1, raw: the archived sources and their provenance records.

Reads `raw/`: each article as the bytes it was captured with (`NNN_<id>.txt` or `.html`) beside its
provenance record (`.yml`: address, language, capture and archiving dates, size, sha256), strictly:
a file whose bytes or record are wrong is rejected with a one-line reason, never half read. Produces
`Source` objects (the decoded text and its record) for extraction, and `RawInputs`, which accounts
for every file of the folder. Also archives new pages from the web into `raw/` politely (robots.txt,
one request per interval per host, retries, conditional requests, checked bodies)."""

from etl.raw.fetch import FetchResult, fetch_urls, parse_url_list
from etl.raw.sources import (
    SOURCE_SUFFIXES,
    RawInputs,
    Source,
    SourceError,
    Superseded,
    read_raw,
    read_source,
    source_from_bytes,
)

__all__ = [
    "SOURCE_SUFFIXES",
    "FetchResult",
    "RawInputs",
    "Source",
    "SourceError",
    "Superseded",
    "fetch_urls",
    "parse_url_list",
    "read_raw",
    "read_source",
    "source_from_bytes",
]
