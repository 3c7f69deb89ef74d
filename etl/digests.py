"""The digest of everything a release is built from (the code, the schemas, the reference tables,
every file of raw/, the base address), each file's sha256 kept between builds by its stat.

A build hashes its inputs before anything else, to know whether the published release is already
theirs. Reading every file of a large raw/ folder again for that (at 100,000 articles, 200,000
files: seconds warm, a minute when the file system's cache has let them go) would cost a build
that changes nothing more than the rest of it. So, as git's index does for a work tree, each
file's sha256 is recorded with its stat (size, mtime, ctime, inode, see etl/raw/index.py) in one
JSON file under the build's cache folder (safe to delete), and a file whose stat is the one
recorded is not read again. A file written less than RACY_NS before the hashing began is hashed
but not recorded (a change within the same tick of the clock would leave its stat as it was).
Like git's, it trusts the stat; `diplodata build --full` hashes every file again.

Beside them, `same_bytes`: whether a file made again has a published file's bytes, which each stage
that takes a published file again (the diff, the data files, validation, the database) asks."""

from __future__ import annotations

import filecmp
import hashlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DIGESTS_FORMAT = 1
# A file written so recently before it was hashed or checked is not recorded (clock ticks, coarse
# clocks): changed again within the same tick, its stat would be the same.
RACY_NS = 2_000_000_000
# Which files of a folder are inputs: every file (None), or those whose names end so.
CODE_SUFFIXES = (".py", ".yml", ".html", ".css")

Stat = tuple[int, int, int, int]


def file_stat(path: Path | str) -> Stat | None:
    """A file's size, mtime and ctime (in nanoseconds) and inode, or None when there is none."""
    try:
        return stat_of(os.stat(path))
    except OSError:
        return None


def stat_of(found: os.stat_result) -> Stat:
    """What file_stat keeps of a stat."""
    return found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino


def racy(stat: Stat, started_ns: int) -> bool:
    """Whether a file was written too shortly before started_ns for its stat to be trusted
    afterwards (as git's index: by its mtime): written again within the same clock tick, its stat
    would not differ."""
    return stat[1] >= started_ns - RACY_NS


@dataclass
class FileDigests:
    """The sha256 of files' bytes, looked up by their stat in what was recorded (by absolute path)
    and worked out for the others; what changed is written back by save()."""

    path: Path | None
    recorded: dict[str, tuple[Stat, str]] = field(default_factory=dict)
    found: dict[str, tuple[Stat, str]] = field(default_factory=dict)
    started_ns: int = field(default_factory=time.time_ns)
    changed: bool = False

    @classmethod
    def load(cls, path: Path | None, full: bool = False) -> FileDigests:
        """The digests recorded at path (none when it is None, missing, unreadable, of another
        format, or when full)."""
        digests = cls(path)
        if path is None or full:
            return digests
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") == DIGESTS_FORMAT:
                for name, (size, mtime, ctime, inode, sha256) in data["files"].items():
                    digests.recorded[name] = ((int(size), int(mtime), int(ctime), int(inode)), str(sha256))
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            digests.recorded.clear()
        return digests

    def sha256(self, name: str, taken: Stat | None) -> str:
        """The sha256 of a file's bytes (its path, and its stat just taken): the recorded one when
        that stat is the one recorded. A file that cannot be read gives the reason instead (not
        recorded): the inputs' digest then differs from any release's, and reading raw/ rejects
        the file with that reason, the others built."""
        known = self.recorded.get(name)
        if taken is not None and known is not None and known[0] == taken:
            self.found[name] = known
            return known[1]
        self.changed = True
        try:
            with open(name, "rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError as exc:  # the build reads it after, and says what is wrong with it
            return f"unreadable: {exc.strerror or exc}"
        after = file_stat(name)
        if taken is not None and after == taken and not racy(taken, self.started_ns):
            self.found[name] = (taken, digest)
        return digest

    def save(self) -> None:
        """Record the digests of the files hashed this time, atomically, when any was worked out
        again or one recorded is gone."""
        if self.path is None or not (self.changed or self.found.keys() != self.recorded.keys()):
            return
        data = {
            "format": DIGESTS_FORMAT,
            "files": {name: [*stat, sha256] for name, (stat, sha256) in self.found.items()},
        }
        replace_json(self.path, data)


def same_bytes(path: Path, other: Path) -> bool:
    """Whether two files have the same bytes (False when one cannot be read)."""
    try:
        return path.stat().st_size == other.stat().st_size and filecmp.cmp(path, other, shallow=False)
    except OSError:
        return False


def replace_json(path: Path, data: Any) -> None:
    """Write a cache's JSON file whole or not at all (a temporary file beside it, renamed over it:
    two builds writing at once each leave a whole file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:  # dumps: json's C encoder (dump is Python)
            out.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def input_files(folder: Path, suffixes: tuple[str, ...] | None = None) -> list[tuple[str, str, Stat]]:
    """The files under a folder (those whose names end with one of suffixes, when given) by their
    path relative to it, in order, each with its path and its stat (see file_stat): hidden files
    and __pycache__ folders left out. Paths are strings, each file stat'ed once (at 100,000
    articles, 200,000 files: pathlib's objects took most of the time)."""
    found = []
    top = os.fspath(folder)
    for directory, folders, names in os.walk(top):
        folders[:] = [name for name in folders if name != "__pycache__"]
        inside = os.path.relpath(directory, top).replace(os.sep, "/")
        prefix = "" if inside == "." else inside + "/"
        for name in names:
            if name.startswith(".") or (suffixes is not None and not name.endswith(suffixes)):
                continue
            path = os.path.join(directory, name)
            try:
                found_stat = os.stat(path)
            except OSError:  # (gone, or a link to nothing: not a file)
                continue
            if stat.S_ISREG(found_stat.st_mode):
                found.append((prefix + name, path, stat_of(found_stat)))
    return sorted(found, key=lambda item: item[0].split("/"))


def folders_digest(
    folders: Sequence[tuple[Path, tuple[str, ...] | None]], base_url: str, digests: FileDigests
) -> str:
    """The sha256 of a build's inputs: the base address, then for each folder (with the suffixes
    of its files that count, None for all) each file's relative path and sha256, in order."""
    digest = hashlib.sha256(f"inputs {DIGESTS_FORMAT}\0{base_url}\0".encode())
    for number, (folder, suffixes) in enumerate(folders):
        digest.update(f"folder {number}\0".encode())
        for relative, path, found in input_files(folder.resolve(), suffixes):
            digest.update(f"{relative}\0{digests.sha256(path, found)}\n".encode())
    return digest.hexdigest()
