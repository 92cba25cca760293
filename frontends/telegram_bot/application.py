"""The bot's python-telegram-bot Application: it owns the Rasa client, the store of button callbacks and the
background tasks (the outbox relay, the daily reminders), and processes a chat's updates strictly in
arrival order (chats in parallel)."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Optional

from telegram import Update
from telegram.ext import (
    Application,
    BaseUpdateProcessor,
)

from frontends.telegram_bot.callbacks import CallbackStore
from frontends.rasa_client import (
    RasaClient,
)
from frontends.telegram_bot.telegram_ui import register_commands


logger = logging.getLogger(__name__)


BackgroundTask = Callable[[Application], Awaitable[None]]


class RecentIds:
    """A bounded set of recently seen ids (oldest forgotten first)."""

    def __init__(self, max_size: int = 10_000) -> None:
        self._max_size = max_size
        self._ids: OrderedDict[int, None] = OrderedDict()

    def add(self, item: int) -> bool:
        """Remember `item`; False when it was already there."""
        if item in self._ids:
            return False
        self._ids[item] = None
        if len(self._ids) > self._max_size:
            self._ids.popitem(last=False)
        return True


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Processes updates concurrently across chats but strictly in arrival order within a chat."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key], self._locks[key]

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""


def _chat_key(update: object) -> Optional[int]:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


class MuqeemApplication(Application):
    """Application that also owns the Rasa client, the callback store and background tasks."""

    def __init__(
        self,
        *,
        rasa: RasaClient,
        callbacks: CallbackStore,
        background_tasks: Sequence[BackgroundTask] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.rasa = rasa
        self.callbacks = callbacks
        self.seen_updates = RecentIds()
        self._background_task_factories = tuple(background_tasks)
        self._running_background_tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        await super().start()
        await register_commands(
            self.bot
        )  # the command menu (frontends/telegram_bot/telegram_ui.py); a refusal is logged
        for factory in self._background_task_factories:
            task = asyncio.create_task(factory(self))
            task.add_done_callback(_log_background_failure)
            self._running_background_tasks.append(task)

    async def stop(self) -> None:
        tasks, self._running_background_tasks = self._running_background_tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await super().stop()

    async def shutdown(self) -> None:
        await super().shutdown()
        await self.rasa.aclose()


def _log_background_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("Background task failed", exc_info=task.exception())
