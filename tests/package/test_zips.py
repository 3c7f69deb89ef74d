"""A package's zip reuses the entries of the files it shares, byte for byte, with the zip of the
release before (made by the same code): the same bytes as a zip written afresh."""

from __future__ import annotations

import random
import shutil
import zipfile
from pathlib import Path

import pytest

import etl.package.render
from etl.package.render import write_zip

FILES = ["data/a.csv", "data/a.json", "data/b.parquet", "datapackage.json"]


def package(folder: Path, seed: int = 0) -> Path:
    """A folder of a package's files, some large enough for several chunks."""
    draw = random.Random(seed)
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "a.csv").write_text(
        "id,v\n" + "".join(f"{i},{draw.random()}\n" for i in range(60_000)), encoding="utf-8"
    )
    (folder / "data" / "a.json").write_text('[{"id": 1}]\n', encoding="utf-8")
    (folder / "data" / "b.parquet").write_bytes(draw.randbytes(3 << 20))  # (incompressible)
    (folder / "datapackage.json").write_text('{"version": "1.0.0"}\n', encoding="utf-8")
    return folder


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the entries copied from a previous zip."""
    copied: list[str] = []
    original = etl.package.render.copy_entry

    def noting(source: zipfile.ZipFile, target: zipfile.ZipFile, name: str) -> bool:
        done = original(source, target, name)
        if done:
            copied.append(name)
        return done

    monkeypatch.setattr(etl.package.render, "copy_entry", noting)
    return copied


def test_a_zip_copies_the_entries_of_unchanged_files_and_has_a_fresh_zips_bytes(
    tmp_path: Path, copies: list[str]
) -> None:
    before = package(tmp_path / "before")
    write_zip(tmp_path / "before.zip", before, FILES)
    now = tmp_path / "now"
    shutil.copytree(before, now)
    (now / "datapackage.json").write_text('{"version": "1.0.1"}\n', encoding="utf-8")
    data = bytearray((now / "data" / "a.csv").read_bytes())
    data[-3] = ord("0") if data[-3] != ord("0") else ord("1")  # the same size, another byte
    (now / "data" / "a.csv").write_bytes(bytes(data))
    write_zip(tmp_path / "reused.zip", now, FILES, (tmp_path / "before.zip", before))
    assert sorted(copies) == ["data/a.json", "data/b.parquet"]
    write_zip(tmp_path / "fresh.zip", now, FILES)
    assert (tmp_path / "reused.zip").read_bytes() == (tmp_path / "fresh.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "reused.zip") as archive:
        assert archive.testzip() is None
        assert archive.read("data/b.parquet") == (now / "data" / "b.parquet").read_bytes()


def test_a_zip_without_a_sound_previous_one_is_written_afresh(tmp_path: Path, copies: list[str]) -> None:
    before = package(tmp_path / "before")
    write_zip(tmp_path / "fresh.zip", before, FILES)
    (tmp_path / "broken.zip").write_bytes(b"PK not a zip")
    for previous in (tmp_path / "missing.zip", tmp_path / "broken.zip"):
        write_zip(tmp_path / "again.zip", before, FILES, (previous, before))
        assert (tmp_path / "again.zip").read_bytes() == (tmp_path / "fresh.zip").read_bytes()
    assert copies == []
