"""Files users send the bot: a passport photo (a photo, or an image sent as a file) is read here and its
machine-readable zone goes to Rasa; everything else gets a clear answer and never reaches Rasa.

- Photo / image document (JPEG, PNG, WebP, HEIC ... any image/* type) up to MAX_UPLOAD_BYTES: downloaded
  through the Bot API (getFile, then the file URL under TELEGRAM_BASE_FILE_URL), read by
  frontends.passport.passport_ocr in a worker thread (one at a time: OCR takes both cores for a moment) while "typing…"
  shows, then sent as `/passport_photo{"mrz": "LINE1\\nLINE2"}` (json.dumps of characters A-Z 0-9 < and
  one newline, or "" when nothing was read: the action answers every outcome, activation first).
- Larger than MAX_UPLOAD_BYTES (Telegram's own file_size, checked before downloading, and the bytes
  after): TOO_LARGE. Another document (.zip, .pdf ...), a voice note, audio, video, sticker ...: UNSUPPORTED.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from frontends.passport import passport_ocr
from frontends.telegram_bot.sending import answer_language, forward_to_rasa, send_text
from frontends.telegram_bot.telegram_ui import typing
from frontends.passport.upload import MAX_UPLOAD_BYTES, TOO_LARGE, passport_payload
from replies import N_, _, language

logger = logging.getLogger(__name__)

OCR_SLOT = "passport_ocr_slot"  # bot_data key of the application's one-at-a-time OCR semaphore

UNSUPPORTED = N_(
    "I do not take this kind of message or file. I take a photo of a passport's data page (a photo, or an image file "
    "JPG/PNG up to 10 MB) to update a resident's passport; for anything else write your request, like: iqama "
    "inquiry 2180967925"
)
DOWNLOAD_FAILED = N_(
    "The photo could not be downloaded from Telegram, so nothing was changed. Send it again in a moment."
)


def _upload(message: Message):
    """(file, declared size) of the image the message carries, or None when it carries no image."""
    if message.photo:
        largest = max(message.photo, key=lambda size: size.width * size.height)
        return largest, largest.file_size
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return document, document.file_size
    return None


async def on_image(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo or an image file: read its passport zone and send it to Rasa as the user's message."""

    application, message = context.application, update.effective_message
    chat_id, user_id = update.effective_chat.id, update.effective_user.id
    upload = _upload(message)
    if upload is None:
        await _refuse(update, context, UNSUPPORTED)
        return
    attachment, size = upload
    if size is not None and size > MAX_UPLOAD_BYTES:
        await _refuse(update, context, TOO_LARGE)
        return
    async with typing(context.bot, chat_id, delay=0):
        try:
            telegram_file = await attachment.get_file()
            content = bytes(await telegram_file.download_as_bytearray())
        except TelegramError as error:
            logger.warning("Could not download a photo of chat %s: %s", chat_id, error)
            await _refuse(update, context, DOWNLOAD_FAILED)
            return
        if len(content) > MAX_UPLOAD_BYTES:
            await _refuse(update, context, TOO_LARGE)
            return
        async with application.bot_data.setdefault(OCR_SLOT, asyncio.Semaphore(1)):
            zone = await asyncio.to_thread(passport_ocr.read_mrz, content)
        logger.info("Passport photo of chat %s: zone %s", chat_id, "read" if zone else "not read")
        await forward_to_rasa(application, chat_id, user_id, passport_payload(zone))


async def on_unsupported(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Voice notes, audio, video, stickers, non-image documents ...: what the bot accepts instead."""
    await _refuse(update, context, UNSUPPORTED)


async def _refuse(update: Update, context: ContextTypes.DEFAULT_TYPE, message_id: str) -> None:
    """Answer an upload with `message_id`, in the user's language (their choice, else the caption's)."""

    caption = update.effective_message.caption if update.effective_message is not None else None
    user_id = update.effective_user.id if update.effective_user is not None else None
    with language(await answer_language(user_id, caption)):
        await send_text(context.application, update.effective_chat.id, _(message_id))
