"""How extraction runs: in this process, in a pool of processes or on a Dask LocalCluster, the same
facts byte for byte; the cache extracts again only what changed."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

import etl.apart
import etl.build
import etl.engine
import etl.package.render
import etl.package.workbook
import etl.raw.sources
import etl.site.database
import etl.specs
from benchmarks.corpus import generate, touch
from etl.build import build
from etl.engine import Engine, extract_all
from etl.layout import DATABASE, DATAPACKAGES, DOWNLOADS, RAW_DIR, REFERENCE_DIR, STAGING
from etl.raw import RawInputs, Source, SourceError, read_raw
from etl.reference import load_reference
from tests.package.test_packages import files_under
from tests.test_apart import fresh


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    generate(40, folder)
    return folder


def sources(folder: Path) -> list:  # type: ignore[type-arg]
    return read_raw(folder, load_reference().site).sources


def as_json(facts: list[dict]) -> str:  # type: ignore[type-arg]
    return json.dumps(facts, sort_keys=True)


def test_a_pool_and_a_dask_cluster_extract_what_one_process_does(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = sources(corpus)
    alone = extract_all(found, REFERENCE_DIR, Engine(jobs=1))
    monkeypatch.setattr(etl.engine, "POOL_MINIMUM", 1)
    pooled = extract_all(found, REFERENCE_DIR, Engine(jobs=2))
    distributed = extract_all(found, REFERENCE_DIR, Engine(jobs=2, executor="dask"))
    assert as_json(pooled) == as_json(alone) == as_json(distributed)
    assert len(alone) == 40


def test_the_cache_extracts_again_only_the_changed_source(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(corpus, raw)
    engine = Engine(jobs=1, cache=tmp_path / "cache")
    first = extract_all(sources(raw), REFERENCE_DIR, engine)
    ran: list[int] = []
    original = etl.engine.run_local

    def counting(todo, *args, **kwargs):  # type: ignore[no-untyped-def]
        ran.append(len(todo))
        return original(todo, *args, **kwargs)

    monkeypatch.setattr(etl.engine, "run_local", counting)
    again = extract_all(sources(raw), REFERENCE_DIR, engine)
    assert as_json(again) == as_json(first) and ran == [0]
    touch(sorted(raw.glob("*.txt"))[3])
    extract_all(sources(raw), REFERENCE_DIR, engine)
    assert ran == [0, 1]
    extract_all(sources(raw), REFERENCE_DIR, Engine(jobs=1, cache=tmp_path / "cache", full=True))
    assert ran == [0, 1, 40]


def test_a_build_on_a_dask_cluster_publishes_the_same_bytes(corpus: Path, tmp_path: Path) -> None:
    from distributed import LocalCluster

    local = tmp_path / "local"
    build(root=local, raw_dir=corpus, jobs=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster:
        dask = tmp_path / "dask"
        build(root=dask, raw_dir=corpus, executor="dask", scheduler=cluster.scheduler_address)
    assert files_under(dask / DATAPACKAGES) == files_under(local / DATAPACKAGES)


def test_short_strings_are_shared_between_extractions_and_values_kept() -> None:
    from etl.engine import SHARED_LENGTH, share_strings

    long = "x" * (SHARED_LENGTH + 1)
    first = json.loads(json.dumps({"source": "000001_ab", "rows": [{"lang": "fr", "body": long}], "n": 3}))
    second = json.loads(json.dumps({"source": "000001_ab", "rows": [{"lang": "fr", "body": long}], "n": 3}))
    assert first["source"] is not second["source"]
    memo: dict[str, str] = {}
    expected = json.loads(json.dumps(first))
    assert share_strings(first, memo) == expected and share_strings(second, memo) == expected
    assert first["source"] is second["source"] and first["rows"][0]["lang"] is second["rows"][0]["lang"]
    assert first["rows"][0]["body"] is not second["rows"][0]["body"]


def test_extractions_read_from_the_cache_share_their_strings(tmp_path: Path) -> None:
    sources = read_raw(RAW_DIR, load_reference().site).sources
    engine = Engine(jobs=1, cache=tmp_path / "cache")
    extract_all(sources, REFERENCE_DIR, engine)
    again = extract_all(sources + sources, REFERENCE_DIR, engine)
    assert again[0] == again[1] and again[0]["source"]["id"] is again[1]["source"]["id"]


def test_a_pool_holds_a_few_chunks_of_sources_at_once(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from collections import deque

    from etl.engine import run_local

    found = sources(corpus)
    monkeypatch.setattr(etl.engine, "POOL_MINIMUM", 1)
    monkeypatch.setattr(etl.engine, "CHUNK", 2)
    monkeypatch.setattr(etl.engine, "AHEAD", 2)
    queue = deque(found)
    results = run_local(queue, REFERENCE_DIR, etl.engine.extract_source, 2)
    first = next(results)
    # 2 workers × 2 chunks of 2 handed out, one more chunk once the first came back
    assert len(queue) == len(found) - 5 * 2
    rest = list(results)
    # the pool's workers send each extraction as the JSON the cache stores
    sent = [json.loads(r) if isinstance(r, str) else r for r in [first, *rest]]
    assert all(isinstance(r, str) for r in [first, *rest])
    assert not queue and sent == extract_all(found, REFERENCE_DIR, Engine(jobs=1))


def altered(path: Path) -> None:
    """Change a file's bytes behind the build's back (its size kept, its record not updated)."""
    path.write_bytes(path.read_bytes().replace(b"e", b"a", 1))


@pytest.mark.parametrize(
    "engine", [Engine(jobs=1), Engine(jobs=2), Engine(jobs=2, executor="dask")], ids=["alone", "pool", "dask"]
)
def test_a_text_changed_since_it_was_checked_fails_that_source_only(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(corpus, raw)
    found = sources(raw)[:12]
    expected = extract_all(found, REFERENCE_DIR, Engine(jobs=1))
    changed = found[7]
    assert changed.path is not None
    altered(changed.path)
    monkeypatch.setattr(etl.engine, "POOL_MINIMUM", 1)
    unreadable: list[SourceError] = []
    facts = extract_all(found, REFERENCE_DIR, engine, unreadable=unreadable)
    assert as_json(facts) == as_json(expected[:7] + expected[8:])
    (error,) = unreadable
    assert error.path == str(changed.path) and "\n" not in str(error)
    assert str(error).startswith(f"{changed.path}: changed since it was checked (sha256 ")
    with pytest.raises(SourceError, match="changed since it was checked"):
        extract_all(found, REFERENCE_DIR, engine)


def test_a_source_found_in_the_cache_is_not_read(corpus: Path, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(corpus, raw)
    found = sources(raw)[:6]
    engine = Engine(jobs=1, cache=tmp_path / "cache")
    first = extract_all(found, REFERENCE_DIR, engine)
    for path in raw.iterdir():
        path.unlink()
    assert as_json(extract_all(found, REFERENCE_DIR, engine)) == as_json(first)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A corpus of a dozen articles, written a minute before it is built."""
    folder = tmp_path / "raw"
    generate(12, folder)
    moment = time.time() - 60
    for path in folder.iterdir():
        os.utime(path, (moment, moment))
    return folder


