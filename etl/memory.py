"""Memory the allocator keeps, given back between the build's stages.

Python frees a stage's rows when it is done with them, but glibc's malloc keeps the freed pages of
its heap for the next allocations, and gives back only what lies at the heap's top: after the merge
of 100,000 articles the build's RSS stayed 290 MB above what it held. Arrow keeps its own pool
(mimalloc or jemalloc) of what it allocated: 150 MB more after writing those articles as Parquet.
`give_back` asks glibc to return every free page (malloc_trim; elsewhere, another C library or
another system, there is none to ask) and Arrow, if it is loaded, to release what its pool keeps."""

from __future__ import annotations

import ctypes
import functools
import sys
from collections.abc import Callable


@functools.cache
def trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none."""
    try:
        return getattr(ctypes.CDLL(None), "malloc_trim", None)
    except OSError:
        return None


def give_back() -> bool:
    """Return the allocators' free pages to the system; whether glibc's could be asked to."""
    arrow = sys.modules.get("pyarrow")
    if arrow is not None:
        arrow.default_memory_pool().release_unused()
    found = trim()
    if found is None:
        return False
    found(0)
    return True
