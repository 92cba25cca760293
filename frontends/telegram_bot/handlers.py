"""One handler per concern: a repeated update dropped, /start (activation through the domain, without Rasa),
/help, /cancel, /est and /lang, typed text (never a "/" payload to Rasa), a button press (answered always,
forwarded once per keyboard; transfer answers to the domain), and the error handler that tells the user
something useful."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Any, Optional

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    ContextTypes,
)

from frontends.telegram_bot import metrics
from frontends.telegram_bot import outbox
from frontends.telegram_bot.callbacks import ClaimStatus
from frontends.rasa_client import (
    ESTABLISHMENTS_PAYLOAD,
)
from frontends.telegram_bot.render import (
    MESSAGE_LIMIT,
    laid_out,
    utf16_len,
)
from replies import N_, _, current_language, language, written_language
from residency.activation import activate
from residency.errors import ResidencyError

from frontends import lang_command
from frontends.telegram_bot.application import MuqeemApplication
from frontends.telegram_bot.sending import UNAVAILABLE, answer_language, forward_to_rasa, send_text

logger = logging.getLogger(__name__)


CANCEL_PAYLOAD = "/cancel"


HELP_PAYLOAD = "/help"


UNEXPECTED_ERROR = N_("Sorry, something unexpected went wrong. Try again in a moment.")


ALREADY_CHOSEN = N_("Your choice was already received")


BUTTONS_EXPIRED = N_("These buttons have expired (the service may have restarted). Write your request again.")


BUTTONS_NOT_YOURS = N_("These buttons are meant for another user.")


CHOSEN_MARK = "✔"


UNKNOWN_COMMAND = N_(
    "This command is unknown. The commands are: /help for help, /cancel to cancel the current request.\n"
    "Or write your request in your own words, like: renew iqama 2180967925 for a year"
)


WELCOME = N_(
    "Welcome to Muqeem, the assistant for your establishment's residency services.\n"
    "To activate your account: the establishment's owner gets an activation code from the system administrator "
    "(the command muqeem code issue), then sends it here like this: /start CODE\n"
    "If your account is already active, write your request directly, or send /help to see what I can do."
)


ACTIVATE_IN_PRIVATE = N_("Send the activation code in a private chat with the assistant, not in a group.")


ACTIVATED = N_(
    "Your account is activated for «{establishment}» as {role}.\n"
    "Write your request now, or send /help to see what I can do."
)


ROLE_NAMES = {"owner": N_("the establishment's owner"), "agent": N_("an authorised agent")}


async def drop_repeated_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Group -1: an update id seen before (Telegram delivers at least once) stops here."""
    assert isinstance(context.application, MuqeemApplication)
    if not context.application.seen_updates.add(update.update_id):
        logger.info("Dropping repeated update %s", update.update_id)
        raise ApplicationHandlerStop
    message = update.message
    upload = message is not None and bool(message.photo or message.document)
    text = message.text if message is not None else None
    metrics.UPDATES.labels(metrics.update_kind(text, update.callback_query is not None, upload)).inc()


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/start` welcomes; `/start CODE` activates the sender with a one-time code."""
    application = context.application
    assert isinstance(application, MuqeemApplication)
    chat, user = update.effective_chat, update.effective_user
    code = " ".join(context.args or ()).strip()
    with language(await answer_language(user.id)):
        if not code:
            await send_text(application, chat.id, _(WELCOME))
            return
        if chat.type != ChatType.PRIVATE:
            await send_text(application, chat.id, _(ACTIVATE_IN_PRIVATE))
            return
        try:
            # The domain opens its own database transaction; it is blocking, so not on the event loop.
            result = await asyncio.to_thread(activate, user.id, code)
        except ResidencyError as error:
            await send_text(application, chat.id, error.message)
            return
        except Exception:
            logger.exception("Activation failed for user %s", user.id)
            await send_text(application, chat.id, _(UNAVAILABLE))
            return
        role = _(ROLE_NAMES.get(result.role, result.role))
        await send_text(application, chat.id, _(ACTIVATED).format(establishment=result.establishment_name, role=role))


async def on_help(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/help` asks Rasa's help intent (a payload built here, never the user's text)."""
    await forward_to_rasa(context.application, update.effective_chat.id, update.effective_user.id, HELP_PAYLOAD)


async def on_est(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/est` lists the account's establishments to work on, as buttons (SPEC 10.4)."""
    await forward_to_rasa(
        context.application, update.effective_chat.id, update.effective_user.id, ESTABLISHMENTS_PAYLOAD
    )


