"""Fixtures of the terminal chat's tests: a fake Rasa and a fake Telegram on an asyncio loop in a thread."""

from __future__ import annotations

import pytest

from tests.frontends.fake_rasa import FakeRasa
from tests.frontends.fake_telegram import TOKEN, FakeTelegram
from tests.loopback import BackgroundLoop


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
