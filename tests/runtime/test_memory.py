"""runtime.memory: freed memory goes back to the system, and the action server runs its actions on a few
threads (issue 24 item 5: twenty big reports at once left the action server at 335 MB, 172 MB with both)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from runtime import memory


def resident_megabytes() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20


def test_freed_memory_goes_back_to_the_system():
    blocks = [bytes(4000) for _ in range(50_000)]  # about 200 MB from the C allocator
    kept = blocks[::50]  # a few stay alive between the freed ones, as after a burst of requests
    del blocks
    freed = resident_megabytes()
    memory.release_freed_memory()
    assert freed - resident_megabytes() > 100
    assert len(kept) == 1000


def test_actions_run_on_at_most_action_threads():
    running, most, lock = 0, 0, threading.Lock()

    def action() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    async def burst() -> None:
        memory.bound_action_threads(asyncio.get_running_loop())
        await asyncio.gather(*(asyncio.to_thread(action) for _ in range(12)))

    asyncio.run(burst())
    assert most == memory.ACTION_THREADS
