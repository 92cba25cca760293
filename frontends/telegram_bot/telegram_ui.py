"""What makes the bot feel native on Telegram: its command menu and "typing…" while a reply is made.

- `register_commands(bot)`: setMyCommands with Arabic descriptions (the default, for every user) and
  English ones (users whose Telegram is in English); /start, /help, /cancel, /lang, /est.
- `typing(bot, chat_id)`: an async context manager that shows "typing…" (sendChatAction) while its
  block runs longer than TYPING_DELAY_SECONDS, renewed every TYPING_RENEW_SECONDS (Telegram shows it
  for about 5 s). A reply that comes at once sends no chat action, so the send budget (30/s overall)
  goes to replies; a slow one (a chart, a document, a passport photo) shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from telegram import Bot, BotCommand
from telegram.constants import ChatAction
from telegram.error import TelegramError

from replies import DEFAULT_LANGUAGE, N_, _, language

logger = logging.getLogger(__name__)

TYPING_DELAY_SECONDS = 0.4
TYPING_RENEW_SECONDS = 4.5

COMMANDS = [
    ("start", N_("Start, or activate your account: /start CODE")),
    ("help", N_("What I can do")),
    ("cancel", N_("Cancel the current request")),
    ("lang", N_("Reply language")),
    ("est", N_("The establishment to work on")),
]
# The menu of users whose Telegram is in a language of their own (key: Telegram's language_code; None is
# everybody else), in that reply language.
MENU_LANGUAGES = {None: "ar", "en": "en"}


def menu(language_code: str | None) -> list[tuple[str, str]]:
    """(command, description) pairs of the command menu for Telegram's `language_code` (None: default)."""
    with language(MENU_LANGUAGES.get(language_code, DEFAULT_LANGUAGE)):
        return [(name, _(description)) for name, description in COMMANDS]


async def register_commands(bot: Bot) -> bool:
    """The command menu in Arabic (default) and English; False (logged) when Telegram refused it."""
    try:
        for language_code in MENU_LANGUAGES:
            commands = [BotCommand(name, text) for name, text in menu(language_code)]
            await bot.set_my_commands(commands, language_code=language_code)
    except TelegramError as error:
        logger.warning("Could not register the bot's commands: %s", error)
        return False
    return True


async def _keep_typing(bot: Bot, chat_id: int, delay: float) -> None:
    await asyncio.sleep(delay)
    while True:
        try:
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as error:
            logger.info("Could not show typing in chat %s: %s", chat_id, error)
            return
        await asyncio.sleep(TYPING_RENEW_SECONDS)


@contextlib.asynccontextmanager
async def typing(bot: Bot, chat_id: int, delay: float = TYPING_DELAY_SECONDS) -> AsyncIterator[None]:
    """Show "typing…" in the chat while the block runs longer than `delay` seconds (0: at once)."""
    task = asyncio.create_task(_keep_typing(bot, chat_id, delay))
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
