"""What makes the bot feel native on Telegram: its command menu, "typing…" while a reply is made, /lang.

- `register_commands(bot)`: setMyCommands with Arabic descriptions (the default, for every user) and
  English ones (users whose Telegram is in English); /start, /help, /cancel, /lang.
- `typing(bot, chat_id)`: an async context manager that shows "typing…" (sendChatAction) while its
  block runs longer than TYPING_DELAY_SECONDS, renewed every TYPING_RENEW_SECONDS (Telegram shows it
  for about 5 s). A reply that comes at once sends no chat action, so the send budget (30/s overall)
  goes to replies; a slow one (a chart, a document, a passport photo) shows it.
- `on_lang`: replies come in Arabic only in this release; /lang says so honestly, in both languages,
  and stores nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from telegram import Bot, BotCommand, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import ContextTypes

logger = logging.getLogger(__name__)

TYPING_DELAY_SECONDS = 0.4
TYPING_RENEW_SECONDS = 4.5

COMMANDS = {
    None: [  # the default menu: Arabic
        ("start", "البدء أو تفعيل الحساب برمز: /start الرمز"),
        ("help", "ما الذي أستطيع فعله"),
        ("cancel", "إلغاء الطلب الحالي"),
        ("lang", "لغة الردود"),
    ],
    "en": [
        ("start", "Start, or activate your account: /start CODE"),
        ("help", "What I can do"),
        ("cancel", "Cancel the current request"),
        ("lang", "Reply language"),
    ],
}
LANG_ANSWER = (
    "لغة الردود حاليًا هي العربية فقط، ولم يُحفظ أي إعداد. ستتوفر الردود بالإنجليزية في إصدار لاحق.\n"
    "Replies are in Arabic only for now; nothing was changed. English replies come in a later release."
)


async def register_commands(bot: Bot) -> bool:
    """The command menu in Arabic (default) and English; False (logged) when Telegram refused it."""
    try:
        for language, commands in COMMANDS.items():
            await bot.set_my_commands([BotCommand(name, text) for name, text in commands], language_code=language)
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


async def on_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/lang [ar|en]`: the honest answer (Arabic replies only in this release), nothing stored."""
    from bot.app import send_text  # the sending helpers live with the application

    await send_text(context.application, update.effective_chat.id, LANG_ANSWER)
