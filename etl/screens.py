"""What each source's extraction was screened into, kept between builds, so that a rebuild screens
only the sources that changed: a cached source is neither read nor checked again.

Screening an extraction (etl/package/quarantine.py: every cell against its field, the spans
against the text, the project's checks of its own rows) depends only on the extraction and on the
code and schemas, so what it gives (the reason to quarantine the source, the warnings about rows
taken out, the cleaned extraction) is stored under the extraction's cache key and the sha256 of
the package's code and the packages' specs. At 10,000 articles, reading and screening the cached
extractions again was a fifth of a one-article rebuild.

The entries are appended to one file beside the extraction cache (`.build/cache/screens.marshal`),
each as its marshalled bytes, with an index of where each one is (`screens.index`), written
atomically after the entries: a build stopped while it appends leaves bytes that no index points
to. When the entries no index points to come to more than those it does, the file is written again
with only the latter. The file is safe to delete (every source is then screened again), and a file
that cannot be read is taken for an empty one."""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import etl
from etl.engine import Engine, Extract, cache_key, extractions, share_strings
from etl.extract import extract_source
from etl.package import Screened, Verdict, gather, screen, verdict
from etl.raw import Source, SourceError
from etl.specs import PackageSpec

PACK = "screens.marshal"
INDEX = "screens.index"
# The index: the code's version, then where each entry is in the pack: its offset and length.
Index = dict[bytes, tuple[int, int]]
# An entry: a source's verdict (the reason to quarantine it or None, the warnings about the rows
# taken out, the cleaned extraction or None).
Entry = Verdict


@functools.cache
def package_code() -> str:
    """The sha256 of the package's code and schemas (everything screening runs)."""
    digest = hashlib.sha256(etl.__version__.encode())
    folder = Path(etl.__file__).parent
    for path in sorted(p for pattern in ("*.py", "*.yml") for p in folder.rglob(pattern)):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def code_version(packages: tuple[PackageSpec, ...]) -> str:
    """The version of what screening gives: the package's code and the packages' specs."""
    return hashlib.sha256(f"{package_code()}\0{packages!r}".encode()).hexdigest()


class ScreenCache:
    """The entries kept under a folder for one version of the code: looked up by an extraction's
    key (hex), added as sources are screened, and kept for the next build by close."""

    def __init__(self, folder: Path, version: str, full: bool = False) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.pack, self.index_path, self.version = folder / PACK, folder / INDEX, version
        found = None if full else read_index(self.index_path, version)
        self.index: Index = found if found is not None else {}
        if found is None:  # a new pack: the entries of another version (or none) are dropped
            self.pack.write_bytes(b"")
        self.used: Index = {}
        self.reader = self.pack.open("rb")
        self.writer = self.pack.open("ab")
        self.end = self.writer.seek(0, os.SEEK_END)

    def __contains__(self, key: str) -> bool:
        return bytes.fromhex(key) in self.index

    def get(self, key: str) -> Entry | None:
        """The entry under a key, None when there is none or it cannot be read."""
        where = self.index.get(bytes.fromhex(key))
        if where is None:
            return None
        try:
            self.reader.seek(where[0])
            entry: Entry = marshal.loads(self.reader.read(where[1]))
        except (OSError, ValueError, EOFError, TypeError):
            return None
        self.used[bytes.fromhex(key)] = where
        return entry

    def put(self, key: str, entry: Entry) -> None:
        """Add an entry (one that marshal cannot write is not kept: that source is screened again)."""
        try:
            data = marshal.dumps(entry)
        except ValueError:
            return
        self.writer.write(data)
        self.used[bytes.fromhex(key)] = (self.end, len(data))
        self.end += len(data)

    def close(self, finished: bool = True) -> None:
        """Keep the entries used or added by this build for the next, the others dropped (all
        kept when the build did not go through its sources), writing the pack again when most of
        its bytes are no longer pointed to."""
        self.writer.close()
        if not finished:
            self.used = {**self.index, **self.used}
        live = sum(length for _, length in self.used.values())
        if self.end > 2 * live:
            self.used = rewritten(self.pack, self.reader, self.used)
        self.reader.close()
        write_index(self.index_path, self.version, self.used)


