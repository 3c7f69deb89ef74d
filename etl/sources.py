"""Archived sources: their bytes read strictly, checked against their provenance records."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SOURCE_SUFFIXES = (".txt", ".html")
RECORD_SUFFIX = ".yml"
REQUIRED_RECORD_KEYS = ("id", "file", "sha256", "bytes", "language", "archived")


class SourceError(Exception):
    """A source that cannot be read; str() is one line naming the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


@dataclass(frozen=True)
class Source:
    """One archived text, decoded, with its provenance record (empty when it has none)."""

    id: str
    file: str
    text: str
    sha256: str
    size: int
    record: dict[str, Any] = field(default_factory=dict)


def find_sources(raw_dir: Path) -> tuple[list[Path], list[SourceError]]:
    """The archived texts of a raw folder in name order, and an error for every other file there
    (an unsupported type, a provenance record without its text), so no input goes unaccounted."""
    texts, strays = [], []
    for path in sorted(p for p in raw_dir.iterdir() if p.is_file() and not p.name.startswith(".")):
        if path.suffix in SOURCE_SUFFIXES:
            texts.append(path)
        elif path.suffix == RECORD_SUFFIX:
            if not any(path.with_suffix(s).exists() for s in SOURCE_SUFFIXES):
                strays.append(SourceError(path, "provenance record without its archived text"))
        else:
            supported = ", ".join(SOURCE_SUFFIXES)
            strays.append(SourceError(path, f"unsupported file type (archived texts are {supported})"))
    return texts, strays


def decode_text(path: Path | str, data: bytes, encoding: str = "utf-8") -> str:
    """Decode archived bytes (UTF-8 unless the record says otherwise), refusing empty, binary and
    undecodable content."""
    if not data:
        raise SourceError(path, "empty file (0 bytes); re-archive the page")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise SourceError(path, f"binary content (NUL byte at offset {nul}); expected UTF-8 text")
    try:
        return (
            data.decode(encoding).removeprefix("\ufeff")
            if encoding.lower() != "utf-8"
            else data.decode(encoding)
        )
    except LookupError:
        raise SourceError(path, f"unknown encoding {encoding!r} in its provenance record") from None
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 1].hex()
        name = "UTF-8" if encoding.lower() in ("utf-8", "utf8") else encoding
        raise SourceError(
            path, f"not {name} (byte 0x{bad} at offset {exc.start}); convert it to UTF-8"
        ) from None


def read_record(path: Path) -> dict[str, Any]:
    """Read a provenance record, with dates as ISO 8601 strings."""
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
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
    """A Source from archived bytes and the record that describes them (possibly empty)."""
    text = decode_text(path, data, str(record.get("encoding") or "utf-8"))
    digest = hashlib.sha256(data).hexdigest()
    return Source(
        id=str(record.get("id") or path.stem),
        file=path.name,
        text=text,
        sha256=digest,
        size=len(data),
        record=record,
    )


def read_source(path: Path, *, require_record: bool = True) -> Source:
    """Read one archived text and check it against the provenance record beside it."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SourceError(path, "file not found") from None
    except OSError as exc:
        raise SourceError(path, f"cannot be read ({exc.strerror})") from None
    digest = hashlib.sha256(data).hexdigest()
    record_path = path.with_suffix(RECORD_SUFFIX)
    record: dict[str, Any] = {}
    if record_path.exists():
        record = read_record(record_path)
    text = decode_text(path, data, str(record.get("encoding") or "utf-8"))
    if record:
        check_against_record(path, data, digest, record)
    elif require_record:
        raise SourceError(path, f"no provenance record ({record_path.name}); write one beside it")
    source_id = str(record.get("id") or path.stem)
    return Source(id=source_id, file=path.name, text=text, sha256=digest, size=len(data), record=record)


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
