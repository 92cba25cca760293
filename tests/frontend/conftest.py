"""Fixtures for the front-end tests: free loopback ports, and the bot tests' fake Rasa REST channel
and fake Telegram Bot API served from a background event loop, so that synchronous tests (pexpect,
subprocesses) can use them."""

from __future__ import annotations

import asyncio
import socket
import sys
import threading
from pathlib import Path

import pytest

from tests.bot.conftest import TOKEN
from tests.bot.fake_rasa import FakeRasa
from tests.bot.fake_telegram import FakeTelegram

MUQEEM = str(Path(sys.executable).with_name("muqeem"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


@pytest.fixture
def background_loop():
    loop = BackgroundLoop()
    yield loop
    loop.close()


@pytest.fixture
def fake_rasa(background_loop):
    fake = FakeRasa()
    fake.url = background_loop.run(fake.start())
    yield fake
    background_loop.run(fake.stop())


@pytest.fixture
def fake_telegram(background_loop):
    fake = FakeTelegram(TOKEN)
    fake.base_url = background_loop.run(fake.start())
    yield fake
    background_loop.run(fake.stop())
