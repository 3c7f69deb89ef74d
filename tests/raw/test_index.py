"""The index of raw/: a file unchanged since it passed the checks is not read again, any other is,
and what a build reads is what it would read without the index."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import etl.raw.index
import etl.raw.sources
from benchmarks.corpus import generate, touch
from etl.raw import RawInputs, SourceError, read_raw, read_source
from etl.raw.index import checks_version, plain
from etl.reference import load_reference

SITE = load_reference().site


def backdate(folder: Path, seconds: float = 60) -> None:
    """Set the mtime of every file of a folder a minute back, as files written before the build."""
    moment = time.time() - seconds
    for path in folder.iterdir():
        os.utime(path, (moment, moment))


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    folder = tmp_path / "raw"
    generate(12, folder)
    backdate(folder)
    return folder


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], list[str]]:
    """The names of the files of a folder read (their bytes or their text) since the fixture began."""
    found: list[Path] = []
    read_bytes, read_text = Path.read_bytes, Path.read_text

    def counted_bytes(self: Path) -> bytes:
        found.append(self)
        return read_bytes(self)

    def counted_text(self: Path, *args: Any, **kwargs: Any) -> str:
        found.append(self)
        return read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", counted_bytes)
    monkeypatch.setattr(Path, "read_text", counted_text)

    def under(folder: Path) -> list[str]:
        names = sorted(p.name for p in found if p.parent == folder)
        found.clear()
        return names

    return under


def described(raw: RawInputs) -> list[Any]:
    """Everything read_raw gives, as comparable values."""
    return [
        raw.found,
        [(s.id, s.file, s.sha256, s.size, s.record, s.path, s.text) for s in raw.sources],
        [str(e) for e in raw.rejected],
        [(o.source.file, o.newer.file, o.reason) for o in raw.superseded],
    ]


def test_a_second_read_reads_no_unchanged_file_and_gives_the_same_sources(
    raw: Path, tmp_path: Path, reads: Callable[[Path], list[str]]
) -> None:
    index = tmp_path / "cache" / "raw.json"
    first = read_raw(raw, SITE, index)
    assert len(reads(raw)) == 24 and index.is_file()
    again = read_raw(raw, SITE, index)
    assert reads(raw) == []
    assert described(again) == described(first) == described(read_raw(raw, SITE))


def test_a_touched_file_is_checked_again_and_the_others_not(
    raw: Path, tmp_path: Path, reads: Callable[[Path], list[str]]
) -> None:
    index = tmp_path / "raw.json"
    read_raw(raw, SITE, index)
    changed = sorted(raw.glob("*.txt"))[2]
    touch(changed)
    reads(raw)
    again = read_raw(raw, SITE, index)
    assert reads(raw) == [changed.name, changed.with_suffix(".yml").name]
    source = next(s for s in again.sources if s.file == changed.name)
    assert source.size == changed.stat().st_size and source.text.encode() == changed.read_bytes()


@pytest.mark.parametrize(
    "alter",
    [
        lambda path: path.write_bytes(path.read_bytes()[:-40]),  # truncated
        lambda path: path.write_bytes(path.read_bytes().replace(b"e", b"\xe9", 1)),  # not UTF-8
        lambda path: path.write_bytes(path.read_bytes().replace(b"e", b"a", 1)),  # same size, altered
        lambda path: path.with_suffix(".yml").write_text("id: [unclosed\n", encoding="utf-8"),
    ],
)
def test_a_file_altered_into_an_invalid_one_is_rejected_as_without_the_index(
    raw: Path, tmp_path: Path, alter: Callable[[Path], Any]
) -> None:
    index = tmp_path / "raw.json"
    read_raw(raw, SITE, index)
    changed = sorted(raw.glob("*.txt"))[1]
    alter(changed)
    found = read_raw(raw, SITE, index)
    with pytest.raises(SourceError) as caught:
        read_source(changed)
    assert [str(e) for e in found.rejected] == [str(caught.value)]
    assert changed.name not in [s.file for s in found.sources]
    assert described(read_raw(raw, SITE, index)) == described(found) == described(read_raw(raw, SITE))


def test_bytes_altered_with_their_mtime_put_back_are_seen_by_the_ctime(raw: Path, tmp_path: Path) -> None:
    index = tmp_path / "raw.json"
    read_raw(raw, SITE, index)
    changed = sorted(raw.glob("*.txt"))[0]
    before = changed.stat()
    changed.write_bytes(changed.read_bytes().replace(b"e", b"a", 1))
    os.utime(changed, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (changed.stat().st_size, changed.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    found = read_raw(raw, SITE, index)
    with pytest.raises(SourceError, match="differs from its provenance record") as caught:
        read_source(changed)
    assert [str(e) for e in found.rejected] == [str(caught.value)]


def test_a_rejected_file_is_checked_again_at_every_read(
    raw: Path, tmp_path: Path, reads: Callable[[Path], list[str]]
) -> None:
    index = tmp_path / "raw.json"
    bad = sorted(raw.glob("*.txt"))[3]
    bad.write_bytes(b"\x00binary")
    backdate(raw)
    first = read_raw(raw, SITE, index)
    reads(raw)
    again = read_raw(raw, SITE, index)
    assert bad.name in reads(raw) and [str(e) for e in again.rejected] == [str(e) for e in first.rejected]
    assert bad.name not in json.loads(index.read_text(encoding="utf-8"))["files"]


def test_full_checks_every_file_again(raw: Path, tmp_path: Path, reads: Callable[[Path], list[str]]) -> None:
    index = tmp_path / "raw.json"
    first = read_raw(raw, SITE, index)
    reads(raw)
    again = read_raw(raw, SITE, index, full=True)
    assert len(reads(raw)) == 24 and described(again) == described(first)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda index: index.unlink(),
        lambda index: index.write_text("{not json", encoding="utf-8"),
        lambda index: index.write_text(
            json.dumps({**json.loads(index.read_text(encoding="utf-8")), "version": "another"}),
            encoding="utf-8",
        ),
        lambda index: index.write_text(
            json.dumps({**json.loads(index.read_text(encoding="utf-8")), "files": {"x": {"stats": 1}}}),
            encoding="utf-8",
        ),
    ],
)
def test_a_missing_spoilt_or_other_index_is_read_as_empty(
    raw: Path, tmp_path: Path, reads: Callable[[Path], list[str]], spoil: Callable[[Path], Any]
) -> None:
    index = tmp_path / "raw.json"
    first = read_raw(raw, SITE, index)
    spoil(index)
    reads(raw)
    again = read_raw(raw, SITE, index)
    assert len(reads(raw)) == 24 and described(again) == described(first)


def test_the_index_holds_for_one_raw_folder_and_one_version_of_the_checks(raw: Path, tmp_path: Path) -> None:
    index = tmp_path / "raw.json"
    read_raw(raw, SITE, index)
    version = checks_version(SITE)
    assert len(etl.raw.index.read_index(index, version, raw)) == 12
    assert etl.raw.index.read_index(index, checks_version(None), raw) == {}
    other = {**SITE, "article": {**SITE["article"], "min_words": 1}}
    assert etl.raw.index.read_index(index, checks_version(other), raw) == {}
    moved = raw.rename(tmp_path / "moved")
    assert etl.raw.index.read_index(index, version, moved) == {}
    assert len(read_raw(moved, SITE, index).sources) == 12
    assert len(etl.raw.index.read_index(index, version, moved)) == 12


def test_a_file_written_just_before_a_read_is_checked_again_at_the_next(
    raw: Path, tmp_path: Path, reads: Callable[[Path], list[str]]
) -> None:
    index = tmp_path / "raw.json"
    fresh = sorted(raw.glob("*.txt"))[4]
    touch(fresh)  # now: within the racy window of the read that follows
    read_raw(raw, SITE, index)
    reads(raw)
    read_raw(raw, SITE, index)
    assert reads(raw) == [fresh.name, fresh.with_suffix(".yml").name]


def test_a_record_json_cannot_hold_is_read_again(raw: Path, tmp_path: Path) -> None:
    path = sorted(raw.glob("*.txt"))[5]
    record_path = path.with_suffix(".yml")
    record = yaml.safe_load(record_path.read_text(encoding="utf-8"))
    record["checked"] = [dt.date(2026, 1, 2)]  # a date inside a list stays a date
    record_path.write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    backdate(raw)
    index = tmp_path / "raw.json"
    first = read_raw(raw, SITE, index)
    entry = json.loads(index.read_text(encoding="utf-8"))["files"][path.name]
    assert entry["record"] is None
    assert described(read_raw(raw, SITE, index)) == described(first)
    assert not plain(next(s.record for s in first.sources if s.file == path.name))


def test_plain_values_are_those_json_gives_back() -> None:
    for value in ({"a": [1, 2.5, True, None, "x"]}, [], {"n": {"m": -3}}):
        assert plain(value) and json.loads(json.dumps(value)) == value
    for value in ({1: "a"}, {"a": dt.date(2026, 1, 1)}, {"a": float("nan")}, {"a": (1, 2)}, {"a": {1, 2}}):
        assert not plain(value)


def test_files_checked_in_a_pool_of_processes_are_read_as_in_one(
    raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(etl.raw.sources, "CHECK_POOL_MINIMUM", 2)
    monkeypatch.setattr(etl.raw.sources, "CHECK_CHUNK", 3)
    texts = sorted(raw.glob("*.txt"))
    texts[3].write_bytes(b"\x00binary")
    texts[7].with_suffix(".yml").write_text("id: [unclosed\n", encoding="utf-8")
    backdate(raw)
    index = tmp_path / "raw.json"
    alone = read_raw(raw, SITE)
    pooled = read_raw(raw, SITE, index, jobs=2)
    assert len(pooled.rejected) == 2 and len(pooled.sources) == 10
    assert described(pooled) == described(alone)
    touch(texts[5])
    assert described(read_raw(raw, SITE, index, jobs=2)) == described(read_raw(raw, SITE))
