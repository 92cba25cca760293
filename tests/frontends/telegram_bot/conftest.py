"""Fixtures for the bot: a fake Telegram Bot API server, a fake Rasa, and the real application
polling the fake Telegram (asyncio through anyio's pytest plugin)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from frontends.telegram_bot.app import ALLOWED_UPDATES, build_application
from frontends.telegram_bot.application import MuqeemApplication
from tests.frontends.fake_rasa import FakeRasa
from tests.frontends.fake_telegram import TOKEN, FakeTelegram


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN)
    fake.base_url = await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def rasa() -> AsyncIterator[FakeRasa]:
    fake = FakeRasa()
    fake.url = await fake.start()
    yield fake
    await fake.stop()


@contextlib.asynccontextmanager
async def running_bot(telegram: FakeTelegram, rasa_url: str, **options: Any) -> AsyncIterator[MuqeemApplication]:
    """The real application, long-polling the fake Telegram, until the block ends."""
    application = build_application(TOKEN, base_url=telegram.base_url, rasa_url=rasa_url, **options)
    async with application:
        await application.start()
        await application.updater.start_polling(timeout=1, allowed_updates=ALLOWED_UPDATES)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()


@pytest.fixture
async def bot(telegram: FakeTelegram, rasa: FakeRasa) -> AsyncIterator[MuqeemApplication]:
    async with running_bot(telegram, rasa.url) as application:
        yield application
