"""While the bot waits for Rasa's reply: one message showing how far a long bulk execution is, edited as it
goes (editMessageText, at most every PROGRESS_POLL_SECONDS: within Telegram's limits)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import Bot
from telegram.error import TelegramError

from frontends.progress import PROGRESS_POLL_SECONDS, progress_text, read_progress
from replies import language


@asynccontextmanager
async def showing_progress(bot: Bot, chat_id: int, user_id: int, reply_language: str) -> AsyncIterator[None]:
    """Show the progress of the user's bulk execution in the chat while the block runs."""
    task = asyncio.create_task(_keep_showing(bot, chat_id, user_id, reply_language))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _keep_showing(bot: Bot, chat_id: int, user_id: int, reply_language: str) -> None:
    message_id, shown = None, None
    while True:
        await asyncio.sleep(PROGRESS_POLL_SECONDS)
        progress = await asyncio.to_thread(read_progress, user_id)
        if progress is None or progress == shown:
            continue
        with language(reply_language):
            text = progress_text(progress)
        try:
            if message_id is None:
                message_id = (await bot.send_message(chat_id, text)).message_id
            else:
                await bot.edit_message_text(text, chat_id, message_id)
        except TelegramError:  # a lost progress line is no failure of the request
            continue
        shown = progress
