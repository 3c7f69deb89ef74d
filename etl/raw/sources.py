"""Archived sources: their bytes read strictly, checked against their provenance records."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from etl.apart import FreshPool
from etl.digests import Stat
from etl.raw.budget import over_budget, too_large
from etl.raw.charsets import ContentError, Undecodable, check_text, decoded, effective
from etl.raw.discover import CRAWL_LOG
from etl.raw.index import Checked, checks_version, file_stats, plain, racy, read_index, write_index
from etl.raw.normal import unnormalised
from etl.raw.templates import not_an_article
from etl.reference import load_yaml

SOURCE_SUFFIXES = (".txt", ".html")
RECORD_SUFFIX = ".yml"
# Below so many files to check, a pool of processes costs more than it saves; files a task.
CHECK_POOL_MINIMUM = 256
CHECK_CHUNK = 64
REQUIRED_RECORD_KEYS = ("id", "file", "sha256", "bytes", "language", "archived")


class SourceError(Exception):
    """A source that cannot be read; str() is one line naming the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason

    def __reduce__(self) -> tuple[type[SourceError], tuple[str, str]]:
        """Pickled as its file and reason (it goes back from a worker process)."""
        return SourceError, (self.path, self.reason)


@dataclass(frozen=True)
class Source:
    """One archived text with its provenance record (empty when it has none): the name of its file,
    the sha256 and size of its bytes, and the file they were checked in (path), whose text is read
    from it when asked for, or the text itself (held) for a source that is not read from a file."""

    id: str
    file: str
    sha256: str
    size: int
    record: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    held: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.path is None and self.held is None:
            raise ValueError(f"source {self.id}: neither the path of its file nor its text")

    @property
    def text(self) -> str:
        """The decoded text: the one held, else read from its file each time it is asked for (not
        kept), and refused if the file's bytes are no longer those checked (see read_text)."""
        if self.held is not None:
            return self.held
        assert self.path is not None
        return read_text(self.path, self.sha256, str(self.record.get("encoding") or "utf-8"))

    def holding_text(self) -> Source:
        """The same source with its text held, to be sent where its file cannot be read."""
        return self if self.held is not None else replace(self, held=self.text)


def find_sources(raw_dir: Path) -> tuple[list[Path], list[SourceError]]:
    """The archived texts of a raw folder in name order, and an error for every other file there
    (an unsupported type, a provenance record without its text), so no input goes unaccounted; the
    crawl log is the crawler's, not an input."""
    with os.scandir(raw_dir) as entries:
        listed = {entry.name: entry.is_file() for entry in entries}
    texts, strays = [], []
    for name in sorted(
        n for n, is_file in listed.items() if is_file and not n.startswith(".") and n != CRAWL_LOG
    ):
        stem, suffix = os.path.splitext(name)  # (strings: pathlib's objects cost more than the rest)
        if suffix in SOURCE_SUFFIXES:
            texts.append(raw_dir / name)
        elif suffix == RECORD_SUFFIX:
            if not any(listed.get(stem + s, False) for s in SOURCE_SUFFIXES):
                strays.append(SourceError(raw_dir / name, "provenance record without its archived text"))
        else:
            supported = ", ".join(SOURCE_SUFFIXES)
            strays.append(
                SourceError(raw_dir / name, f"unsupported file type (archived texts are {supported})")
            )
    return texts, strays


def decode_text(path: Path | str, data: bytes, encoding: str = "utf-8") -> str:
    """Decode archived bytes (UTF-8 unless the record says otherwise; latin-1 labels as
    windows-1252), refusing empty, binary, undecodable and misread content; a BOM is dropped."""
    if not data:
        raise SourceError(path, "empty file (0 bytes); re-archive the page")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise SourceError(path, f"binary content (NUL byte at offset {nul}); expected UTF-8 text")
    charset = effective(encoding)
    try:
        text = check_text(data, charset)
    except LookupError:
        raise SourceError(path, f"unknown encoding {encoding!r} in its provenance record") from None
    except Undecodable as exc:
        name = "UTF-8" if charset in ("utf-8", "utf8") else charset
        where = f"byte 0x{exc.byte:02x} at offset {exc.offset}"
        raise SourceError(path, f"not {name} ({where}); convert it to UTF-8") from None
    except ContentError as exc:
        raise SourceError(path, str(exc)) from None
    return text


