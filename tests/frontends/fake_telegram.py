"""A fake Telegram Bot API server (aiohttp, loopback) for driving the real bot application.

It accepts requests the way the real server does: JSON bodies, form-encoded bodies (values of
objects such as reply_markup as JSON strings) and multipart uploads; the URL is
/bot<TOKEN>/<method>. Every call is recorded. Files users send (`push_photo`, `push_document`) are
served like Telegram's: getFile gives a file_path, downloaded from /file/bot<TOKEN>/<file_path>
(`file_downloads` counts the downloads). getUpdates long-polls and honours `offset` (updates
below the offset that were already delivered are confirmed and dropped), so tests inject updates,
including repeats of an old update id, and the bot fetches them as from Telegram.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from aiohttp import web

# The bot token of every test (a fake Bot API accepts it; Telegram never sees it).
TOKEN = "123456789:AAFakeTokenForTests-only_0123456789xy"

BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "Muqeem", "username": "muqeem_test_bot"}
_OBJECT_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "entities",
    "caption_entities",
    "commands",
    "link_preview_options",
    "reply_parameters",
}
_INTEGER_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "cache_time"}
_BOOLEAN_FIELDS = {"show_alert", "drop_pending_updates", "disable_notification"}
_COMMAND = re.compile(r"^/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    content_type: str = ""
    result: Any = None  # what the fake answered (the sent Message for send* methods)


@dataclass
class _Pending:
    update: dict[str, Any]
    delivered: bool = False


def _coerce(name: str, value: str) -> Any:
    if name in _OBJECT_FIELDS:
        return json.loads(value)
    if name in _INTEGER_FIELDS:
        try:
            return int(value)
        except ValueError:
            return value
    if name in _BOOLEAN_FIELDS:
        return value.lower() == "true"
    return value


class FakeTelegram:
    """The fake server; start() returns the base URL in python-telegram-bot's `{token}` form."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.fail_next: dict[str, int] = {}  # method -> how many next calls answer HTTP 500
        self._pending: list[_Pending] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, content)
        self.file_downloads: list[str] = []
        self._changed = asyncio.Condition()
        self._runner: Optional[web.AppRunner] = None
        self.port = 0

    async def start(self) -> str:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return f"http://127.0.0.1:{self.port}/bot{{token}}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- injecting updates ------------------------------------------------------------------

    async def push(self, update: dict[str, Any]) -> int:
        """Queue a raw update (an `update_id` is assigned when absent); returns its id."""
        update.setdefault("update_id", next(self._update_ids))
        async with self._changed:
            self._pending.append(_Pending(update))
            self._changed.notify_all()
        return update["update_id"]

    async def push_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_type: str = "private",
        chat_id: Optional[int] = None,
        update_id: Optional[int] = None,
    ) -> int:
        """Queue a text message from `user_id` (with a bot_command entity when it looks like one)."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id or user_id, "type": chat_type},
            "from": {"id": user_id, "is_bot": False, "first_name": "User"},
            "text": text,
        }
        command = _COMMAND.match(text)
        if command:
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
        update: dict[str, Any] = {"message": message}
        if update_id is not None:
            update["update_id"] = update_id
        return await self.push(update)

    def add_file(self, content: bytes, extension: str = "jpg", size: Optional[int] = None) -> dict[str, Any]:
        """Store a user's file; its Bot API description (file_id, file_unique_id, file_size)."""
        number = len(self._files) + 1
        file_id = f"file{number}"
        self._files[file_id] = (f"uploads/file_{number}.{extension}", content)
        return {
            "file_id": file_id,
            "file_unique_id": f"unique{number}",
            "file_size": len(content) if size is None else size,
        }

    async def push_photo(self, user_id: int, content: bytes, *, size: Optional[int] = None) -> int:
        """Queue a photo message whose largest size is `content` (a smaller thumbnail first, as Telegram)."""
        thumbnail = {**self.add_file(b"thumbnail"), "width": 90, "height": 60}
        largest = {**self.add_file(content, size=size), "width": 1280, "height": 900}
        return await self._push_message(user_id, photo=[thumbnail, largest])

    async def push_document(
        self, user_id: int, content: bytes, file_name: str, mime_type: str, *, size: Optional[int] = None
    ) -> int:
        """Queue a document (a file sent as a file)."""
        described = self.add_file(content, extension=file_name.rsplit(".", 1)[-1], size=size)
        return await self._push_message(user_id, document={**described, "file_name": file_name, "mime_type": mime_type})

    async def push_message(self, user_id: int, **content: Any) -> int:
        """Queue a message with arbitrary content (voice, sticker ...)."""
        return await self._push_message(user_id, **content)

    async def _push_message(self, user_id: int, **content: Any) -> int:
        return await self.push(
            {
                "message": {
                    "message_id": next(self._message_ids),
                    "date": int(time.time()),
                    "chat": {"id": user_id, "type": "private"},
                    "from": {"id": user_id, "is_bot": False, "first_name": "User"},
                    **content,
                }
            }
        )

    async def push_press(
        self, user_id: int, sent_message: dict[str, Any], data: str, *, update_id: Optional[int] = None
    ) -> int:
        """Queue a press of a button with callback `data` under a message the bot sent."""
        update: dict[str, Any] = {
            "callback_query": {
                "id": f"cq{next(self._update_ids)}",
                "from": {"id": user_id, "is_bot": False, "first_name": "User"},
                "chat_instance": "ci",
                "message": self._messages[(sent_message["chat"]["id"], sent_message["message_id"])],
                "data": data,
            }
        }
        if update_id is not None:
            update["update_id"] = update_id
        return await self.push(update)

    # ---- inspecting calls -------------------------------------------------------------------

    def calls_of(self, *methods: str) -> list[Call]:
        return [call for call in self.calls if call.method in methods]

    def sent_texts(self) -> list[str]:
        return [call.params["text"] for call in self.calls_of("sendMessage")]

    async def wait_for(self, predicate: Callable[["FakeTelegram"], bool], timeout: float = 5.0) -> None:
        """Wait until `predicate(self)` holds (re-checked after every call); fail after `timeout`."""

        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: predicate(self))

        try:
            await asyncio.wait_for(until(), timeout)
        except asyncio.TimeoutError:
            methods = [call.method for call in self.calls]
            raise AssertionError(f"condition not reached in {timeout}s; calls: {methods}") from None

    async def wait_for_calls(self, method: str, count: int, timeout: float = 5.0) -> list[Call]:
        await self.wait_for(lambda fake: len(fake.calls_of(method)) >= count, timeout)
        return self.calls_of(method)

    async def settle(self, quiet: float = 0.3) -> None:
        """Wait until no call has arrived for `quiet` seconds (for asserting that nothing more came)."""
        while True:
            before = len(self.calls)
            await asyncio.sleep(quiet)
            if len(self.calls) == before:
                return

    # ---- the API ----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await _read_params(request)
        handler = getattr(self, f"_api_{method}", None)
        result: Any
        if self.fail_next.get(method):
            self.fail_next[method] -= 1
            result = _error(500, "Internal Server Error: injected failure")
        elif handler is None:
            result = _error(404, "Not Found: method not found")
        else:
            result = await handler(params, files)
        failed = isinstance(result, web.Response)
        if method != "getUpdates":
            async with self._changed:
                self.calls.append(Call(method, params, files, request.content_type, None if failed else result))
                self._changed.notify_all()
        return result if failed else web.json_response({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        found = next((content for file_path, content in self._files.values() if file_path == path), None)
        if found is None:
            return web.Response(status=404)
        async with self._changed:
            self.file_downloads.append(path)
            self._changed.notify_all()
        return web.Response(body=found)

    async def _api_getFile(self, params: dict, files: dict) -> Any:
        stored = self._files.get(params.get("file_id"))
        if stored is None:
            return _error(400, "Bad Request: invalid file_id")
        return {
            "file_id": params["file_id"],
            "file_unique_id": f"u-{params['file_id']}",
            "file_size": len(stored[1]),
            "file_path": stored[0],
        }

    async def _api_setMyCommands(self, params: dict, files: dict) -> Any:
        return True

    async def _api_sendChatAction(self, params: dict, files: dict) -> Any:
        return True

    async def _api_getMe(self, params: dict, files: dict) -> Any:
        return BOT_USER

    async def _api_deleteWebhook(self, params: dict, files: dict) -> Any:
        return True

    async def _api_setWebhook(self, params: dict, files: dict) -> Any:
        return True

    async def _api_getUpdates(self, params: dict, files: dict) -> Any:
        offset = params.get("offset")
        timeout = float(params.get("timeout") or 0)
        async with self._changed:
            if offset is not None:
                self._pending = [
                    entry for entry in self._pending if not (entry.delivered and entry.update["update_id"] < offset)
                ]
            if not self._pending and timeout:
                try:
                    await asyncio.wait_for(self._changed.wait_for(lambda: bool(self._pending)), timeout)
                except asyncio.TimeoutError:
                    pass
            for entry in self._pending:
                entry.delivered = True
            return [entry.update for entry in self._pending]

    def _new_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            **content,
        }
        self._messages[(chat_id, message["message_id"])] = message
        return message

    async def _api_sendMessage(self, params: dict, files: dict) -> Any:
        content: dict[str, Any] = {"text": params["text"]}
        if params.get("reply_markup"):
            content["reply_markup"] = params["reply_markup"]
        return self._new_message(params["chat_id"], **content)

    def _stored(self, params: dict) -> Any:
        message = self._messages.get((params.get("chat_id"), params.get("message_id")))
        return message if message is not None else _error(400, "Bad Request: message to edit not found")

    async def _api_editMessageText(self, params: dict, files: dict) -> Any:
        message = self._stored(params)
        if isinstance(message, web.Response):
            return message
        message["text"] = params["text"]
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _api_editMessageReplyMarkup(self, params: dict, files: dict) -> Any:
        message = self._stored(params)
        if isinstance(message, web.Response):
            return message
        message.pop("reply_markup", None)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _api_answerCallbackQuery(self, params: dict, files: dict) -> Any:
        if len(params.get("text") or "") > 200:
            return _error(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    async def _api_sendPhoto(self, params: dict, files: dict) -> Any:
        photo = [{"file_id": "p1", "file_unique_id": "pu1", "width": 100, "height": 100}]
        content: dict[str, Any] = {"photo": photo}
        if params.get("caption"):
            content["caption"] = params["caption"]
        return self._new_message(params["chat_id"], **content)

    async def _api_sendDocument(self, params: dict, files: dict) -> Any:
        upload = files.get("document", {})
        content: dict[str, Any] = {
            "document": {"file_id": "d1", "file_unique_id": "du1", "file_name": upload.get("filename")}
        }
        if params.get("caption"):
            content["caption"] = params["caption"]
        return self._new_message(params["chat_id"], **content)


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    params: dict[str, Any] = dict(request.query)
    files: dict[str, dict[str, Any]] = {}
    if request.content_type == "application/json":
        params.update(await request.json())
        return params, files
    if request.can_read_body:
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                files[name] = {
                    "filename": value.filename,
                    "content": value.file.read(),
                    "content_type": value.content_type,
                }
            else:
                params[name] = value
    return {name: _coerce(name, value) if isinstance(value, str) else value for name, value in params.items()}, files


def _error(status: int, description: str) -> web.Response:
    return web.json_response({"ok": False, "error_code": status, "description": description}, status=status)
