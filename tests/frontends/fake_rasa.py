"""A fake Rasa REST channel (aiohttp, loopback) with scripted replies; records every message."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Optional, Union

from aiohttp import web

Reply = Union[list, dict, web.Response]


def echo(sender: str, message: str) -> Reply:
    return [{"recipient_id": sender, "text": f"وصلني: {message}"}]


class FakeRasa:
    """`reply(sender, message)` decides each answer: a JSON value, or an aiohttp Response (e.g. 500)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.reply: Callable[[str, str], Reply] = echo
        # seconds before answering (to provoke the client's timeout, or reorder chats): a number,
        # or a function of the message
        self.delay: Union[float, Callable[[str], float]] = 0.0
        self._runner: Optional[web.AppRunner] = None

    async def start(self, port: int = 0) -> str:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port, reuse_address=True)
        await site.start()
        return f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def messages(self) -> list[str]:
        return [message for _, message in self.received]

    async def _handle(self, request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        self.received.append((body["sender"], body["message"]))
        delay = self.delay(body["message"]) if callable(self.delay) else self.delay
        if delay:
            await asyncio.sleep(delay)
        answer = self.reply(body["sender"], body["message"])
        if isinstance(answer, web.Response):
            return answer
        return web.json_response(answer)