def reads_as_html(path: Path | str, text: str, record: dict[str, Any]) -> bool:
    """Whether a text is read as an HTML page (by its record's format, its name or its start)."""
    return (
        record.get("format") == "text/html"
        or str(path).endswith(".html")
        or text.lstrip()[:15].lower().startswith(("<!doctype html", "<html"))
    )


def check_budget(path: Path | str, data: bytes, record: dict[str, Any]) -> None:
    """Refuse bytes over the budget of a source (`too-large`, `too-deep`), read before the slower
    checks of their text (a quick decoding is enough to measure it)."""
    try:
        text = data.decode(effective(str(record.get("encoding") or "utf-8")), errors="replace")
    except LookupError:
        return  # decode_text names the unknown encoding
    refused = over_budget(text, len(data), reads_as_html(path, text, record))
    if refused is not None:
        raise SourceError(path, refused)


def check_capture(path: Path | str, text: str, record: dict[str, Any]) -> None:
    """Refuse a text capture that is not stored as its body must be (NFC, no invisible character):
    its body is its bytes, which its sha256 proves."""
    refused = None if reads_as_html(path, text, record) else unnormalised(text)
    if refused is not None:
        raise SourceError(path, refused)


def read_record(path: Path) -> dict[str, Any]:
    """Read a provenance record, with dates as ISO 8601 strings."""
    try:
        loaded = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        reason = str(exc).splitlines()[0]
        raise SourceError(path, f"unreadable provenance record ({reason})") from None
    if not isinstance(loaded, dict):
        raise SourceError(path, "provenance record is not a mapping of keys to values")
    missing = [key for key in REQUIRED_RECORD_KEYS if loaded.get(key) in (None, "")]
    if missing:
        raise SourceError(path, f"provenance record lacks {', '.join(missing)}")
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in loaded.items()}


def source_from_bytes(path: Path, data: bytes, record: dict[str, Any]) -> Source:
    """A Source holding its text, from archived bytes and the record that describes them (possibly
    empty)."""
    check_budget(path, data, record)
    text = decode_text(path, data, str(record.get("encoding") or "utf-8"))
    check_capture(path, text, record)
    digest = hashlib.sha256(data).hexdigest()
    return Source(
        id=str(record.get("id") or path.stem),
        file=path.name,
        sha256=digest,
        size=len(data),
        record=record,
        held=text,
    )


def unreadable(path: Path, exc: OSError, missing: str) -> SourceError:
    """Why a file could not be read: missing (when it is not there), else the system's reason."""
    if isinstance(exc, FileNotFoundError):
        return SourceError(path, missing)
    return SourceError(path, f"cannot be read ({exc.strerror})")


def read_source(path: Path, *, require_record: bool = True, site: dict[str, Any] | None = None) -> Source:
    """Read one archived text and check it against the provenance record beside it (and the budget
    of a source: a file too large is refused before it is read; and, given the site, that an HTML
    page is one of its articles). The Source does not hold its text: it is read again when asked
    for."""
    try:
        refused = too_large(path.stat().st_size)
        if refused is not None:
            raise SourceError(path, refused)
        data = path.read_bytes()
    except OSError as exc:
        raise unreadable(path, exc, "file not found") from None
    digest = hashlib.sha256(data).hexdigest()
    record_path = path.with_suffix(RECORD_SUFFIX)
    record: dict[str, Any] = {}
    if record_path.exists():
        record = read_record(record_path)
    check_budget(path, data, record)
    text = decode_text(path, data, str(record.get("encoding") or "utf-8"))
    if record:
        check_against_record(path, data, digest, record)
    elif require_record:
        raise SourceError(path, f"no provenance record ({record_path.name}); write one beside it")
    check_capture(path, text, record)
    refused = not_an_article(text, site) if site and path.suffix == ".html" else None
    if refused is not None:
        raise SourceError(path, refused)
    source_id = str(record.get("id") or path.stem)
    return Source(id=source_id, file=path.name, sha256=digest, size=len(data), record=record, path=path)


