"""Helpers for tests that start servers: free loopback ports, an asyncio loop in a thread, the
`muqeem` command of this venv."""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path

from runtime.ports import free_ports


MUQEEM = str(Path(sys.executable).with_name("muqeem"))


def free_port() -> int:
    return free_ports(1)[0]


class BackgroundLoop:
    """An asyncio loop in a daemon thread; `run(coroutine)` waits for its result."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine, timeout: float = 10.0):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()
