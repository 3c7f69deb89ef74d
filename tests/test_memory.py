"""Memory the allocator kept is given back to the system."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from etl.memory import give_back, trim


def rss_mb() -> float:
    """This process's resident memory, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.skipif(not sys.platform.startswith("linux") or trim() is None, reason="glibc only")
def test_freed_memory_below_the_heap_top_goes_back_to_the_system() -> None:
    before = rss_mb()
    # 300 MB of objects too large for Python's own allocator, one kept above them on the heap
    many = [bytes(1000) + i.to_bytes(4, "little") for i in range(300_000)]
    above = bytes(2000) + b"kept"
    grown = rss_mb()
    del many
    assert rss_mb() > before + 200  # freed, but the pages stay with malloc
    assert give_back()
    assert rss_mb() < grown - 200
    assert above.endswith(b"kept")
