"""Rasa's REST channel (`/webhooks/rest/webhook`) with two checks in front of it, configured in
credentials.yml in place of `rest:`.

- With MUQEEM_CHANNEL_TOKEN set, a message posted without `Authorization: Bearer <token>` gets HTTP 401.
- An empty message, or one longer than nlu.limits allows, is answered with a short request and never
  reaches the NLU (Rasa answers an empty one with nothing; a long paste of names was read as a
  confident, wrong service request).
"""

from __future__ import annotations

import re

from rasa.core.channels.rest import RestInput
from sanic import response

from bot.hops import channel_token, presented_token, token_matches
from nlu.limits import MAX_CHARACTERS_WITHOUT_IDENTIFIERS, message_too_long
from residency.text_safety import strip_controls

ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
EMPTY = {
    "ar": "رسالتك فارغة. اكتب طلبك في سطر، مثل: جدد اقامة 2XXXXXXXXX سنة، أو اكتب «مساعدة».",
    "en": "Your message is empty. Write your request in one line, or write «help».",
}
# Payloads of Rasa's own conversation-control intents (/restart, /session_start, /back) would reset or
# rewind the conversation without a word; `out_of_scope` and `nlu_fallback` are answered by the domain.
CONTROL_PAYLOAD = re.compile(r"\s*/(restart|back|session_start)\b")
NOT_A_REQUEST = {
    "ar": "هذا ليس طلبًا أعرفه، فلم يُنفَّذ شيء. اكتب طلبك بكلماتك، أو اكتب «مساعدة».",
    "en": "That is not a request I know, so nothing was done. Write your request in your own words, or «help».",
}
TOO_LONG = {
    "ar": "رسالتك طويلة جدًا ولم تُنفَّذ. اكتب طلبًا واحدًا في سطر قصير (حتى {limit} حرف، عدا أرقام الإقامات).",
    "en": "Your message is too long and nothing was done. Write one request in a short line "
    "(up to {limit} characters, iqama numbers aside).",
}


def refusal(sender: str, text: str) -> list[dict] | None:
    """The answer to a message that must not reach the NLU (empty, or too long), else None."""
    language = "ar" if ARABIC_LETTER.search(text) or not text.strip() else "en"
    if not strip_controls(text).strip():
        return [{"recipient_id": sender, "text": EMPTY[language]}]
    if message_too_long(text):
        return [{"recipient_id": sender, "text": TOO_LONG[language].format(limit=MAX_CHARACTERS_WITHOUT_IDENTIFIERS)}]
    if CONTROL_PAYLOAD.match(strip_controls(text)):
        return [{"recipient_id": sender, "text": NOT_A_REQUEST[language]}]
    return None


class GuardedRestInput(RestInput):
    """The REST channel, same name and URL, with the token and length checks."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message):
        webhook = super().blueprint(on_new_message)
        expected = channel_token()

        @webhook.middleware("request")
        async def guard(request):
            if request.method != "POST":
                return None  # GET /webhooks/rest/: the channel's health check, which tells nothing
            if not token_matches(expected, presented_token(request.headers, {})):
                return response.json({"error": "unauthorized"}, status=401)
            if request.path.endswith("/webhook"):
                body = request.json if isinstance(request.json, dict) else {}
                answer = refusal(str(body.get("sender") or "default"), str(body.get("message") or ""))
                if answer is not None:
                    return response.json(answer)
            return None

        return webhook
