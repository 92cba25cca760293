"""Rasa's REST channel (`/webhooks/rest/webhook`) with two checks in front of it, configured in
credentials.yml in place of `rest:`.

- With MUQEEM_CHANNEL_TOKEN set, a message posted without `Authorization: Bearer <token>` gets HTTP 401.
- An empty message, or one longer than nlu.limits allows, is answered with a short request (in the
  language of the message, else the sender's /lang choice, else Arabic) and never reaches the NLU (Rasa answers an empty one with nothing; a long paste of names was read as a
  confident, wrong service request). The answer states the limits as they are enforced: characters in all
  (4096), and characters besides ten-digit numbers, spaces and punctuation (600). A list of iqama numbers
  cut short by the first limit (at most `NUMBERS_PER_MESSAGE` fit) is told how to reach more residents:
  a group in one request (up to rules.yml bulk.max_residents), or the numbers over several messages.
- A message that would overload Rasa (see ALWAYS_ADMITTED: a bound on the messages in Rasa at once, tighter
  while the event loop runs late) is answered at once with a short "busy, try again in a moment" in the
  user's language (issue 24 item 9: 1000 messages in 10 s gave 96 connection resets and a p99 of 19.7 s,
  every message waiting behind all the others).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import response

from runtime.hops import channel_token, presented_token, token_matches
from runtime.metrics import CHANNEL, IN_FLIGHT, MESSAGES, REPLIES, TURN_SECONDS, metrics_response
from replies import N_, _, language, written_language
from nlu.limits import MAX_CHARACTERS, MAX_CHARACTERS_WITHOUT_IDENTIFIERS, message_too_long
from nlu.numbers import ten_digit_numbers
from residency.languages import chosen_language
from residency.rules import RULES
from residency.text_safety import strip_controls

logger = logging.getLogger(__name__)

EMPTY = N_(
    "Your message is empty. Write your request in one line, like: renew iqama 2XXXXXXXXX for a year, or write «help»."
)
# Payloads of Rasa's own conversation-control intents (/restart, /session_start, /back) would reset or
# rewind the conversation without a word; `out_of_scope` and `nlu_fallback` are answered by the domain.
CONTROL_PAYLOAD = re.compile(r"\s*/(restart|back|session_start)\b")
NOT_A_REQUEST = N_(
    "That is not a request I know, so nothing was done. Write your request in your own words, or write «help»."
)
TOO_LONG = N_(
    "Your message is too long and nothing was done. A message holds up to {total} characters in all, and up to "
    "{words} of them besides ten-digit numbers (iqama, visa, border), spaces and punctuation. Write one request "
    "in a short line."
)
TOO_MANY_NUMBERS = N_(
    "Your message is longer than {total} characters in all, so nothing was done: one message holds at most "
    "{numbers} iqama numbers. To reach more residents in one request, name a group instead of the numbers, like "
    "«renew the iqamas expiring within 60 days», «renew the expired iqamas» or «renew all iqamas» (up to "
    "{bulk} residents), or send the numbers over several messages."
)
BUSY = N_("I am answering many messages right now and could not take yours. Send it again in a moment.")
# Admission. Rasa's event loop is one core: past a point, more messages at once only make each wait longer,
# and the loop falls behind even reading new requests (the resets; with 48 slots and no other rule, 100
# messages/s on a loaded machine gave timeouts and no busy answer; 16 gave none, 24 gave resets; a lag
# limit of 250 ms let resets and timeouts back in). So
# ALWAYS_ADMITTED messages are always let in, and more, up to MAX_MESSAGES_IN_FLIGHT (what the bot sends at
# once), only while the loop keeps up: a timer due every LAG_PROBE_SECONDS fired less than MAX_LAG_SECONDS
# late. Twenty agents with a message each are served; a flood is answered "busy" before it swamps the loop.
ALWAYS_ADMITTED = 8
MAX_MESSAGES_IN_FLIGHT = 64
LAG_PROBE_SECONDS = 0.05
MAX_LAG_SECONDS = 0.1
# Ten digits and one separator each: no more iqama numbers than this fit in MAX_CHARACTERS.
NUMBERS_PER_MESSAGE = (MAX_CHARACTERS + 1) // 11


def too_long_answer(text: str) -> str:
    """What a message over the length limits is told (see the module docstring)."""
    if len(text) > MAX_CHARACTERS and len(ten_digit_numbers(text)) > 1:
        return _(TOO_MANY_NUMBERS).format(
            total=MAX_CHARACTERS, numbers=NUMBERS_PER_MESSAGE, bulk=RULES["bulk"]["max_residents"]
        )
    return _(TOO_LONG).format(total=MAX_CHARACTERS, words=MAX_CHARACTERS_WITHOUT_IDENTIFIERS)


def refusal(sender: str, text: str, stored: str | None = None) -> list[dict] | None:
    """The answer to a message that must not reach the NLU (empty, or too long), else None; in the
    language the message is written in, else the sender's own choice (`stored`), else Arabic."""
    with language(written_language(text) or stored):
        if not strip_controls(text).strip():
            return [{"recipient_id": sender, "text": _(EMPTY)}]
        if message_too_long(text):
            return [{"recipient_id": sender, "text": too_long_answer(text)}]
        if CONTROL_PAYLOAD.match(strip_controls(text)):
            return [{"recipient_id": sender, "text": _(NOT_A_REQUEST)}]
    return None