def read_text(path: Path, sha256: str, encoding: str = "utf-8") -> str:
    """The text of an archived file that passed the checks, read and decoded again as read_source
    does; refused if the file is gone or its bytes are no longer those checked (their sha256)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise unreadable(path, exc, "removed since it was checked; build again") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise SourceError(
            path, f"changed since it was checked (sha256 {digest[:12]}…, not {sha256[:12]}…); build again"
        )
    return decoded(data, effective(encoding))


def check_against_record(path: Path, data: bytes, digest: str, record: dict[str, Any]) -> None:
    """Refuse a text whose bytes are not those its provenance record describes."""
    expected_size = int(record["bytes"])
    if len(data) < expected_size:
        raise SourceError(path, f"truncated: {len(data)} bytes, its provenance record says {expected_size}")
    if digest != record["sha256"]:
        raise SourceError(
            path, f"sha256 {digest[:12]}… differs from its provenance record; the text was altered"
        )
    if record["file"] != path.name:
        raise SourceError(path, f"provenance record names another file ({record['file']})")


# Snapshots: several archived captures of one address (diplodata fetch keeps every changed page).

SEQUENCE = re.compile(r"^(\d+)_")
EPOCH = dt.datetime(1, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Superseded:
    """An older snapshot of an address that a newer one replaces in the build (kept in raw/)."""

    source: Source
    newer: Source

    @property
    def reason(self) -> str:
        """One line: which snapshot replaces it."""
        return f"an older snapshot of {self.source.record.get('url')}; {self.newer.id} is newer"


def capture_time(record: dict[str, Any]) -> dt.datetime:
    """When a snapshot was captured: its `retrieved` time, else its `archived` date (UTC)."""
    for key in ("retrieved", "archived"):
        value = record.get(key)
        if value in (None, ""):
            continue
        try:
            moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return EPOCH


def snapshot_order(source: Source) -> tuple[dt.datetime, int, str]:
    """How snapshots of one address sort, oldest first: capture time, then sequence number, then name."""
    number = SEQUENCE.match(source.file)
    return capture_time(source.record), int(number.group(1)) if number else -1, source.file


def newest_snapshots(sources: list[Source]) -> tuple[list[Source], list[Superseded]]:
    """The sources to build from (the newest snapshot of each address, and every source without an
    address), in their order, and the older snapshots each newer one supersedes."""
    newest: dict[str, Source] = {}
    for source in sources:
        url = source.record.get("url")
        if url and (url not in newest or snapshot_order(source) > snapshot_order(newest[url])):
            newest[url] = source
    kept, superseded = [], []
    for source in sources:
        url = source.record.get("url")
        if url and newest[url] is not source:
            superseded.append(Superseded(source, newest[url]))
        else:
            kept.append(source)
    return kept, superseded


@dataclass(frozen=True)
class RawInputs:
    """What a raw folder holds: the sources to build from, the files that cannot be used, and the
    older snapshots a newer one supersedes."""

    found: int
    sources: list[Source]
    rejected: list[SourceError]
    superseded: list[Superseded]


def read_raw(
    raw_dir: Path,
    site: dict[str, Any] | None = None,
    index: Path | None = None,
    full: bool = False,
    jobs: int = 1,
) -> RawInputs:
    """Every input of a raw folder, accounted for: each readable source (the newest snapshot of each
    address), and each file that cannot be used with the reason (a source reusing another's id among
    them), so that one bad file never hides the others. With an index (see etl/raw/index.py), a file
    unchanged since it passed the checks is not read again (unless full), and the index is updated.
    Many files to check are checked in jobs processes."""
    paths, rejected = find_sources(raw_dir)
    found = len(paths) + len(rejected)
    version = checks_version(site)
    known = read_index(index, version, raw_dir) if index is not None and not full else {}
    started = time.time_ns()
    checked: dict[str, Checked] = {}
    sources: list[Source] = []
    seen: dict[str, str] = {}
    stats = [file_stats(path, path.with_suffix(RECORD_SUFFIX)) for path in paths]
    stale = [path for path, stat in zip(paths, stats, strict=True) if not still(known.get(path.name), stat)]
    fresh = read_sources(stale, site, jobs)
    for path, stat in zip(paths, stats, strict=True):
        try:
            source, passed = checked_source(path, known.get(path.name), stat, started, fresh)
            if passed is not None:
                checked[path.name] = passed
            if source.id in seen:
                raise SourceError(path, f"id {source.id} is already used by {seen[source.id]}")
        except SourceError as exc:
            rejected.append(exc)
            continue
        seen[source.id] = source.file
        sources.append(source)
    if index is not None and checked != known:
        write_index(index, version, raw_dir, checked)
    kept, superseded = newest_snapshots(sources)
    return RawInputs(found, kept, rejected, superseded)


def checked_source(
    path: Path,
    known: Checked | None,
    stats: tuple[Stat, Stat] | None,
    started_ns: int,
    fresh: Iterator[Source | SourceError],
) -> tuple[Source, Checked | None]:
    """A file's source: as the index recorded it when its stat is the one recorded, else the next
    of fresh (its source read and checked, or why it cannot be used, raised here); and what the
    index is to record of it (None when it was written too recently)."""
    source = known_source(known, path, stats)
    if source is not None:
        return source, known
    outcome = next(fresh)
    if isinstance(outcome, SourceError):
        raise outcome
    return outcome, None if stats is None or racy(stats, started_ns) else as_checked(outcome, stats)


def still(known: Checked | None, stats: tuple[Stat, Stat] | None) -> bool:
    """Whether a file and its record are as the index recorded them when they passed the checks."""
    return known is not None and stats is not None and known.stats == stats


def attempt_read(path: Path, site: dict[str, Any] | None) -> Source | SourceError:
    """A file's source read and checked (see read_source), or why it cannot be used."""
    try:
        return read_source(path, site=site)
    except SourceError as exc:
        return exc