class Checked:
    """The names of the files of raw/ read and checked (by read_source), noted in a file: the
    build reads raw/ in a child process (etl/apart.py)."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.clear()

    def names(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines()

    def clear(self) -> None:
        self.log.write_text("", encoding="utf-8")


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Checked:
    """The files of raw/ checked since the fixture began (or since it was cleared)."""
    noted = Checked(tmp_path / "checked.log")
    original = etl.raw.sources.read_source

    def counting(path: Path, **kwargs: Any) -> Source:
        with noted.log.open("a", encoding="utf-8") as log:
            log.write(path.name + "\n")
        return original(path, **kwargs)

    monkeypatch.setattr(etl.raw.sources, "read_source", counting)
    return noted


def test_a_rebuild_checks_only_the_changed_files_and_publishes_what_it_would_without_the_cache(
    small: Path, tmp_path: Path, checked: Checked
) -> None:
    root, other = tmp_path / "release", tmp_path / "other"
    build(root=root, raw_dir=small, jobs=1)
    assert len(checked.names()) == 12 and (root / STAGING / "cache" / "raw.json").is_file()
    build(root=other, raw_dir=small, jobs=1)
    changed = sorted(small.glob("*.txt"))[3]
    touch(changed)
    checked.clear()
    build(root=root, raw_dir=small, jobs=1)
    assert checked.names() == [changed.name]
    shutil.rmtree(other / STAGING / "cache")
    checked.clear()
    build(root=other, raw_dir=small, jobs=1)
    assert len(checked.names()) == 12
    assert files_under(root / DATAPACKAGES) == files_under(other / DATAPACKAGES)
    touch(sorted(small.glob("*.txt"))[5])
    checked.clear()
    build(root=root, raw_dir=small, jobs=1, full=True)
    assert len(checked.names()) == 12


def test_a_rebuild_copies_what_follows_from_the_csv_files_it_makes_again_and_publishes_a_full_builds_data(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, fresh_root = tmp_path / "release", tmp_path / "fresh"
    build(root=root, raw_dir=small, jobs=1)
    before = files_under(root / DATAPACKAGES)
    written: list[str] = []
    original = etl.package.render.write_parquet

    def noting(spec, rows, path):  # type: ignore[no-untyped-def]
        written.append("/".join(Path(path).parts[-3:]))  # package/data/name.parquet
        return original(spec, rows, path)

    monkeypatch.setattr(etl.package.render, "write_parquet", noting)
    loaded: set[str] = set()
    insert_rows = etl.site.database.insert_rows

    def loading(connection, table, spec, folder):  # type: ignore[no-untyped-def]
        loaded.add(spec.name)
        return insert_rows(connection, table, spec, folder)

    monkeypatch.setattr(etl.site.database, "insert_rows", loading)
    touch(sorted(small.glob("*.txt"))[3])
    build(root=root, raw_dir=small, jobs=1)
    after = files_under(root / DATAPACKAGES)
    changed = [n for n in after if n.endswith(".csv") and after[n] != before.get(n)]
    assert changed and sorted(written) == sorted(str(Path(n).with_suffix(".parquet")) for n in changed)
    # the database's tables loaded from the CSV files: those of a changed file, the others copied
    assert loaded == {Path(n).stem for n in changed}
    assert len(written) < sum(1 for n in after if n.endswith(".parquet"))
    # the data files a build without the published release makes, byte for byte (its version
    # is another: a first release)
    build(root=fresh_root, raw_dir=small, jobs=1)
    fresh = files_under(fresh_root / DATAPACKAGES)
    assert {n: b for n, b in fresh.items() if "/data/" in n} == {
        n: b for n, b in after.items() if "/data/" in n
    }
    tables = {r.name for p in etl.specs.load_packages() for r in p.resources}
    assert table_rows(fresh_root / DATABASE, tables) == table_rows(root / DATABASE, tables)
    for name in (p.name for p in etl.specs.load_packages()):  # the zips' entries (some copied)
        with (
            zipfile.ZipFile(root / DOWNLOADS / f"{name}.zip") as ours,
            zipfile.ZipFile(fresh_root / DOWNLOADS / f"{name}.zip") as theirs,
        ):
            assert ours.testzip() is None and ours.namelist() == theirs.namelist()
            assert all(ours.read(n) == theirs.read(n) for n in ours.namelist() if n.startswith("data/"))
        with (  # the workbooks' sheets of the tables (some copied), the about sheet being another's
            zipfile.ZipFile(root / DOWNLOADS / f"{name}.xlsx") as ours,
            zipfile.ZipFile(fresh_root / DOWNLOADS / f"{name}.xlsx") as theirs,
        ):
            sheets = [
                n
                for n in ours.namelist()
                if n.startswith("xl/worksheets/") and n != "xl/worksheets/sheet1.xml"
            ]
            assert sheets and ours.namelist() == theirs.namelist() and ours.testzip() is None
            assert all(ours.read(n) == theirs.read(n) for n in sheets)
    # a release another code made (or another build than the one recorded), or one a file of which
    # is not the one published (its sha256 not the one SHA256SUMS lists), has every file written
    parquet = next(
        p
        for p in sorted((root / DATAPACKAGES).rglob("*.parquet"))
        if str(p.relative_to(root / DATAPACKAGES))
        not in {str(Path(n).with_suffix(".parquet")) for n in changed}
    )
    damaged = bytearray(parquet.read_bytes())
    damaged[len(damaged) // 2] ^= 1
    # and the build says why, in one line of its progress naming the file
    damaged_name = str(parquet.relative_to(root))
    for change, why in (
        (lambda: parquet.write_bytes(bytes(damaged)), f"the published {damaged_name} was changed since"),
        (lambda: (root / STAGING / etl.build.MADE_BY).write_text("another\n"), "made by other code"),
    ):
        change()
        written.clear()
        touch(sorted(small.glob("*.txt"))[4])
        messages: list[str] = []
        build(root=root, raw_dir=small, jobs=1, progress=messages.append)
        assert len(written) == sum(1 for n in after if n.endswith(".parquet"))
        said = [m for m in messages if m.startswith("writing every file again: ")]
        assert len(said) == 1 and why in said[0] and "\n" not in said[0], messages
    messages = []  # a rebuild after them takes from the release they published, silently
    written.clear()
    touch(sorted(small.glob("*.txt"))[5])
    build(root=root, raw_dir=small, jobs=1, progress=messages.append)
    assert not [m for m in messages if m.startswith("writing every file again")]
    assert len(written) < sum(1 for n in after if n.endswith(".parquet"))


def table_rows(database: Path, tables: set[str]) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of some tables of a database, in their order, with their rowid."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        return {
            t: connection.execute(f"SELECT rowid, * FROM [{t}] ORDER BY rowid").fetchall() for t in tables
        }


def test_a_file_changed_during_a_build_is_rejected_and_the_others_published(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = sorted(small.glob("*.txt"))[2]
    original = etl.build.read_raw

    def then_altered(*args: Any, **kwargs: Any) -> RawInputs:
        found = original(*args, **kwargs)
        altered(changed)
        return found

    monkeypatch.setattr(etl.build, "read_raw", then_altered)
    messages: list[str] = []
    report = build(root=tmp_path / "release", raw_dir=small, jobs=1, progress=messages.append)
    (error,) = [e for e in report.rejected if not e.reason.startswith("quarantined")]
    assert Path(error.path).name == changed.name and "changed since it was checked" in error.reason
    assert f"rejected {error}" in messages
    quarantined = [Path(e.path).stem for e in report.rejected if e is not error]
    assert sorted([*report.published, *quarantined, changed.stem]) == sorted(
        p.stem for p in small.glob("*.yml")
    )
    assert changed.name not in [entry["file"] for entry in report.inputs]


def built_here(monkeypatch: pytest.MonkeyPatch, root: Path, **options: Any) -> None:
    """Build in this process alone: no child for the extraction, the data files or the workbooks."""
    monkeypatch.setattr(etl.apart, "can_fork", lambda: False)
    monkeypatch.setattr(etl.package.workbook, "can_fork", lambda: False)
    build(root=root, **options)


def assert_same_release(one: Path, other: Path) -> None:
    """Two release roots publish the same bytes."""
    for folder in (DATAPACKAGES, DOWNLOADS):
        assert files_under(one / folder) == files_under(other / folder)
    assert (one / DATABASE).read_bytes() == (other / DATABASE).read_bytes()


def test_a_build_reading_raw_in_a_child_process_or_in_this_one_publishes_the_same_bytes(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apart, here = tmp_path / "apart", tmp_path / "here"
    told = fresh(
        "from pathlib import Path\nfrom etl.build import build\ntold = []\n"
        f"build(root=Path({str(apart)!r}), raw_dir=Path({str(small)!r}), jobs=1, progress=told.append)\n"
        'print(json.dumps({"told": told}))\n'
    )["told"]
    told_here: list[str] = []
    built_here(monkeypatch, here, raw_dir=small, jobs=1, progress=told_here.append)
    assert told == told_here and "extracting 12 source(s)" in told
    assert_same_release(apart, here)


def test_a_build_writing_its_files_in_child_processes_publishes_the_same_bytes(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apart, here = tmp_path / "apart", tmp_path / "here"
    # every file written apart however small the release; the children made by alongside counted
    started = fresh(
        "from pathlib import Path\nimport etl.apart, etl.build, etl.curate.merge, etl.package.workbook\n"
        "etl.build.APART_WEIGHT = 0\netl.package.workbook.POOL_BYTES = 0\nstarted = []\n"
        "etl.curate.merge.APART_BYTES = 0\n"
        "Apart = etl.apart.Apart\n"
        "etl.apart.Apart = lambda work: started.append(work) or Apart(work)\n"
        f"etl.build.build(root=Path({str(apart)!r}), raw_dir=Path({str(small)!r}), jobs=2)\n"
        'print(json.dumps({"started": len(started)}))\n'
    )["started"]
    # the extraction, half the tables merged on disk, half the data files, the data's facts, the charts
    assert started == 5
    built_here(monkeypatch, here, raw_dir=small, jobs=1)
    assert_same_release(apart, here)
