"""What the checks of a raw folder found, kept between builds the way git's index keeps a work
tree's: each archived text that passed them, by the stat of its file and of its provenance record
(size, mtime, ctime and inode), with what they gave (id, sha256, size and the parsed record). A
file whose stat and its record's are those recorded is not read or checked again; any other file
is, and a rejected one is never recorded, so it is checked again at every build.

The index is one JSON file in the build's cache folder (safe to delete), written atomically, and
holds for one raw folder and one version of the checks: the code of etl/raw and of the YAML reading,
the versions of the libraries the checks use and of Python, and the site's template fingerprint
(which pages are articles). Any change of them is a new, empty index.

Like git's, it trusts the stat: bytes changed with the size, mtime, ctime and inode of the file all
as they were go unseen (restoring the mtime alone does not: the ctime changes), and `--full` checks
every file again. A copy of the folder (new inodes and ctimes) is checked again once. A file written
less than RACY_NS before a build began is not recorded (the next build checks it again), so that a
change within the same tick of the file system's clock as its check is not missed."""

from __future__ import annotations

import functools
import hashlib
import json
import math
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from etl.digests import Stat, file_stat, replace_json
from etl.digests import racy as racy_stat

INDEX_FORMAT = 1
# Libraries whose behaviour the checks depend on (mojibake, HTML parsing, YAML reading).
CHECKING_LIBRARIES = ("ftfy", "selectolax", "PyYAML")


@dataclass(frozen=True)
class Checked:
    """An archived text that passed the checks: its stat and its record's, its id, the sha256 and
    size of its bytes, and its parsed record (None when it is not plain JSON and is read again)."""

    stats: tuple[Stat, Stat]
    id: str
    sha256: str
    size: int
    record: dict[str, Any] | None


def file_stats(path: Path, record_path: Path) -> tuple[Stat, Stat] | None:
    """The stats of an archived text and of its provenance record, or None when one is missing."""
    text, record = file_stat(path), file_stat(record_path)
    return None if text is None or record is None else (text, record)


def racy(stats: tuple[Stat, Stat], started_ns: int) -> bool:
    """Whether a text or its record was written too shortly before a build began for their stat to
    be trusted afterwards (written again within the same clock tick, its stat would not change)."""
    return any(racy_stat(stat, started_ns) for stat in stats)


@functools.cache
def code_version() -> str:
    """The sha256 of the checks' code (etl/raw, the YAML reading) and of the versions of the
    libraries and the Python they run with."""
    package = Path(__file__).parent
    digest = hashlib.sha256(f"{INDEX_FORMAT}\0{sys.version}\0{yaml.__with_libyaml__}".encode())
    for path in [*sorted(package.rglob("*.py")), package.parent / "reference.py"]:
        digest.update(path.relative_to(package.parent).as_posix().encode() + b"\0" + path.read_bytes())
    for name in CHECKING_LIBRARIES:
        digest.update(f"\0{name} {metadata.version(name)}".encode())
    return digest.hexdigest()


def checks_version(site: dict[str, Any] | None) -> str:
    """The version of the checks with a site's template fingerprint (None: pages are not checked)."""
    digest = hashlib.sha256(code_version().encode() + b"\0")
    digest.update(json.dumps(site, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def plain(value: Any) -> bool:
    """Whether a value reads back from JSON as it is (strings, finite numbers, booleans, None, and
    lists and string-keyed mappings of them)."""
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(plain(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and plain(item) for key, item in value.items())
    return False


def entry(checked: Checked) -> dict[str, Any]:
    """The index's JSON entry of a checked text."""
    return {
        "stats": [list(stat) for stat in checked.stats],
        "id": checked.id,
        "sha256": checked.sha256,
        "size": checked.size,
        "record": checked.record,
    }


def as_stat(value: Any) -> Stat:
    """A stat from its JSON list (ValueError or TypeError when it is not four integers)."""
    size, mtime, ctime, inode = (int(n) for n in value)
    return size, mtime, ctime, inode


def from_entry(value: Any) -> Checked | None:
    """A checked text from its JSON entry, or None when the entry is not one."""
    try:
        text, record = (as_stat(stat) for stat in value["stats"])
        found = value["record"]
        if not (found is None or isinstance(found, dict)):
            return None
        return Checked((text, record), str(value["id"]), str(value["sha256"]), int(value["size"]), found)
    except (TypeError, ValueError, KeyError):
        return None


def read_index(path: Path, version: str, folder: Path) -> dict[str, Checked]:
    """The texts the index records as checked, by file name: none when it is missing, unreadable,
    or of another version of the checks or another raw folder."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if (
        not isinstance(data, dict)
        or data.get("version") != version
        or data.get("folder") != folder_key(folder)
    ):
        return {}
    files = data.get("files")
    found = {name: from_entry(value) for name, value in files.items()} if isinstance(files, dict) else {}
    return {name: checked for name, checked in found.items() if checked is not None}


def write_index(path: Path, version: str, folder: Path, checked: dict[str, Checked]) -> None:
    """Record the texts that passed the checks, atomically (a partial index is never read)."""
    data = {
        "version": version,
        "folder": folder_key(folder),
        "files": {name: entry(c) for name, c in checked.items()},
    }
    replace_json(path, data)


def folder_key(folder: Path) -> str:
    """How the index names the raw folder it is of (its absolute path)."""
    return str(folder.resolve())
