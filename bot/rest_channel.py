"""Rasa's REST channel (`/webhooks/rest/webhook`) with two checks in front of it, configured in
credentials.yml in place of `rest:`.

- With MUQEEM_CHANNEL_TOKEN set, a message posted without `Authorization: Bearer <token>` gets HTTP 401.
- A message longer than nlu.limits allows is answered with a short request to split it, and never
  reaches the NLU (a long paste of names was read as a confident, wrong service request).
"""
from __future__ import annotations

import re

from rasa.core.channels.rest import RestInput
from sanic import response

from bot.hops import channel_token, presented_token, token_matches
from nlu.limits import MAX_CHARACTERS_WITHOUT_IDENTIFIERS, message_too_long

ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
TOO_LONG = {
    "ar": "رسالتك طويلة جدًا ولم تُنفَّذ. اكتب طلبًا واحدًا في سطر قصير (حتى {limit} حرف، عدا أرقام الإقامات).",
    "en": "Your message is too long and nothing was done. Write one request in a short line "
          "(up to {limit} characters, iqama numbers aside).",
}


def too_long_reply(sender: str, text: str) -> list[dict]:
    language = "ar" if ARABIC_LETTER.search(text) else "en"
    return [{"recipient_id": sender, "text": TOO_LONG[language].format(limit=MAX_CHARACTERS_WITHOUT_IDENTIFIERS)}]


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
                text = str(body.get("message") or "")
                if message_too_long(text):
                    return response.json(too_long_reply(str(body.get("sender") or "default"), text))
            return None

        return webhook