def read_index(path: Path, version: str) -> Index | None:
    """The index of a pack written by this version of the code, None when there is none."""
    try:
        found_version, index = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return index if found_version == version and isinstance(index, dict) else None


def write_index(path: Path, version: str, index: Index) -> None:
    """Write an index atomically (a partial one is never read)."""
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".index")
    with os.fdopen(handle, "wb") as out:
        out.write(marshal.dumps((version, index)))
    os.replace(name, path)


def rewritten(pack: Path, reader: Any, used: Index) -> Index:
    """The pack written again with only the entries used, in the order they are in it; where
    each one is in the new pack."""
    moved: Index = {}
    handle, name = tempfile.mkstemp(dir=pack.parent, prefix=".tmp-", suffix=".marshal")
    with os.fdopen(handle, "wb") as out:
        for key, (offset, length) in sorted(used.items(), key=lambda item: item[1][0]):
            reader.seek(offset)
            moved[key] = (out.tell(), length)
            out.write(reader.read(length))
    os.replace(name, pack)
    return moved


def screen_sources(
    sources: list[Source],
    reference_dir: Path,
    engine: Engine,
    packages: tuple[PackageSpec, ...],
    keep: Callable[[dict[str, Any]], dict[str, Any]],
    unreadable: list[SourceError],
    extract: Extract = extract_source,
) -> Screened:
    """Every source extracted (see etl/engine.py) and screened, in order, as screen does; keep is
    given each extraction to be merged and says what of it to hold; extract is what extracts a
    source (the project's extractor by default). With the engine's cache, what screening gave is
    kept beside it, and a source screened before is not extracted, read nor screened again
    (unless the engine is full). A source whose text cannot be read any more is added to
    unreadable. The short strings of what is held are shared (etl/engine.py share_strings), not
    those of the rows keep puts away."""
    memo: dict[str, str] = {}

    def held(extraction: dict[str, Any]) -> dict[str, Any]:
        kept: dict[str, Any] = share_strings(keep(extraction), memo)
        return kept

    if engine.cache is None:
        found = extractions(sources, reference_dir, engine, extract, unreadable, share=False)
        return screen(found, packages, held)
    cache = ScreenCache(engine.cache.parent, code_version(packages), engine.full)
    try:
        screened = gather(
            cached_entries(sources, reference_dir, engine, packages, cache, unreadable, extract), held
        )
    except BaseException:
        cache.close(finished=False)
        raise
    cache.close()
    return screened


def cached_entries(
    sources: list[Source],
    reference_dir: Path,
    engine: Engine,
    packages: tuple[PackageSpec, ...],
    cache: ScreenCache,
    unreadable: list[SourceError],
    extract: Extract = extract_source,
) -> Iterator[tuple[str, Entry]]:
    """Each readable source's id and entry, in order: read from the cache, or extracted (by the
    engine) and screened, and added to it."""
    keys = [cache_key(source, extract, reference_dir) for source in sources]
    known = [key in cache for key in keys]
    todo = [source for source, hit in zip(sources, known, strict=True) if not hit]
    found = extractions(todo, reference_dir, engine, extract, unreadable, share=False)
    ahead: dict[str, Any] | None = None
    for source, key, hit in zip(sources, keys, known, strict=True):
        entry = cache.get(key) if hit else None
        if entry is not None:
            yield source.id, entry
            continue
        if hit:  # an entry that cannot be read any more: extracted (or read from its cache) here
            alone = Engine(1, cache=engine.cache, full=engine.full)
            facts = next(extractions([source], reference_dir, alone, extract, unreadable, share=False), None)
        else:
            # a source that could not be read is not among the extractions: the next one is kept
            ahead = ahead if ahead is not None else next(found, None)
            facts = ahead if ahead is not None and ahead["source"]["id"] == source.id else None
            ahead = None if facts is not None else ahead
        if facts is None:
            continue
        entry = verdict(facts, packages)
        cache.put(key, entry)
        yield source.id, entry
