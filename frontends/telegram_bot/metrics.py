"""The bot's Prometheus metrics (the operator's view, issue 24), served at /metrics on
MUQEEM_BOT_METRICS_PORT (host MUQEEM_BOT_METRICS_HOST, loopback by default) behind the hops' secret
(frontends/hop_secret.py: MUQEEM_CHANNEL_TOKEN, else the hop token `muqeem bot` is started with): updates
by kind, messages sent, the time from an update to its answer, Rasa failures (the apology instead) and
errors of the handlers. Without a port there is no listener; without a secret, no metrics are served.
"""

from __future__ import annotations

import asyncio
import logging
import os

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

from frontends.hop_secret import hop_token_given, presented_token, token_matches

logger = logging.getLogger(__name__)
SECONDS_BUCKETS = (0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 30.0, 60.0, 120.0)

REGISTRY = CollectorRegistry()
UPDATES = Counter("muqeem_bot_updates", "Telegram updates received, by kind", ["kind"], registry=REGISTRY)
REPLIES = Counter("muqeem_bot_replies", "Messages the bot sent in answer (apologies included)", registry=REGISTRY)
ANSWER_SECONDS = Histogram(
    "muqeem_bot_answer_seconds",
    "From forwarding a message to Rasa to its answer sent",
    buckets=SECONDS_BUCKETS,
    registry=REGISTRY,
)
RASA_FAILURES = Counter("muqeem_bot_rasa_failures", "Messages Rasa gave no usable answer to", registry=REGISTRY)
ERRORS = Counter("muqeem_bot_errors", "Updates whose handler failed (the user got an apology)", registry=REGISTRY)


def update_kind(text: str | None, button: bool, upload: bool) -> str:
    """button, command, text, upload or other."""
    if button:
        return "button"
    if upload:
        return "upload"
    if text is None:
        return "other"
    return "command" if text.startswith("/") else "text"


async def metrics(request: web.Request) -> web.Response:
    if not token_matches(hop_token_given(), presented_token(request.headers, request.query)):
        return web.json_response({"error": "unauthorized"}, status=401)
    return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})


async def serve_metrics(application: object) -> None:
    """Background task of the bot: the /metrics listener while the bot runs (nothing without a port)."""
    port = os.environ.get("MUQEEM_BOT_METRICS_PORT", "").strip()
    if not port:
        return
    if hop_token_given() is None:
        logger.warning("MUQEEM_BOT_METRICS_PORT is set but no secret is: the bot serves no metrics")
        return
    app = web.Application()
    app.router.add_get("/metrics", metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, os.environ.get("MUQEEM_BOT_METRICS_HOST") or "127.0.0.1", int(port)).start()
        await asyncio.Event().wait()  # until the bot stops (the task is cancelled)
    finally:
        await runner.cleanup()
