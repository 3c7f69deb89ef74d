"""The inputs' digest (etl/digests.py): each file's sha256 recorded by its stat, so that a file
whose stat is as recorded is not read again, and any change that git's index would see is seen."""

from __future__ import annotations

import builtins
import os
import time
from pathlib import Path
from typing import Any

import pytest

import etl.digests
from etl.build import inputs_digest
from etl.digests import RACY_NS, FileDigests, folders_digest, input_files

LONG_AGO_NS = 1_600_000_000 * 10**9


def written(path: Path, data: bytes, past: bool = True) -> Path:
    """Write a file, its mtime set well before now (not racy) unless past is False."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if past:
        os.utime(path, ns=(LONG_AGO_NS, LONG_AGO_NS))
    return path


def digest(folder: Path, index: Path, full: bool = False, later: bool = True) -> tuple[str, FileDigests]:
    """The folder's digest with the index; later: as if hashed well after the files were written
    (a build seconds after the files: not racy)."""
    digests = FileDigests.load(index, full)
    if later:
        digests.started_ns = time.time_ns() + 10 * RACY_NS
    found = folders_digest([(folder, None)], "https://example.org", digests)
    digests.save()
    return found, digests


def plain_digest(folder: Path) -> str:
    """The same digest, every file read (no index)."""
    return folders_digest([(folder, None)], "https://example.org", FileDigests(None))


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    written(raw / "001_a.txt", b"An article.\n")
    written(raw / "001_a.yml", b"id: a\n")
    written(raw / "sub" / "002_b.html", b"<p>Another.</p>\n")
    return raw


def refuse_reads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Make hashing a file's bytes fail the test; the files it was asked for are listed."""
    asked: list[Any] = []

    def refused(handle: Any, name: str) -> Any:
        asked.append(handle.name)
        raise AssertionError(f"{handle.name} was read again")

    monkeypatch.setattr(etl.digests.hashlib, "file_digest", refused)
    return asked


def test_a_file_whose_stat_is_recorded_is_not_read_again(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "cache" / "digests.json"
    first, _ = digest(folder, index)
    assert first == plain_digest(folder)
    assert index.exists()
    recorded = index.stat().st_mtime_ns
    refuse_reads(monkeypatch)
    second, digests = digest(folder, index)
    assert second == first
    assert not digests.changed
    assert index.stat().st_mtime_ns == recorded  # nothing new: the index is not written again


def test_a_change_of_bytes_is_seen_even_with_the_same_size_and_mtime(folder: Path, tmp_path: Path) -> None:
    """Bytes changed in place with the size and mtime restored: the ctime changed, so the file
    is read again."""
    index = tmp_path / "digests.json"
    first, _ = digest(folder, index)
    time.sleep(0.05)  # a later tick of the clock than the file's first writing
    written(folder / "001_a.txt", b"An articlE.\n")  # same size, mtime put back
    second, _ = digest(folder, index)
    assert second != first
    assert second == plain_digest(folder)


def test_added_removed_and_renamed_files_change_the_digest(folder: Path, tmp_path: Path) -> None:
    index = tmp_path / "digests.json"
    seen = {digest(folder, index)[0]}
    written(folder / "003_c.txt", b"A third.\n")
    seen.add(digest(folder, index)[0])
    (folder / "003_c.txt").rename(folder / "004_c.txt")
    seen.add(digest(folder, index)[0])
    (folder / "004_c.txt").unlink()
    again, digests = digest(folder, index)
    assert len(seen) == 3
    assert again in seen  # back to the first folder's files: its digest
    assert set(digests.found) == {p for _, p, _ in input_files(folder.resolve())}


def test_a_file_written_just_before_is_hashed_but_not_recorded(folder: Path, tmp_path: Path) -> None:
    index = tmp_path / "digests.json"
    fresh = written(folder / "005_now.txt", b"Just archived.\n", past=False)
    _, digests = digest(folder, index, later=False)
    assert str(fresh.resolve()) not in digests.found
    assert str((folder / "001_a.txt").resolve()) in digests.found
    _, digests = digest(folder, index)  # hashed again seconds later: recorded
    assert str(fresh.resolve()) in digests.found


def test_full_and_a_broken_index_read_every_file(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "digests.json"
    first, _ = digest(folder, index)
    index.write_text('{"format": 1, "files": {"x": [1, 2]}}')
    assert digest(folder, index)[0] == first
    asked = refuse_reads(monkeypatch)
    with pytest.raises(AssertionError):
        digest(folder, index, full=True)
    assert asked


def test_hidden_files_and_pycache_are_not_inputs(folder: Path, tmp_path: Path) -> None:
    before = plain_digest(folder)
    written(folder / ".DS_Store", b"x")
    written(folder / "__pycache__" / "x.pyc", b"x")
    assert plain_digest(folder) == before
    assert [name for name, _, _ in input_files(folder)] == ["001_a.txt", "001_a.yml", "sub/002_b.html"]


def test_the_build_digest_covers_code_reference_and_raw(folder: Path, tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    written(reference / "persons.yml", b"[]\n")
    index = tmp_path / "digests.json"
    first = inputs_digest(folder, reference, "https://example.org", index)
    assert inputs_digest(folder, reference, "https://example.org", index) == first
    assert inputs_digest(folder, reference, "https://example.org/other", index) != first
    written(reference / "persons.yml", b"[{}]\n")
    assert inputs_digest(folder, reference, "https://example.org", index) != first


def test_an_unreadable_file_gives_its_reason_not_a_crash(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that cannot be read (gone, its permissions) is not recorded, and the digest differs
    from the readable folder's: the build goes on to read raw/, which rejects that file alone."""
    index = tmp_path / "digests.json"
    readable, _ = digest(folder, index, later=True)
    index.unlink()

    def refusing(name: str, *args: Any, **kwargs: Any) -> Any:
        if Path(name).name == "001_a.txt":
            raise PermissionError(13, "Permission denied")
        return builtins.open(name, *args, **kwargs)

    monkeypatch.setattr(etl.digests, "open", refusing, raising=False)  # (the module's open)
    unreadable, digests = digest(folder, index)
    assert unreadable != readable
    assert str((folder / "001_a.txt").resolve()) not in digests.found
    assert str((folder / "001_a.yml").resolve()) in digests.found
    monkeypatch.undo()
    assert digest(folder, index)[0] == readable
