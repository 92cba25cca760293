"""The Telegram front end: a python-telegram-bot Application that relays users to Rasa's REST channel.

Flow: a text message -> POST {MUQEEM_RASA_URL}/webhooks/rest/webhook {"sender": telegram user id,
"message": text} -> each reply item rendered (text split under 4096 characters with right-to-left
marks, buttons as an inline keyboard of short callback ids, image URLs and base64 photo/document
custom payloads). A button press forwards its payload once per keyboard. Typed text starting with
"/" never reaches Rasa; /cancel and /help send intent payloads built here. `/start CODE` activates
the sender through the domain (residency.activation), without Rasa. A passport photo is read here
(frontends/telegram_bot/uploads.py, frontends/passport/passport_ocr.py) and its zone sent as a payload built here; other uploads are
refused. The modules, by concern: application.py (the Application: per-chat order, background tasks),
sending.py (replies rendered and sent, a message forwarded to Rasa), handlers.py (one handler per command,
text, button, and the error handler), outbox.py (pushed notifications), uploads.py (photos and files),
telegram_ui.py (the command menu, "typing…"), progress.py (a long bulk execution's progress); this module
builds the application and runs it (polling or webhook).

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
import hmac
import logging
import os
import secrets
import signal
from collections.abc import Sequence
from typing import Any, Optional
from urllib.parse import urlparse

from aiohttp import web
from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from frontends.telegram_bot import metrics
from frontends.telegram_bot import uploads
from frontends.telegram_bot.callbacks import CallbackStore
from frontends.rasa_client import (
    DEFAULT_RASA_URL,
    DEFAULT_TIMEOUT_SECONDS,
    RasaClient,
)
from frontends.telegram_bot.redaction import install_secret_redaction
from frontends.telegram_bot.reminders import daily_reminders

from frontends.telegram_bot.application import BackgroundTask, MuqeemApplication, PerChatUpdateProcessor
from frontends.telegram_bot.handlers import (
    drop_repeated_update,
    on_button,
    on_cancel,
    on_error,
    on_est,
    on_help,
    on_lang,
    on_start,
    on_text,
)
from frontends.telegram_bot.outbox import relay_outbox

logger = logging.getLogger(__name__)


ALLOWED_UPDATES = ["message", "callback_query"]


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
