"""Client of Rasa's REST channel (`POST /webhooks/rest/webhook`).

Rasa's REST channel logs and swallows exceptions and then answers HTTP 200 with an empty (or partial)
list, so an empty answer is a failure here, like a refused connection, a timeout or an HTTP error.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

import httpx

from bot.hops import bearer_header

DEFAULT_RASA_URL = "http://127.0.0.1:5005"
# A reply may take long: a bulk confirmation of 1000 residents runs about 20-30 s on two cores ("typing…"
# shows meanwhile). A Rasa that is down refuses the connection at once, whatever this is.
DEFAULT_TIMEOUT_SECONDS = 120.0
REST_WEBHOOK_PATH = "/webhooks/rest/webhook"

logger = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa did not give a usable answer (down, slow, HTTP error, malformed or empty answer)."""


class RasaClient:
    """Sends one user message to Rasa and returns its reply items (dicts with text/buttons/...)."""

    def __init__(
        self,
        base_url: str = DEFAULT_RASA_URL,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.webhook_url = base_url.rstrip("/") + REST_WEBHOOK_PATH
        self._timeout = timeout
        self._client: Optional[httpx.AsyncClient] = None

    async def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        """Forward `message` from `sender`; raises RasaUnavailable unless Rasa answered something."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, headers=bearer_header())
        try:
            response = await self._client.post(self.webhook_url, json={"sender": sender, "message": message})
            response.raise_for_status()
            items = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailable(f"{type(error).__name__}: {error}") from error
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise RasaUnavailable(f"unexpected answer shape: {type(items).__name__}")
        if not items:
            raise RasaUnavailable("empty answer (Rasa swallowed an error or has nothing to say)")
        return items

    async def aclose(self) -> None:
        """Close the connection pool (the client can be used again afterwards)."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
