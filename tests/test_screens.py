"""What each source was screened into, kept between builds: a rebuild screens only the changed
sources and gets what screening every source again gives; a pack deleted, unreadable or of other
code is screened again; an interrupted build keeps the entries; dropped entries are compacted; and
a build from the kept entries publishes the bytes of a full build."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import etl.screens
from benchmarks.corpus import generate, touch
from etl.build import build
from etl.engine import Engine, extract_all
from etl.extract import extract_source
from etl.layout import DATAPACKAGES, REFERENCE_DIR, STAGING
from etl.package import Screened, screen
from etl.raw import Source, read_raw
from etl.reference import load_reference
from etl.screens import INDEX, PACK, screen_sources
from etl.specs import load_packages
from tests.package.test_packages import files_under

SOURCES = 12


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    generate(SOURCES, folder)
    return folder


@pytest.fixture
def raw(corpus: Path, tmp_path: Path) -> Path:
    shutil.copytree(corpus, tmp_path / "raw")
    return tmp_path / "raw"


@pytest.fixture
def screened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the sources screened (not read from the kept entries), in order."""
    seen: list[str] = []
    original = etl.screens.verdict

    def counting(extraction: dict[str, Any], packages: Any) -> Any:
        seen.append(extraction["source"]["id"])
        return original(extraction, packages)

    monkeypatch.setattr(etl.screens, "verdict", counting)
    return seen


def sources(folder: Path) -> list[Source]:
    return read_raw(folder, load_reference().site).sources


def screened_with(found: list[Source], engine: Engine) -> Screened:
    return screen_sources(found, REFERENCE_DIR, engine, load_packages(), lambda e: e, [])


def plain(found: list[Source]) -> Screened:
    """What screening every source in this process gives, without any cache."""
    return screen_sources(found, REFERENCE_DIR, Engine(jobs=1), load_packages(), lambda e: e, [])


def test_a_rebuild_screens_only_the_changed_source_and_gets_the_same(
    raw: Path, tmp_path: Path, screened: list[str]
) -> None:
    engine = Engine(jobs=1, cache=tmp_path / "cache" / "extract")
    first = screened_with(sources(raw), engine)
    assert len(screened) == SOURCES and (tmp_path / "cache" / PACK).stat().st_size > 0
    screened.clear()
    again = screened_with(sources(raw), engine)
    assert screened == [] and again == first
    changed = sorted(raw.glob("*.txt"))[3]
    touch(changed)
    screened.clear()
    after = screened_with(sources(raw), engine)
    assert screened == [changed.stem]
    screened.clear()
    assert after == plain(sources(raw)) and after != first
    screened.clear()
    screened_with(sources(raw), Engine(jobs=1, cache=engine.cache, full=True))
    assert len(screened) == SOURCES


def test_what_is_held_shares_its_short_strings_read_fresh_or_from_the_kept_entries(
    raw: Path, tmp_path: Path
) -> None:
    engine = Engine(jobs=1, cache=tmp_path / "cache" / "extract")
    for _ in range(2):  # extracted, then read from the kept entries
        held = screened_with(sources(raw), engine).extractions
        languages = [e["article"]["language"] for e in held if e.get("article")]
        first = {}
        for language in languages:  # one object per value, across all the sources
            assert first.setdefault(language, language) is language
        assert len(languages) > len(first)


def marred(source: Source, reference: Any) -> dict[str, Any]:
    """The project's extractor, but for the first source of the corpus, whose date is no date."""
    facts = extract_source(source, reference)
    if source.id.startswith("000000_"):
        facts["article"]["published"] = "someday"
    return facts


def test_what_screening_gives_is_what_screen_gives(raw: Path, tmp_path: Path) -> None:
    found = sources(raw)
    expected = screen(extract_all(found, REFERENCE_DIR, Engine(jobs=1), marred), load_packages())
    assert list(expected.quarantined) == [found[0].id]  # kept with its reason
    engine = Engine(jobs=1, cache=tmp_path / "cache" / "extract")
    for _ in range(2):  # screened, then read from the kept entries
        again = screen_sources(found, REFERENCE_DIR, engine, load_packages(), lambda e: e, [], marred)
        assert again == expected


@pytest.mark.parametrize("damage", ["deleted", "garbled index", "garbled pack", "other code"])
def test_a_pack_that_cannot_be_used_is_screened_again(
    raw: Path, tmp_path: Path, screened: list[str], monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    engine = Engine(jobs=1, cache=tmp_path / "cache" / "extract")
    first = screened_with(sources(raw), engine)
    folder = tmp_path / "cache"
    if damage == "deleted":
        (folder / PACK).unlink()
        (folder / INDEX).unlink()
    elif damage == "garbled index":
        (folder / INDEX).write_bytes(b"\x00not an index")
    elif damage == "garbled pack":
        (folder / PACK).write_bytes(b"\x00" * (folder / PACK).stat().st_size)
    else:
        monkeypatch.setattr(etl.screens, "package_code", lambda: "another version of the code")
    screened.clear()
    assert screened_with(sources(raw), engine) == first
    assert len(screened) == SOURCES
    screened.clear()
    assert screened_with(sources(raw), engine) == first and screened == []


def test_an_interrupted_build_keeps_the_entries(raw: Path, tmp_path: Path, screened: list[str]) -> None:
    engine = Engine(jobs=1, cache=tmp_path / "cache" / "extract")
    screened_with(sources(raw), engine)
    taken: list[str] = []

    def stopping(extraction: dict[str, Any]) -> dict[str, Any]:
        taken.append(extraction["source"]["id"])
        if len(taken) == 2:
            raise KeyboardInterrupt
        return extraction

    with pytest.raises(KeyboardInterrupt):
        screen_sources(sources(raw), REFERENCE_DIR, engine, load_packages(), stopping, [])
    screened.clear()
    screened_with(sources(raw), engine)
    assert screened == []


def test_entries_no_longer_used_are_dropped_and_the_pack_compacted(raw: Path, tmp_path: Path) -> None:
    engine = Engine(jobs=1, cache=tmp_path / "cache" / "extract")
    found = sources(raw)
    screened_with(found, engine)
    whole = (tmp_path / "cache" / PACK).stat().st_size
    screened_with(found[:2], engine)
    assert (tmp_path / "cache" / PACK).stat().st_size < whole / 2
    assert screened_with(found[:2], engine) == plain(found[:2])


def test_a_rebuild_from_the_kept_entries_publishes_the_bytes_of_a_full_build(
    raw: Path, tmp_path: Path
) -> None:
    root, other = tmp_path / "incremental", tmp_path / "full"
    build(root=root, raw_dir=raw, jobs=1)
    build(root=other, raw_dir=raw, jobs=1, full=True)
    touch(sorted(raw.glob("*.txt"))[5])
    build(root=root, raw_dir=raw, jobs=1)
    assert (root / STAGING / "cache" / PACK).is_file()
    build(root=other, raw_dir=raw, jobs=1, full=True)
    assert files_under(root / DATAPACKAGES) == files_under(other / DATAPACKAGES)
