"""Benchmark of hostile inputs: how long the raw stage takes to refuse a page too deep or too large
(100,000 nested <div>s, a 5 MB paragraph), and how extraction time grows with the length of one
paragraph up to the budget. Prints its figures;
run with `python benchmarks/inputs.py [ROUNDS]`."""

from __future__ import annotations

import hashlib
import sys
import tempfile
import time
from pathlib import Path

from etl.extract import extract_source
from etl.raw.budget import MAX_PARAGRAPH
from etl.raw.sources import Source, SourceError, read_source
from etl.reference import Reference, load_reference

SENTENCE = "On 1 January 2024, Belgium had 86 embassies and 12 consulates general. "
LENGTHS = (12_500, 25_000, 50_000, MAX_PARAGRAPH)


def page(body: str) -> str:
    """An article page of the site with this body."""
    container = f"<div class='field--name-body'>{body}</div>"
    return f"<html lang='en'><body><article><h1>T</h1>{container}</article></body></html>"


HOSTILE = {
    "100_deep.html": page("<div>" * 100_000 + f"<p>{SENTENCE}</p>" + "</div>" * 100_000),
    "101_long.html": page("<p>" + "Belgium has 86 embassies. " * 200_000 + "</p>"),
}


def refusals(rounds: int) -> None:
    """Time how long reading each hostile page takes to refuse it, and print the reason."""
    with tempfile.TemporaryDirectory() as folder:
        for name, html in HOSTILE.items():
            path = Path(folder) / name
            path.write_text(html, encoding="utf-8")
            times = []
            for _ in range(rounds):
                started = time.perf_counter()
                try:
                    read_source(path, require_record=False)
                    reason = "read"
                except SourceError as exc:
                    reason = exc.reason
                times.append(time.perf_counter() - started)
            print(f"{name} ({len(html):,} characters): refused in {min(times):.3f} s: {reason}")


def paragraph_times(rounds: int) -> None:
    """Time the extraction of a page of one paragraph of growing length."""
    reference = load_reference()
    for length in LENGTHS:
        html = page("<p>" + (SENTENCE * (length // len(SENTENCE) + 1))[:length] + "</p>")
        data = html.encode()
        source = Source(
            "p", "p.html", hashlib.sha256(data).hexdigest(), len(data), {"format": "text/html"}, held=html
        )
        extract_source(source, reference)  # warm up
        best = min(timed(source, reference) for _ in range(rounds))
        print(
            f"one paragraph of {length:,} characters: {best:.2f} s ({best / length * 1e6:.1f} µs a character)"
        )


def timed(source: Source, reference: Reference) -> float:
    """Seconds one extraction takes."""
    started = time.perf_counter()
    extract_source(source, reference)
    return time.perf_counter() - started


if __name__ == "__main__":
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    refusals(rounds)
    paragraph_times(rounds)
