"""How extraction runs: in this process, in a pool of processes (`--jobs`, the cores by default),
or on a Dask cluster (`--executor dask --scheduler tcp://host:8786`), with a cache so that a
rebuild extracts only the sources that changed.

The cache (`.build/cache/extract/` under the release root, safe to delete) keeps each source's
facts under a key made of the sha256 of the source's bytes (checked against its provenance record
when it was read) and its record, the extractor's code (the sha256 of etl/extract/ and etl/raw/)
and the reference tables' bytes: any change to one of them is a different key, so a cached result
is never stale, and a source found in the cache is not read. `--full` ignores the cache.

The sources' texts are read where they are extracted: in the pool's worker processes from the
sources' files, while a Dask cluster is sent them with the tasks. A source whose file changed since
it was checked fails on its own (a SourceError), the others are extracted."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import etl
from etl.apart import FreshPool
from etl.extract import extract_source
from etl.raw import Source, SourceError
from etl.reference import Reference, load_reference

Extraction = dict[str, Any]
# What extracting a source gives: its facts, or why its text could not be read.
Outcome = Extraction | SourceError
Extract = Callable[[Source, Reference], Extraction]
CACHE = Path("cache") / "extract"
CODE_FOLDERS = ("extract", "raw")
# Below so many sources for each worker, a pool costs more than it saves.
POOL_MINIMUM = 32
CHUNK = 16
# Chunks in a pool's hands at once, for each worker: enough to keep it busy, few enough that the
# texts waiting for a worker are a small part of a large corpus.
AHEAD = 4
EXECUTORS = ("local", "dask")


@dataclass(frozen=True)
class Engine:
    """Where and how extraction runs: jobs (processes; 1 runs in this process), the executor
    (local or dask, with the scheduler's address), the cache folder (None: no cache) and whether
    to ignore what it holds."""

    jobs: int = 0
    executor: str = "local"
    scheduler: str | None = None
    cache: Path | None = None
    full: bool = False

    @property
    def workers(self) -> int:
        """The number of processes for a local pool (0 means the cores)."""
        return self.jobs or os.cpu_count() or 1


@functools.cache
def code_version() -> str:
    """The sha256 of the extractor's code (every module of the stages it runs)."""
    digest = hashlib.sha256(etl.__version__.encode())
    package = Path(etl.__file__).parent
    for folder in CODE_FOLDERS:
        for path in sorted((package / folder).rglob("*.py")):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@functools.cache
def reference_version(directory: Path) -> str:
    """The sha256 of the reference tables' bytes (the curated facts and reviews excepted: they do
    not change what is extracted)."""
    digest = hashlib.sha256()
    for path in sorted(directory.rglob("*")):
        parts = path.relative_to(directory).parts
        if path.is_file() and parts[0] not in ("curated", "reviews"):
            digest.update("/".join(parts).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cache_key(source: Source, extract: Extract, reference_dir: Path) -> str:
    """The key of a source's facts: the sha256 of its bytes and its record, the extractor (its
    code, and which function it is) and the reference tables."""
    digest = hashlib.sha256()
    for part in (
        code_version(),
        reference_version(reference_dir),
        f"{extract.__module__}.{extract.__qualname__}",
        json.dumps(source.record, sort_keys=True, default=str),
        source.id,
        source.file,
        source.sha256,
    ):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()


def cache_path(folder: Path, key: str) -> Path:
    return folder / key[:2] / f"{key}.json"


def read_cached(folder: Path, key: str) -> Extraction | None:
    """A cached extraction, or None (a missing or unreadable entry is a miss)."""
    try:
        data: Extraction = json.loads(cache_path(folder, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data


def dump(facts: Extraction) -> str:
    """An extraction as the cache stores it: compact JSON."""
    return json.dumps(facts, ensure_ascii=False, separators=(",", ":"))


def write_cached(folder: Path, key: str, facts: Extraction | str) -> None:
    """Store an extraction (or its JSON, see dump) atomically (a partial entry is never read)."""
    path = cache_path(folder, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(facts if isinstance(facts, str) else dump(facts))
    os.replace(name, path)


def attempt(extract: Extract, source: Source | SourceError, reference: Reference) -> Outcome:
    """A source's facts, or why its text could not be read (passed on as it is when it is that)."""
    if isinstance(source, SourceError):
        return source
    try:
        return extract(source, reference)
    except SourceError as exc:
        return exc


def extract_chunk(sources: Sequence[Source | SourceError], reference_dir: str) -> list[Outcome | str]:
    """Extract some sources in a worker process (the reference tables loaded once per process),
    each extraction as the JSON the cache stores (see dump): the worker serialises it, so the
    building process only parses it, once."""
    reference = load_reference(Path(reference_dir))
    found = (attempt(extract_source, source, reference) for source in sources)
    return [outcome if isinstance(outcome, SourceError) else dump(outcome) for outcome in found]


def with_text(source: Source) -> Source | SourceError:
    """A source with its text held, or why it could not be read."""
    try:
        return source.holding_text()
    except SourceError as exc:
        return exc


def in_chunks(
    sources: deque[Source], submit: Callable[[list[Source]], Any], width: int
) -> Iterator[Outcome | str]:
    """Extractions in order, the sources taken from the queue in chunks of CHUNK and handed to
    submit (which returns a future) width chunks at a time at most, the next once one came back:
    a source (and a text sent with it) is let go of once it is extracted, not held until every
    source was handed out."""
    waiting: deque[Any] = deque()

    def hand_out() -> None:
        waiting.append(submit([sources.popleft() for _ in range(min(CHUNK, len(sources)))]))

    while sources and len(waiting) < width:
        hand_out()
    while waiting:
        done = waiting.popleft().result()
        if sources:
            hand_out()
        yield from done


def run_local(
    sources: deque[Source], reference_dir: Path, extract: Extract, jobs: int
) -> Iterator[Outcome | str]:
    """Extractions in order: in this process, or in a pool of jobs processes for many sources (the
    pool holding AHEAD chunks a worker at most, each worker reading its sources' texts), the
    sources taken from the queue as they go."""
    if jobs <= 1 or len(sources) < POOL_MINIMUM * jobs or extract is not extract_source:
        reference = load_reference(reference_dir)
        while sources:
            yield attempt(extract, sources.popleft(), reference)
        return
    with FreshPool(jobs) as pool:  # not forks of this process, which holds every source's record
        yield from in_chunks(
            sources, lambda chunk: pool.submit(extract_chunk, chunk, str(reference_dir)), AHEAD * jobs
        )


def run_dask(
    sources: deque[Source], reference_dir: Path, scheduler: str | None, jobs: int
) -> Iterator[Outcome | str]:
    """Extractions in order, mapped over a Dask distributed cluster: the one at the scheduler's
    address, or else a LocalCluster of jobs worker processes on 127.0.0.1, AHEAD chunks a worker at
    most in its hands, their texts read here and sent with them. The workers read the reference
    tables from reference_dir, which must be the same path on every machine (a shared folder or the
    same checkout)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - the optional extra
        raise RuntimeError("the dask executor needs the optional extra: pip install -e '.[dask]'") from None
    if not sources:
        return
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=jobs, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        )
    try:
        with Client(scheduler or cluster) as client:  # type: ignore[no-untyped-call]
            workers = len(client.scheduler_info().get("workers", {})) or jobs

            def submit(chunk: list[Source]) -> Any:
                held = [with_text(source) for source in chunk]
                return client.submit(extract_chunk, held, str(reference_dir), pure=False)

            yield from in_chunks(sources, submit, AHEAD * workers)
    finally:
        if cluster is not None:
            cluster.close()


# Strings up to so many characters are shared between the extractions (ids, codes, names, dates).
SHARED_LENGTH = 64


def share_strings(value: Any, memo: dict[str, str]) -> Any:
    """The value with each of its short strings replaced by the first equal one met (in memo): the
    same source id, language, status or date appears in every row of thousands of extractions, and
    read from JSON each would be its own object (a quarter of an extraction's memory)."""
    items = value.items() if type(value) is dict else enumerate(value) if type(value) is list else ()
    for key, item in items:
        kind = type(item)
        if kind is str:
            if len(item) <= SHARED_LENGTH:
                value[key] = memo.setdefault(item, item)
        elif kind is dict or kind is list:
            share_strings(item, memo)
    return value


def extract_all(
    sources: list[Source],
    reference_dir: Path,
    engine: Engine,
    extract: Extract = extract_source,
    unreadable: list[SourceError] | None = None,
) -> list[Extraction]:
    """The extraction of every source, in order (see extractions)."""
    return list(extractions(sources, reference_dir, engine, extract, unreadable))


def extractions(
    sources: list[Source],
    reference_dir: Path,
    engine: Engine,
    extract: Extract = extract_source,
    unreadable: list[SourceError] | None = None,
    share: bool = True,
) -> Iterator[Extraction]:
    """The extraction of every source, in order, each as soon as it is there (so that a caller can
    put it away before the next): cached ones read, the others run by the engine (and cached),
    their short strings shared unless not share (a caller that keeps only part of each shares
    that part). A source whose text cannot be read any more (its file changed since it was
    checked) has none: its error is added to unreadable, or raised without one."""
    memo: dict[str, str] = {}
    folder = engine.cache
    keys = [cache_key(s, extract, reference_dir) for s in sources] if folder is not None else []
    hits = [not engine.full and cache_path(folder, k).is_file() for k in keys] if folder else []
    hits = hits or [False] * len(sources)
    todo = deque(s for s, hit in zip(sources, hits, strict=True) if not hit)
    left: list[Source | None] = list(sources)
    del sources  # the sources are let go of one by one as they are extracted (see in_chunks)
    if engine.executor == "dask" and extract is extract_source:
        found = run_dask(todo, reference_dir, engine.scheduler, engine.workers)
    else:
        found = run_local(todo, reference_dir, extract, engine.workers)
    for index, source in enumerate(left):
        assert source is not None
        left[index] = None
        facts = read_cached(folder, keys[index]) if hits[index] and folder is not None else None
        if facts is None:
            # run by the engine, or a cache entry unreadable since it was found: extracted here
            outcome = (
                next(found) if not hits[index] else attempt(extract, source, load_reference(reference_dir))
            )
            if isinstance(outcome, SourceError):
                if unreadable is None:
                    raise outcome
                unreadable.append(outcome)
                continue
            if folder is not None:
                outcome = outcome if isinstance(outcome, str) else dump(outcome)
                write_cached(folder, keys[index], outcome)
            # a worker's JSON (or the cache's) parsed: a cached one reads the same values either way
            facts = json.loads(outcome) if isinstance(outcome, str) else outcome
        del source
        yield share_strings(facts, memo) if share else facts
