"""Keeping a server's resident memory near what it uses (issue 24 item 5).

A burst of heavy answers (twenty expiring-iqamas reports of 10,000 rows at once: a chart, a CSV and a 1 MB
answer each) left the action server at 335 MB, though it used far less once they were sent:
- each thread running an action allocates from its own arena of the C allocator, so the busiest moment
  of every thread stays resident; the action server runs ACTION_THREADS at a time (Python's default is
  the number of cores + 4, six here, with no more throughput on two cores: the GIL);
- freed memory stays with the allocator; `trim_periodically` gives it back to the system (glibc's
  malloc_trim) every TRIM_SECONDS while the server runs.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
from concurrent.futures import ThreadPoolExecutor

logger = logging.getLogger(__name__)
ACTION_THREADS = 3
TRIM_SECONDS = 10.0


def _glibc():
    name = ctypes.util.find_library("c")
    library = ctypes.CDLL(name) if name else None
    return library if library is not None and hasattr(library, "malloc_trim") else None


_LIBC = _glibc()


def release_freed_memory() -> None:
    """Return the allocator's free memory to the system (nothing to do without glibc)."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


async def trim_periodically(seconds: float = TRIM_SECONDS) -> None:
    """Release freed memory every `seconds` until cancelled."""
    while True:
        await asyncio.sleep(seconds)
        release_freed_memory()


def bound_action_threads(loop: asyncio.AbstractEventLoop) -> None:
    """Run `asyncio.to_thread` work (the actions) on ACTION_THREADS threads."""
    loop.set_default_executor(ThreadPoolExecutor(ACTION_THREADS, thread_name_prefix="action"))