def read_chunk(paths: list[Path], site: dict[str, Any] | None) -> list[Source | SourceError]:
    """Some files' sources read and checked in a worker process."""
    return [attempt_read(path, site) for path in paths]


def read_sources(paths: list[Path], site: dict[str, Any] | None, jobs: int) -> Iterator[Source | SourceError]:
    """Each file's source read and checked, or why it cannot be used, in order: in this process, or
    for many files in a pool of jobs processes, CHECK_CHUNK files a task."""
    if jobs <= 1 or len(paths) < CHECK_POOL_MINIMUM:
        yield from (attempt_read(path, site) for path in paths)
        return
    chunks = [paths[i : i + CHECK_CHUNK] for i in range(0, len(paths), CHECK_CHUNK)]
    with FreshPool(jobs) as pool:  # not forks of the child that extracts (etl/apart.py)
        for done in pool.map(read_chunk, chunks, itertools.repeat(site)):
            yield from done


def known_source(known: Checked | None, path: Path, stats: tuple[Stat, Stat] | None) -> Source | None:
    """The source of a file as it passed the checks, when its stat and its record's are those the
    index recorded; else None (it is to be read and checked)."""
    if known is None or not still(known, stats):
        return None
    record = known.record if known.record is not None else read_record(path.with_suffix(RECORD_SUFFIX))
    return Source(id=known.id, file=path.name, sha256=known.sha256, size=known.size, record=record, path=path)


def as_checked(source: Source, stats: tuple[Stat, Stat]) -> Checked:
    """What the index records of a source that passed the checks (its record when it is plain)."""
    return Checked(
        stats, source.id, source.sha256, source.size, source.record if plain(source.record) else None
    )


def rejected_late(raw: RawInputs, errors: list[SourceError]) -> RawInputs:
    """The inputs with the sources whose file could not be read when they were extracted (changed
    since they were checked) moved from those to build from to the rejected files."""
    if not errors:
        return raw
    failed = {Path(error.path).name for error in errors}
    kept = [source for source in raw.sources if source.file not in failed]
    return replace(raw, sources=kept, rejected=[*raw.rejected, *errors])