async def on_cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/cancel` sends Rasa's cancel intent (a payload built here, never the user's text)."""
    await forward_to_rasa(context.application, update.effective_chat.id, update.effective_user.id, CANCEL_PAYLOAD)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed text goes to Rasa, except anything starting with "/" (Rasa would read it as an intent)."""
    text = update.message.text
    chat_id = update.effective_chat.id
    # Rasa strips the message before its "/intent" check, so strip the same way here.
    if text.strip().startswith("/"):
        with language(await answer_language(update.effective_user.id, text)):
            await send_text(context.application, chat_id, _(UNKNOWN_COMMAND))
        return
    await forward_to_rasa(context.application, chat_id, update.effective_user.id, text)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button press: answered always, forwarded to Rasa only for the first press of a keyboard."""
    application = context.application
    assert isinstance(application, MuqeemApplication)
    query = update.callback_query
    claim = application.callbacks.claim(query.data or "", query.from_user.id)
    # The message the keyboard is under tells the language of the conversation (a press has no words).
    keyboard_text = query.message.text if isinstance(query.message, Message) else None
    if claim.status is not ClaimStatus.ACCEPTED:
        with language(await answer_language(query.from_user.id, keyboard_text)):
            if claim.status is ClaimStatus.ALREADY_USED:
                await query.answer(_(ALREADY_CHOSEN))
            elif claim.status is ClaimStatus.NOT_YOURS:
                await query.answer(_(BUTTONS_NOT_YOURS))
            else:
                await query.answer(_(BUTTONS_EXPIRED), show_alert=True)
                if isinstance(query.message, Message):
                    await _edit_quietly(query.edit_message_reply_markup(None))
        return
    await query.answer()
    chat_id = query.message.chat.id if query.message is not None else query.from_user.id
    with language(written_language(keyboard_text) or current_language()):
        await _show_choice(query, claim.title)
        if outbox.is_domain_payload(claim.payload):
            await _answer_domain_button(application, chat_id, query.from_user.id, claim.payload, keyboard_text)
        else:
            await forward_to_rasa(application, chat_id, query.from_user.id, claim.payload)


async def _answer_domain_button(
    application: Application, chat_id: int, user_id: int, payload: str, keyboard_text: Optional[str] = None
) -> None:
    """A button the domain answers directly (a sponsorship transfer decision), not through Rasa."""
    with language(await answer_language(user_id, keyboard_text)):
        try:
            answer = await asyncio.to_thread(outbox.answer_domain_payload, user_id, payload)
        except ResidencyError as error:
            answer = error.message
        except Exception:
            logger.exception("Domain button %r failed for user %s", payload, user_id)
            answer = None
        await send_text(application, chat_id, answer or _(UNAVAILABLE))


async def _show_choice(query: CallbackQuery, title: str) -> None:
    """Remove the keyboard and append the chosen title to the message text."""
    if not isinstance(query.message, Message):
        return  # too old to be edited
    text = query.message.text
    if text:
        new_text = f"{text}\n\n{laid_out(f'{CHOSEN_MARK} {title}')}"
        if utf16_len(new_text) <= MESSAGE_LIMIT:
            # Editing the text without a reply_markup also removes the inline keyboard.
            await _edit_quietly(query.edit_message_text(new_text))
            return
    await _edit_quietly(query.edit_message_reply_markup(None))


async def _edit_quietly(edit: Awaitable[Any]) -> None:
    """An edit that may fail (message too old, deleted, not modified) without stopping the flow."""
    try:
        await edit
    except TelegramError as error:
        logger.warning("Could not edit the message of a pressed button: %s", error)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error (secrets are redacted by frontends.telegram_bot.redaction) and tell the user a short apology."""
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("Error while handling update %s", update_id, exc_info=context.error)
    metrics.ERRORS.inc()
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user_id = update.effective_user.id if update.effective_user is not None else None
    text = update.effective_message.text if update.effective_message is not None else None
    try:
        with language(await answer_language(user_id, text)):
            await context.bot.send_message(update.effective_chat.id, _(UNEXPECTED_ERROR))
    except TelegramError as error:
        logger.warning("Could not send the apology: %s", error)


async def on_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/lang ar|en` keeps the user's reply language (activated users) and answers in it; `/lang` says
    the current one, `/lang xx` the choices."""
    application, chat_id, user_id = context.application, update.effective_chat.id, update.effective_user.id
    choice = " ".join(context.args or ()).strip()
    with language(await answer_language(user_id)):
        try:
            if not choice:
                text = lang_command.describe(await asyncio.to_thread(lang_command.current_choice, user_id))
            else:
                chosen = await asyncio.to_thread(lang_command.choose, user_id, choice)
                with language(chosen):
                    await send_text(application, chat_id, _(lang_command.LANG_CHOSEN[chosen]))
                return
        except ResidencyError as error:
            text = error.message
        except Exception:
            logger.exception("/lang failed for user %s", user_id)
            text = _(UNAVAILABLE)
        await send_text(application, chat_id, text)
