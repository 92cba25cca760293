"""Fixtures for the front-end tests: free loopback ports, the fake Rasa REST channel (from the
bot tests) served from a background thread so that synchronous tests (pexpect) can use it."""
from __future__ import annotations

import asyncio
import socket
import sys
import threading
from pathlib import Path

import pytest

from tests.bot.fake_rasa import FakeRasa

MUQEEM = str(Path(sys.executable).with_name("muqeem"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def fake_rasa():
    fake = FakeRasa()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    fake.url = asyncio.run_coroutine_threadsafe(fake.start(), loop).result(10)
    yield fake
    asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()
