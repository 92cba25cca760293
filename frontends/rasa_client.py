"""The one client of Rasa's REST channel (`POST /webhooks/rest/webhook`), for both front ends: `send`
for the Telegram bot's event loop, `send_blocking` for the terminal chat.

Rasa's REST channel logs and swallows exceptions and then answers HTTP 200 with an empty (or partial)
list, so an empty answer is a failure here, like a refused connection, a timeout or an HTTP error.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

import httpx

from frontends.hop_secret import bearer_header

DEFAULT_RASA_URL = "http://127.0.0.1:5005"
# A reply may take long: a bulk confirmation of 1000 residents runs about 20-30 s on two cores ("typing…"
# shows meanwhile). A Rasa that is down refuses the connection at once, whatever this is.
DEFAULT_TIMEOUT_SECONDS = 120.0
REST_WEBHOOK_PATH = "/webhooks/rest/webhook"
# `/est` in both front ends: Rasa's intent that lists the account's establishments to choose from.
ESTABLISHMENTS_PAYLOAD = "/choose_establishment"

logger = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not give a usable answer (down, slow, HTTP error, malformed or empty answer)."""


class RasaUnreachable(RasaUnavailable):
    """Nothing answered at the address in time (refused, timed out, network error)."""


class RasaClient:
    """Sends one user message to Rasa and returns its reply items (dicts with text/buttons/...)."""

    def __init__(
        self,
        base_url: str = DEFAULT_RASA_URL,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.base_url = base_url
        self.webhook_url = base_url.rstrip("/") + REST_WEBHOOK_PATH
        self._timeout = timeout
        self._client: Optional[httpx.AsyncClient] = None
        self._blocking: Optional[httpx.Client] = None

    async def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        """Forward `message` from `sender`; raises RasaUnavailable unless Rasa answered something."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, headers=bearer_header())
        try:
            response = await self._client.post(self.webhook_url, json={"sender": sender, "message": message})
        except httpx.TransportError as error:
            raise RasaUnreachable(f"{type(error).__name__}: {error}") from error
        return _reply_items(response)

    def send_blocking(self, sender: str, message: str) -> list[dict[str, Any]]:
        """`send`, waiting in this thread (the terminal chat has no event loop)."""
        if self._blocking is None:
            self._blocking = httpx.Client(timeout=self._timeout, headers=bearer_header())
        try:
            response = self._blocking.post(self.webhook_url, json={"sender": sender, "message": message})
        except httpx.TransportError as error:
            raise RasaUnreachable(f"{type(error).__name__}: {error}") from error
        return _reply_items(response)

    async def aclose(self) -> None:
        """Close the connection pools (the client can be used again afterwards)."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._blocking is not None:
            self._blocking.close()
            self._blocking = None


def _reply_items(response: httpx.Response) -> list[dict[str, Any]]:
    """The reply items of Rasa's answer; RasaUnavailable for an HTTP error, a malformed or an empty answer."""
    try:
        response.raise_for_status()
        items = response.json()
    except (httpx.HTTPError, ValueError) as error:
        raise RasaUnavailable(f"{type(error).__name__}: {error}") from error
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise RasaUnavailable(f"unexpected answer shape: {type(items).__name__}")
    if not items:
        raise RasaUnavailable("empty answer (Rasa swallowed an error or has nothing to say)")
    return items
