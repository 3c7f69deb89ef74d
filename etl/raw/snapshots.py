"""Snapshots of web pages in raw/: `NNN_<id>.html` (the bytes as received) beside its provenance record
`NNN_<id>.yml`, written atomically and never overwritten, and the checks a page's text must pass first."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from etl.reference import load_yaml

SNAPSHOT_SUFFIX = ".html"
RECORD_SUFFIX = ".yml"
URL_HASH_LENGTH = 16
SEQUENCE_PATTERN = re.compile(r"^(\d{3,})_")
TEMP_PREFIX = ".fetch-"
MAX_CLAIMS = 1000
LANGUAGES = ("en", "nl", "fr")
PUBLISHERS = {
    "diplomatie.belgium.be": "FPS Foreign Affairs, Foreign Trade and Development Cooperation",
}
RECORD_HEADER = (
    "# Provenance record of the archived page beside it (same name, .html), written by diplodata fetch.\n"
    "# The page's bytes are never changed; a later capture of the address is a new snapshot.\n"
)


@dataclass(frozen=True)
class Page:
    """A fetched page about to be archived: its bytes and what the server said about them."""

    url: str
    final_url: str
    http_status: int
    content_type: str | None
    encoding: str
    etag: str | None
    last_modified: str | None
    retrieved: dt.datetime
    body: bytes


@dataclass(frozen=True)
class Snapshot:
    """An archived capture of an address already in raw/."""

    id: str
    path: Path
    record: dict[str, Any]

    @property
    def sha256(self) -> str:
        """The sha256 of the archived bytes, as its record states it."""
        return str(self.record.get("sha256") or "")


# Pure helpers ----------------------------------------------------------------------------------------


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type header, lower case, without parameters ('' when absent)."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def url_language(url: str) -> str | None:
    """The language an address names in its first path segment (/en/, /nl/, /fr/), or None."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    return segments[0].lower() if segments and segments[0].lower() in LANGUAGES else None


def url_publisher(url: str) -> str | None:
    """The publisher of a known site, or None."""
    host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    return PUBLISHERS.get(host)


def snapshot_stem(sequence: int, url: str) -> str:
    """The name of a snapshot without suffix: `NNN_<first 16 hex of sha256(url)>`."""
    return f"{sequence:03d}_{hashlib.sha256(url.encode('utf-8')).hexdigest()[:URL_HASH_LENGTH]}"


def format_timestamp(moment: dt.datetime) -> str:
    """An ISO 8601 UTC time with seconds, e.g. 2026-11-27T20:15:03Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_record(stem: str, page: Page, previous: str | None) -> dict[str, Any]:
    """The provenance record of a page archived as `<stem>.html`."""
    return {
        "id": stem,
        "file": stem + SNAPSHOT_SUFFIX,
        "url": page.url,
        "final_url": page.final_url,
        "title": None,
        "language": url_language(page.final_url) or url_language(page.url),
        "publisher": url_publisher(page.final_url),
        "format": media_type(page.content_type),
        "encoding": page.encoding,
        "bytes": len(page.body),
        "sha256": hashlib.sha256(page.body).hexdigest(),
        "retrieved": format_timestamp(page.retrieved),
        "archived": page.retrieved.astimezone(dt.UTC).date(),
        "http_status": page.http_status,
        "content_type": page.content_type,
        "etag": page.etag,
        "last_modified": page.last_modified,
        "previous": previous,
    }


def render_record(record: dict[str, Any]) -> str:
    """A provenance record as YAML, keys in their order, under a comment saying what it is."""
    return RECORD_HEADER + yaml.safe_dump(record, sort_keys=False, allow_unicode=True)


# raw/ ------------------------------------------------------------------------------------------------


def next_sequence(raw_dir: Path) -> int:
    """The sequence number after the highest one in raw/ (0 in an empty folder)."""
    numbers = [int(m.group(1)) for p in raw_dir.iterdir() if (m := SEQUENCE_PATTERN.match(p.name))]
    return max(numbers, default=-1) + 1


def latest_snapshot(raw_dir: Path, url: str) -> Snapshot | None:
    """The most recent snapshot of an address in raw/, found by the `url` of its record, or None."""
    found: list[tuple[int, Snapshot]] = []
    for path in raw_dir.glob("*" + RECORD_SUFFIX):
        number = SEQUENCE_PATTERN.match(path.name)
        if number is None or path.name.startswith("."):
            continue
        try:
            record = load_yaml(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if isinstance(record, dict) and record.get("url") == url:
            file = str(record.get("file") or path.stem + SNAPSHOT_SUFFIX)
            snapshot = Snapshot(id=str(record.get("id") or path.stem), path=raw_dir / file, record=record)
            found.append((int(number.group(1)), snapshot))
    return max(found, key=lambda pair: pair[0])[1] if found else None


def write_temp(raw_dir: Path, data: bytes) -> Path:
    """Write bytes to a hidden temporary file in raw/, flushed to disk."""
    handle, name = tempfile.mkstemp(dir=raw_dir, prefix=TEMP_PREFIX, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries to disk, where the system allows it."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def write_snapshot(raw_dir: Path, page: Page, previous: str | None) -> Path:
    """Archive a page as the next `NNN_<id>.html` and its record, never replacing a file; its path.

    Both files are written to temporary files first and linked into place (which fails rather than
    overwrite), the record last, so raw/ never holds a partial snapshot."""
    body_temp = write_temp(raw_dir, page.body)
    record_temp: Path | None = None
    try:
        os.chmod(body_temp, 0o444)
        sequence = next_sequence(raw_dir)
        for _ in range(MAX_CLAIMS):
            stem = snapshot_stem(sequence, page.url)
            html, record = raw_dir / (stem + SNAPSHOT_SUFFIX), raw_dir / (stem + RECORD_SUFFIX)
            if record.exists():
                sequence += 1
                continue
            record_temp = write_temp(
                raw_dir, render_record(build_record(stem, page, previous)).encode("utf-8")
            )
            try:
                os.link(body_temp, html)
            except FileExistsError:
                record_temp.unlink()
                record_temp = None
                sequence = max(sequence + 1, next_sequence(raw_dir))
                continue
            try:
                os.link(record_temp, record)
            except BaseException:
                html.unlink(missing_ok=True)
                raise
            sync_folder(raw_dir)
            return html
        raise OSError(f"no free snapshot name in {raw_dir} after {MAX_CLAIMS} tries")
    finally:
        body_temp.unlink(missing_ok=True)
        if record_temp is not None:
            record_temp.unlink(missing_ok=True)
