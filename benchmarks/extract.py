"""Benchmark of extraction: articles per second on the gold set and the seed, time and peak memory
for a 1 MB text, and the time of a whole build. Prints its figures; run with
`python benchmarks/extract.py`."""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
import time
import tracemalloc
from pathlib import Path

from etl.build import build
from etl.extract import extract_source
from etl.extract.evaluation import gold_articles, gold_reference
from etl.layout import RAW_DIR, ROOT
from etl.raw.sources import read_source, source_from_bytes
from etl.reference import load_reference

GOLD = ROOT / "tests" / "gold"
ROUNDS = 5
MEGABYTE = 1_000_000


def main() -> None:
    """Run the benchmarks and print one line per figure."""
    reference = gold_reference(load_reference(), GOLD)
    sources = [read_source(p).holding_text() for p in sorted(RAW_DIR.glob("*.txt"))]
    for path, label in gold_articles(GOLD):
        record = {
            **(label.get("source") or {}),
            "format": "text/html" if path.suffix == ".html" else "text/plain",
        }
        sources.append(source_from_bytes(path, path.read_bytes(), {k: v for k, v in record.items() if v}))
    for source in sources:  # warm up: the language model and the gazetteer load once per process
        extract_source(source, reference)
    started = time.perf_counter()
    for _ in range(ROUNDS):
        for source in sources:
            extract_source(source, reference)
    elapsed = time.perf_counter() - started
    count = ROUNDS * len(sources)
    size = sum(len(s.text) for s in sources) * ROUNDS
    print(
        f"articles extracted: {count} in {elapsed:.2f} s = {count / elapsed:.1f} articles/s, "
        f"{size / elapsed / 1000:.0f} kchar/s"
    )

    seed = sources[0]
    text = (seed.text * (MEGABYTE // len(seed.text) + 1))[:MEGABYTE]
    data = text.encode("utf-8")
    big = dataclasses.replace(
        seed, held=text, sha256=hashlib.sha256(data).hexdigest(), size=len(data), record={}
    )
    tracemalloc.start()
    started = time.perf_counter()
    facts = extract_source(big, reference)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    paragraphs = len(facts["paragraphs"])
    print(f"1 MB text: {elapsed:.2f} s, peak memory {peak / 2**20:.0f} MiB, {paragraphs} paragraphs")

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        build(root=Path(folder))
        print(
            f"whole build (packages, validation, database, catalogue): {time.perf_counter() - started:.2f} s"
        )


if __name__ == "__main__":
    main()
