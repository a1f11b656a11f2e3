"""How a long-running cloud process keeps its memory: the collector and the C allocator.

Start-up makes some three hundred thousand objects (modules, mappers, routes) that live as long
as the process. The cyclic collector would walk them again at every collection while they are
made, a sixth of start-up's time, and again at every full collection ever after: it is paused
while the cloud starts, and what start-up made is then set aside from it (``gc.freeze``). The
few thousand objects start-up leaves in cycles are kept with them, some hundred kilobytes.

glibc's malloc raises its mmap threshold to the size of every large block that is freed, so
that the next block of that size comes from a heap instead, where it stays resident after it is
freed; and it gives each thread that contends for the heap an arena of its own. A cloud process
runs dozens of threads, and every password check runs scrypt over 16 MiB: left to its defaults
the allocator keeps a few of those in each arena, a third of the process's memory. A fixed
threshold returns blocks that large to the system when they are freed, and two arenas suffice
for threads that spend their time waiting on I/O and the interpreter's lock. The threshold sits
above the image store's 4 MiB reads, which keep reusing the same heap memory (mapping each
afresh would cost five times their CPU), and the heaps keep that much free at their top.

With another C library (musl, macOS) the allocator is left as it is.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
from functools import cache

LOG = logging.getLogger(__name__)

# mallopt(3) parameters, from glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8
# Blocks from this size up are mapped on their own and unmapped when freed (scrypt's 16 MiB);
# smaller ones come from the heaps, which give back what is free at their top beyond this.
MMAP_THRESHOLD = 8 * 1024 * 1024
TRIM_THRESHOLD = MMAP_THRESHOLD
ARENA_MAX = 2
# New container objects between two collections of the youngest generation.
YOUNG_THRESHOLD = 10_000


@cache
def _libc() -> ctypes.CDLL | None:
    try:
        if not (os.confstr("CS_GNU_LIBC_VERSION") or "").startswith("glibc"):
            return None
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
    except (OSError, ValueError, AttributeError) as exc:
        LOG.debug("no allocator to tune: %s", exc)
        return None
    return libc


def tune_allocator() -> None:
    """Fix the mmap and trim thresholds and cap the arenas; before the process starts its
    threads, since an arena once made is kept."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        libc.mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
        libc.mallopt(_M_ARENA_MAX, ARENA_MAX)


def release_free_memory() -> None:
    """Hand the heaps' free pages back to the system: after start-up's burst of allocations,
    whose garbage would otherwise stay resident for the life of the process."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def pause_collection() -> None:
    """No cyclic collection until ``resume_collection``: for start-up, before its imports."""
    gc.disable()


def resume_collection() -> None:
    """Collect again, leaving what exists now (what start-up made) out of every collection,
    and less often: a request that builds a thousand servers or ten thousand object entries
    makes tens of thousands of short-lived containers, and at the default threshold (700) the
    collector would run dozens of times inside that one request."""
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 10, 10)
    gc.enable()