class InFlight:
    """The messages being answered and how late the event loop runs (one event loop: no lock needed)."""

    def __init__(self, always: int = ALWAYS_ADMITTED, bound: int = MAX_MESSAGES_IN_FLIGHT) -> None:
        self.always, self.bound = always, bound
        self.count = 0
        self.lag = 0.0  # seconds, the latest measure (watch_lag)

    def admits(self) -> bool:
        """Whether one more message may go in now (see ALWAYS_ADMITTED)."""
        return self.count < self.always or (self.count < self.bound and self.lag < MAX_LAG_SECONDS)

    @contextmanager
    def slot(self) -> Iterator[bool]:
        """A slot for one message while the block runs: True if it was admitted."""
        admitted = self.admits()
        self.count += admitted
        try:
            yield admitted
        finally:
            self.count -= admitted

    async def watch_lag(self) -> None:
        """Measure how late the event loop runs, until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + LAG_PROBE_SECONDS
            await asyncio.sleep(LAG_PROBE_SECONDS)
            self.lag = loop.time() - due


async def busy_answer(sender: str, text: str) -> str:
    """The busy answer, in the language of the message, else the sender's own choice, else Arabic."""
    written = written_language(text)
    with language(written or await asyncio.to_thread(chosen_language, sender)):
        return _(BUSY)


def bounded(on_new_message: Callable[[UserMessage], Awaitable[None]], in_flight: InFlight):
    """`on_new_message` for at most `in_flight.bound` messages at once; the others get the busy answer.
    Counted (runtime.metrics): each message's outcome, its reply items and its time to the answer."""

    async def handle(message: UserMessage) -> None:
        started = time.perf_counter()
        with in_flight.slot() as admitted:
            if not admitted:
                MESSAGES.labels("busy").inc()
                answer = await busy_answer(message.sender_id, message.text or "")
                await message.output_channel.send_text_message(message.sender_id, answer)
                return
            try:
                await on_new_message(message)
            finally:
                count_turn(message, started)

    return handle


def count_turn(message: UserMessage, started: float) -> None:
    """A message Rasa answered: "failed" when nothing came back (Rasa's REST channel swallows errors)."""
    replies = message.output_channel.messages if isinstance(message.output_channel, CollectingOutputChannel) else []
    MESSAGES.labels("answered" if replies else "failed").inc()
    REPLIES.inc(len(replies))
    TURN_SECONDS.observe(time.perf_counter() - started)


class GuardedRestInput(RestInput):
    """The REST channel, same name and URL, with the token and length checks, a bound on the messages in
    Rasa at once, and its metrics at /webhooks/rest/metrics (runtime.metrics)."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message):
        in_flight = InFlight()
        IN_FLIGHT.set_function(lambda: in_flight.count)
        webhook = super().blueprint(bounded(on_new_message, in_flight))
        expected = channel_token()

        @webhook.listener("after_server_start")
        async def watch_lag(app, loop):
            app.add_task(in_flight.watch_lag())

        @webhook.route("/metrics", methods=["GET"])
        async def metrics(request):
            return metrics_response(CHANNEL, request)

        @webhook.middleware("request")
        async def guard(request):
            if request.method != "POST":
                return None  # GET /webhooks/rest/: the channel's health check, which tells nothing
            if not token_matches(expected, presented_token(request.headers, {})):
                MESSAGES.labels("unauthorized").inc()
                return response.json({"error": "unauthorized"}, status=401)
            if request.path.endswith("/webhook"):
                body = request.json if isinstance(request.json, dict) else {}
                sender, message = str(body.get("sender") or "default"), str(body.get("message") or "")
                answer = refusal(sender, message)
                if answer is not None and written_language(message) is None:
                    # no words to tell the language by: the sender's own choice, if any (rare: read then)
                    stored = await asyncio.to_thread(chosen_language, sender)
                    answer = refusal(sender, message, stored) if stored else answer
                if answer is not None:
                    MESSAGES.labels("refused").inc()
                    return response.json(answer)
            return None

        return webhook
