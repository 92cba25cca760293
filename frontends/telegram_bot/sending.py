"""Sending to a chat: Rasa's reply items rendered (text split under Telegram's limits with right-to-left marks,
buttons as inline keyboards of short callback ids, photos and documents), a message forwarded to Rasa with
"typing…" and a long bulk execution's progress while the reply is on its way, and the language of the
replies the bot makes itself. Also the hook other components send with (`send_text`)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Optional, Union

from telegram.ext import (
    Application,
)

from frontends.telegram_bot import metrics
from frontends.rasa_client import (
    RasaUnavailable,
)
from frontends.telegram_bot.render import (
    CAPTION_LIMIT,
    inline_keyboard,
    laid_out,
    split_message,
    utf16_len,
)
from frontends.telegram_bot.progress import showing_progress
from frontends.telegram_bot.telegram_ui import typing
from replies import N_, _, current_language, language, reply_language, written_language
from residency.languages import chosen_language

from frontends.telegram_bot.application import MuqeemApplication

logger = logging.getLogger(__name__)


UNAVAILABLE = N_("Sorry, the service is not available right now. Try again in a moment.")


CHOOSE_PROMPT = N_("Choose one of the options:")


async def answer_language(user_id: Optional[int], *texts: Optional[str]) -> str:
    """The language of a reply the bot makes itself (not Rasa): the user's choice, else the language of
    `texts` (the message answered, newest first), else Arabic. Looked up only when such a reply is made."""
    stored = await asyncio.to_thread(chosen_language, user_id) if user_id is not None else None
    return reply_language(stored, list(texts))


Button = Union[tuple[str, str], Mapping[str, Any]]


def button_pairs(buttons: Iterable[Button]) -> list[tuple[str, str]]:
    """(title, payload) pairs from tuples or Rasa-style {"title", "payload"} dicts; no payload, no button."""
    pairs = []
    for button in buttons:
        title, payload = (button.get("title"), button.get("payload")) if isinstance(button, Mapping) else button
        if payload:
            pairs.append((str(title or payload), str(payload)))
    return pairs


async def send_text(
    application: Application,
    chat_id: int,
    text: str,
    buttons: Iterable[Button] = (),
    user_id: Optional[int] = None,
) -> int:
    """Send `text` (split, right-to-left marks) with optional buttons under it.

    `buttons` are (title, payload) pairs or {"title", "payload"} dicts (Rasa's and the domain's
    notification form). A press forwards the payload to Rasa as a message of the user who pressed;
    when `user_id` is given only that user may press. Returns the number of messages sent.
    """
    assert isinstance(application, MuqeemApplication)
    pairs = button_pairs(buttons)
    chunks = split_message(text) or ([_(CHOOSE_PROMPT)] if pairs else [])
    markup = None
    if pairs:
        markup = inline_keyboard(application.callbacks.register(pairs, user_id=user_id))
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1
        await application.bot.send_message(chat_id, chunk, reply_markup=markup if last else None)
    return len(chunks)


async def send_items(
    application: Application, chat_id: int, items: Iterable[dict[str, Any]], user_id: Optional[int]
) -> int:
    """Render Rasa reply items into the chat; returns the number of messages sent."""
    sent = 0
    for item in items:
        buttons = [button for button in item.get("buttons") or () if isinstance(button, Mapping)]
        if item.get("text") or buttons:
            sent += await send_text(application, chat_id, str(item.get("text") or ""), buttons, user_id)
        if item.get("image"):
            await application.bot.send_photo(chat_id, photo=str(item["image"]))
            sent += 1
        if isinstance(item.get("custom"), dict):
            sent += await _send_custom(application, chat_id, item["custom"])
    return sent


async def _send_custom(application: Application, chat_id: int, custom: dict[str, Any]) -> int:
    """A {"photo_base64"|"document_base64", "filename", "caption"} payload as a photo or document."""
    kind = "photo" if "photo_base64" in custom else "document" if "document_base64" in custom else None
    if kind is None:
        logger.warning("Ignoring a custom payload without photo or document: keys %s", sorted(custom))
        return 0
    try:
        content = base64.b64decode(custom[f"{kind}_base64"], validate=True)
    except (binascii.Error, TypeError, ValueError):
        logger.warning("Ignoring a custom %s payload that is not valid base64", kind)
        return 0
    caption = laid_out(str(custom.get("caption") or ""))
    inline_caption = caption if utf16_len(caption) <= CAPTION_LIMIT else None
    filename = str(custom.get("filename") or ("image.png" if kind == "photo" else "file"))
    if kind == "photo":
        await application.bot.send_photo(chat_id, content, caption=inline_caption, filename=filename)
    else:
        await application.bot.send_document(chat_id, content, caption=inline_caption, filename=filename)
    sent = 1
    if caption and inline_caption is None:
        sent += await send_text(application, chat_id, caption)
    return sent


async def forward_to_rasa(application: Application, chat_id: int, user_id: int, message: str) -> None:
    """Send `message` as `user_id` to Rasa and render the reply, or apologise when Rasa fails."""
    assert isinstance(application, MuqeemApplication)
    with metrics.ANSWER_SECONDS.time():
        try:
            async with (
                typing(application.bot, chat_id),  # "typing…" only if Rasa takes a moment
                showing_progress(application.bot, chat_id, user_id, written_language(message) or current_language()),
            ):
                items = await application.rasa.send(str(user_id), message)
        except RasaUnavailable as error:
            logger.warning("Rasa unavailable for chat %s: %s", chat_id, error)
            metrics.RASA_FAILURES.inc()
            await _apologise(application, chat_id, user_id, message)
            return
        # Rasa's replies are laid out (right-to-left marks or none) for the language the user wrote in.
        with language(written_language(message) or current_language()):
            shown = await send_items(application, chat_id, items, user_id)
        metrics.REPLIES.inc(shown)
        if not shown:
            logger.warning("Rasa answered nothing that can be shown: %s", [sorted(i) for i in items])
            metrics.RASA_FAILURES.inc()
            await _apologise(application, chat_id, user_id, message)


async def _apologise(application: Application, chat_id: int, user_id: int, message: str) -> None:
    """The short apology for a message Rasa gave no usable answer to."""
    with language(await answer_language(user_id, message)):
        await application.bot.send_message(chat_id, _(UNAVAILABLE))
    metrics.REPLIES.inc()
