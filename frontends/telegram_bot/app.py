"""The Telegram front end: a python-telegram-bot Application that relays users to Rasa's REST channel.

Flow: a text message -> POST {MUQEEM_RASA_URL}/webhooks/rest/webhook {"sender": telegram user id,
"message": text} -> each reply item rendered (text split under 4096 characters with right-to-left
marks, buttons as an inline keyboard of short callback ids, image URLs and base64 photo/document
custom payloads). A button press forwards its payload once per keyboard. Typed text starting with
"/" never reaches Rasa; /cancel and /help send intent payloads built here. `/start CODE` activates
the sender through the domain (residency.activation), without Rasa. A passport photo is read here
(frontends/telegram_bot/uploads.py, frontends/passport/passport_ocr.py) and its zone sent as a payload built here; other uploads are
refused. The command menu (setMyCommands), "typing…" and /lang: frontends/telegram_bot/telegram_ui.py.

Environment (read by main()): TELEGRAM_BOT_TOKEN, TELEGRAM_BASE_URL (e.g.
http://127.0.0.1:8081/bot{token}), TELEGRAM_BASE_FILE_URL (derived from the base URL when unset),
MUQEEM_RASA_URL (default http://127.0.0.1:5005), and for a webhook instead of polling MUQEEM_WEBHOOK_URL,
MUQEEM_WEBHOOK_SECRET (random per run when unset), MUQEEM_WEBHOOK_PORT (8443),
MUQEEM_WEBHOOK_LISTEN (0.0.0.0); MUQEEM_BOT_METRICS_PORT for its Prometheus metrics (metrics.py).

Pushed messages: the domain queues `Notification` rows (transfer requests, reminders) and main()
relays them every few seconds (`relay_outbox`, see frontends/telegram_bot/outbox.py); transfer accept/decline buttons
are executed by the domain directly. Hook for other components: `send_text(application, chat_id,
text, buttons)` sends a message the same way replies are sent; `main(background_tasks=[...])` /
`build_application(..., background_tasks=[...])` run coroutines `task(application)` while the
application runs (started by Application.start, cancelled by Application.stop).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import logging
import os
import secrets
import signal
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, Optional, Union
from urllib.parse import urlparse

from aiohttp import web
from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationHandlerStop,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from frontends.telegram_bot import metrics
from frontends.telegram_bot import outbox
from frontends.telegram_bot import uploads
from frontends.telegram_bot.callbacks import CallbackStore, ClaimStatus
from frontends.rasa_client import (
    DEFAULT_RASA_URL,
    DEFAULT_TIMEOUT_SECONDS,
    ESTABLISHMENTS_PAYLOAD,
    RasaClient,
    RasaUnavailable,
)
from frontends.telegram_bot.redaction import install_secret_redaction
from frontends.telegram_bot.reminders import daily_reminders
from frontends.telegram_bot.render import (
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    inline_keyboard,
    laid_out,
    split_message,
    utf16_len,
)
from frontends.telegram_bot.progress import showing_progress
from frontends.telegram_bot.telegram_ui import on_lang, register_commands, typing
from replies import N_, _, current_language, language, reply_language, written_language
from residency.activation import activate
from residency.errors import ResidencyError
from residency.languages import chosen_language

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "callback_query"]
OUTBOX_INTERVAL_SECONDS = 5.0
CANCEL_PAYLOAD = "/cancel"
HELP_PAYLOAD = "/help"

UNAVAILABLE = N_("Sorry, the service is not available right now. Try again in a moment.")
UNEXPECTED_ERROR = N_("Sorry, something unexpected went wrong. Try again in a moment.")
ALREADY_CHOSEN = N_("Your choice was already received")
BUTTONS_EXPIRED = N_("These buttons have expired (the service may have restarted). Write your request again.")
BUTTONS_NOT_YOURS = N_("These buttons are meant for another user.")
CHOOSE_PROMPT = N_("Choose one of the options:")
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


# ---------------------------------------------------------------------------------------------
# The language of the replies the bot makes itself


async def answer_language(user_id: Optional[int], *texts: Optional[str]) -> str:
    """The language of a reply the bot makes itself (not Rasa): the user's choice, else the language of
    `texts` (the message answered, newest first), else Arabic. Looked up only when such a reply is made."""
    stored = await asyncio.to_thread(chosen_language, user_id) if user_id is not None else None
    return reply_language(stored, list(texts))


# ---------------------------------------------------------------------------------------------
# Sending


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


# ---------------------------------------------------------------------------------------------
# Handlers


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


# ---------------------------------------------------------------------------------------------
# The domain's outbox (notifications queued by the domain: transfer requests, reminders)


async def relay_outbox_once(application: Application) -> int:
    """Send the unsent notifications; returns how many were sent. Never raises."""
    try:
        pending = await asyncio.to_thread(outbox.unsent_notifications)
    except Exception:
        logger.exception("Cannot read the notification outbox")
        return 0
    sent = 0
    for notification in pending:
        try:
            await send_text(
                application,
                notification.telegram_id,
                notification.text,
                notification.buttons,
                user_id=notification.telegram_id,
            )
        except (Forbidden, BadRequest) as error:  # blocked the bot, never started it, ...
            logger.warning("Notification %s cannot be delivered, dropped: %s", notification.id, error)
        except TelegramError as error:  # network trouble: retried on the next round
            logger.warning("Notification %s not sent yet: %s", notification.id, error)
            break
        else:
            sent += 1
        try:
            await asyncio.to_thread(outbox.mark_sent, notification.id)
        except Exception:
            logger.exception("Cannot mark notification %s as sent", notification.id)
            break
    return sent


async def relay_outbox(application: Application, interval: float = OUTBOX_INTERVAL_SECONDS) -> None:
    """Background task: relay the outbox every `interval` seconds while the application runs."""
    while True:
        await relay_outbox_once(application)
        await asyncio.sleep(interval)


# ---------------------------------------------------------------------------------------------
# Building and running


def file_url_for(base_url: str) -> str:
    """The file-download base matching a Bot API base: .../bot{token} -> .../file/bot{token}."""
    head, separator, tail = base_url.rpartition("/bot")
    return f"{head}/file/bot{tail}" if separator else base_url


def build_application(
    token: str,
    base_url: Optional[str] = None,
    rasa_url: str = DEFAULT_RASA_URL,
    *,
    base_file_url: Optional[str] = None,
    rasa_timeout: float = DEFAULT_TIMEOUT_SECONDS,
    background_tasks: Sequence[BackgroundTask] = (),
    max_concurrent_updates: int = 64,
    max_send_rate: float = 30.0,
) -> MuqeemApplication:
    """The bot application: handlers, rate limiter, per-chat ordering, Rasa client.

    `base_url` takes python-telegram-bot's form (`http://127.0.0.1:8081/bot{token}`); None means
    Telegram's. `max_send_rate` is the overall messages per second the bot sends (Telegram allows
    about 30; a benchmark against a fake Bot API may raise it). The token is redacted from every log record from now on.
    """
    install_secret_redaction(token)
    builder = (
        Application.builder()
        .token(token)
        .rate_limiter(AIORateLimiter(overall_max_rate=max_send_rate, max_retries=3))
        # Rasa pins apscheduler<3.10, older than PTB's JobQueue needs: no JobQueue (background_tasks instead).
        .job_queue(None)
        .concurrent_updates(PerChatUpdateProcessor(max_concurrent_updates))
        .application_class(
            MuqeemApplication,
            kwargs={
                "rasa": RasaClient(rasa_url, timeout=rasa_timeout),
                "callbacks": CallbackStore(),
                "background_tasks": background_tasks,
            },
        )
    )
    if base_url:
        builder = builder.base_url(base_url)
    if base_file_url or base_url:  # downloads (passport photos) from TELEGRAM_BASE_FILE_URL, as SPEC 9.5 says
        builder = builder.base_file_url(base_file_url or file_url_for(base_url))
    application = builder.build()
    assert isinstance(application, MuqeemApplication)

    only_new_messages = filters.UpdateType.MESSAGE
    application.add_handler(TypeHandler(Update, drop_repeated_update), group=-1)
    application.add_handler(CommandHandler("start", on_start, filters=only_new_messages))
    application.add_handler(CommandHandler("help", on_help, filters=only_new_messages))
    application.add_handler(CommandHandler("cancel", on_cancel, filters=only_new_messages))
    application.add_handler(CommandHandler("lang", on_lang, filters=only_new_messages))
    application.add_handler(CommandHandler("est", on_est, filters=only_new_messages))
    application.add_handler(MessageHandler(only_new_messages & filters.TEXT, on_text))
    # A passport photo, or an image sent as a file (frontends/telegram_bot/uploads.py); any other upload is refused clearly.
    application.add_handler(
        MessageHandler(only_new_messages & (filters.PHOTO | filters.Document.IMAGE), uploads.on_image)
    )
    application.add_handler(
        MessageHandler(only_new_messages & ~filters.TEXT & ~filters.StatusUpdate.ALL, uploads.on_unsupported)
    )
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_error_handler(on_error)
    return application


async def serve_webhook(
    application: Application,
    *,
    url: str,
    secret: str,
    port: int,
    listen: str = "0.0.0.0",
    stop: Optional[asyncio.Event] = None,
) -> None:
    """Receive updates on `url`'s path (aiohttp), accepting only requests carrying `secret`.

    Registers the webhook with Telegram (setWebhook with the secret token), runs until `stop` is
    set, then stops the application.
    """
    stop = stop or asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        try:
            update = Update.de_json(await request.json(), application.bot)
        except Exception:  # malformed JSON or not an update: nothing to process
            logger.warning("Webhook received a body that is not an update")
            return web.Response(status=400)
        await application.update_queue.put(update)
        return web.Response()

    web_app = web.Application()
    web_app.router.add_post(urlparse(url).path or "/", receive)
    runner = web.AppRunner(web_app, access_log=None)
    async with application:
        await application.bot.set_webhook(url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        await application.start()
        await runner.setup()
        try:
            await web.TCPSite(runner, listen, port).start()
            logger.info("Webhook listening on %s:%s", listen, port)
            await stop.wait()
        finally:
            await runner.cleanup()
            await application.stop()


async def _serve_webhook_until_signal(application: Application, **kwargs: Any) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await serve_webhook(application, stop=stop, **kwargs)


def main(background_tasks: Sequence[BackgroundTask] = ()) -> None:
    """Run the bot from environment variables: long polling, or a webhook when MUQEEM_WEBHOOK_URL is set.

    Besides `background_tasks`, the bot relays the domain's notification outbox every few seconds, queues
    the daily reminders (frontends/telegram_bot/reminders.py) and serves its metrics (metrics.py).
    """
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise SystemExit(
            "TELEGRAM_BOT_TOKEN is not set: export the token given by @BotFather "
            "(or use `muqeem chat` for the terminal chat)."
        )
    webhook_url = os.environ.get("MUQEEM_WEBHOOK_URL", "").strip()
    webhook_secret = os.environ.get("MUQEEM_WEBHOOK_SECRET", "").strip() or secrets.token_urlsafe(32)
    install_secret_redaction(token, webhook_secret)
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Bot API request otherwise

    application = build_application(
        token,
        base_url=os.environ.get("TELEGRAM_BASE_URL") or None,
        base_file_url=os.environ.get("TELEGRAM_BASE_FILE_URL") or None,
        rasa_url=os.environ.get("MUQEEM_RASA_URL") or DEFAULT_RASA_URL,
        max_send_rate=float(os.environ.get("MUQEEM_MAX_SEND_RATE") or 30.0),
        background_tasks=[relay_outbox, daily_reminders, metrics.serve_metrics, *background_tasks],
    )
    if webhook_url:
        asyncio.run(
            _serve_webhook_until_signal(
                application,
                url=webhook_url,
                secret=webhook_secret,
                port=int(os.environ.get("MUQEEM_WEBHOOK_PORT") or 8443),
                listen=os.environ.get("MUQEEM_WEBHOOK_LISTEN") or "0.0.0.0",
            )
        )
    else:
        application.run_polling(allowed_updates=ALLOWED_UPDATES)
