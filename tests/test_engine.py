"""How extraction runs: in this process, in a pool of processes or on a Dask LocalCluster, the same
facts byte for byte; the cache extracts again only what changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import etl.engine
from benchmarks.corpus import generate, touch
from etl.build import build
from etl.engine import Engine, extract_all
from etl.layout import DATAPACKAGES, RAW_DIR, REFERENCE_DIR
from etl.raw import read_raw
from etl.reference import load_reference
from tests.package.test_packages import files_under


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
    assert not queue and [first, *rest] == extract_all(found, REFERENCE_DIR, Engine(jobs=1))
