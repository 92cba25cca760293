"""The terminal chat: the same conversation as on Telegram, through Rasa's REST channel.

Replies are printed as "مقيم> ..." and buttons as numbered choices ("1) تأكيد  2) إلغاء"); typing
a choice's number sends that button's payload. Text typed by the user that starts with "/" is never
sent (Rasa would take it as an intent with entities), except `/photo PATH`: the image file at PATH
is read here as Telegram's passport photos are (bot/passport_ocr.py) and its zone sent as the same
payload the bot builds (bot/uploads.py). Arabic is shaped and put in visual order for
terminals that cannot do it themselves; `shaped=False` prints the text as is.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import shutil
import sys
import textwrap
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.hops import bearer_header
from residency.charts import shape_for_display

PROMPT_LABEL = "أنت"
REPLY_PREFIX = "مقيم> "
QUIT_COMMANDS = ("/quit", "/exit")
QUIT_IN_TEXT = "\u200e/quit"  # the mark keeps "/" on the left of "quit" inside right-to-left text
REQUEST_TIMEOUT_SECONDS = 120.0  # as the bot's (bot/rasa_client.py): a large bulk confirmation takes a while

EMPTY_REPLY_APOLOGY = "عذرًا، لم يصلني رد من المساعد. أعد المحاولة بعد قليل، وإن تكرر ذلك فأعد تشغيل الخوادم."
UNREACHABLE_APOLOGY = "عذرًا، تعذّر الوصول إلى المساعد على {url}. شغّل الخوادم بالأمر muqeem servers ثم أعد المحاولة."
PHOTO_IN_TEXT = "\u200e/photo"
SLASH_HINT = (
    "الأوامر التي تبدأ بـ / لا تُرسل إلى المساعد. اكتب طلبك بكلماتك، أو اكتب رقم أحد الخيارات، "
    f"أو {PHOTO_IN_TEXT} ومسار صورة جواز لقراءتها، أو {QUIT_IN_TEXT} للخروج."
)
UNKNOWN_PAYLOAD_NOTE = "وصلت رسالة بصيغة لا تعرضها المحادثة النصية (المفاتيح: {keys})."
SAVE_FAILED = "تعذّر حفظ المرفق: محتواه ليس base64 صالحًا."
PHOTO_COMMAND = "/photo"
PHOTO_USAGE = "اكتب مسار صورة صفحة بيانات الجواز بعد الأمر، مثل: /photo passport.jpg"
PHOTO_MISSING = "تعذّر فتح الملف {path}. تحقق من المسار."
PHOTO_READING = "أقرأ المنطقة المقروءة آليًا في الصورة…"

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


class RasaUnavailable(Exception):
    """The Rasa REST channel could not be reached."""


class RasaFailed(Exception):
    """The Rasa REST channel answered with an HTTP error or something that is not JSON."""


@dataclass
class RestChannel:
    """Client of Rasa's REST channel at base_url (e.g. http://127.0.0.1:5005)."""

    base_url: str
    timeout: float = REQUEST_TIMEOUT_SECONDS

    def send(self, sender: str, message: str) -> list[dict]:
        """POST the message for this sender; the list of bot messages Rasa answered with."""
        request = urllib.request.Request(
            f"{self.base_url.rstrip('/')}/webhooks/rest/webhook",
            data=json.dumps({"sender": sender, "message": message}).encode("utf-8"),
            headers={"Content-Type": "application/json", **bearer_header()},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read().decode("utf-8") or "[]")
        except urllib.error.HTTPError as error:
            raise RasaFailed(str(error)) from error
        except ValueError as error:
            raise RasaFailed(f"not JSON: {error}") from error
        except OSError as error:
            raise RasaUnavailable(str(error)) from error
        return [item for item in answer if isinstance(item, dict)] if isinstance(answer, list) else []


@dataclass
class TerminalChat:
    """One terminal conversation as `sender`; `read` returns the next typed line (EOFError ends)."""

    channel: RestChannel
    sender: str
    shaped: bool
    downloads_dir: Path
    out: TextIO = sys.stdout
    read: Callable[[str], str] = input
    server_died: Callable[[], str | None] = lambda: None
    buttons: list[dict] = field(default_factory=list)

    # --- output -------------------------------------------------------------------------------

    def _width(self) -> int:
        return shutil.get_terminal_size((80, 24)).columns

    def _display(self, logical_line: str) -> list[str]:
        """Terminal lines for one logical line: as is, or wrapped, shaped and right-aligned."""
        if not self.shaped:
            return [logical_line]
        width = max(20, self._width() - 1)
        pieces = textwrap.wrap(logical_line, width) or [""]
        aligned = self.out.isatty()
        return [shape_for_display(piece).rjust(width) if aligned else shape_for_display(piece) for piece in pieces]

    def say(self, text: str, prefix: str = REPLY_PREFIX) -> None:
        """Print a reply: the first line after the prefix, the others indented under it."""
        for number, line in enumerate(text.split("\n")):
            logical = (prefix if number == 0 else " " * len(prefix)) + line
            for display_line in self._display(logical):
                print(display_line, file=self.out)
        self.out.flush()

    def note(self, text: str) -> None:
        """A message from the chat program itself (not from the assistant)."""
        self.say(text, prefix="• ")

    def prompt(self) -> str:
        label = shape_for_display(PROMPT_LABEL) if self.shaped else PROMPT_LABEL
        return f"{label}> "

    # --- replies ------------------------------------------------------------------------------

    def show_reply(self, messages: list[dict]) -> None:
        """Print Rasa's messages; remember their buttons for the next numbered choice."""
        self.buttons = []
        shown = False
        for message in messages:
            if message.get("text"):
                self.say(str(message["text"]))
                shown = True
            if message.get("image"):
                self.say(f"صورة: {message['image']}")
                shown = True
            if isinstance(message.get("custom"), dict):
                self._show_custom(message["custom"])
                shown = True
            buttons = [b for b in message.get("buttons") or [] if isinstance(b, dict) and "payload" in b]
            if buttons:
                first = len(self.buttons) + 1
                self.buttons.extend(buttons)
                self.say(
                    "  ".join(
                        f"{first + i}) {button.get('title', button['payload'])}" for i, button in enumerate(buttons)
                    ),
                    prefix=" " * len(REPLY_PREFIX),
                )
                shown = True
        if not shown:
            self.say(EMPTY_REPLY_APOLOGY)

    def _show_custom(self, payload: dict) -> None:
        if "photo_base64" in payload:
            self._save_attachment(payload["photo_base64"], None, payload.get("caption"), "حُفظت الصورة في:")
        elif "document_base64" in payload:
            self._save_attachment(
                payload["document_base64"], payload.get("filename"), payload.get("caption"), "حُفظ الملف في:"
            )
        elif payload.get("text"):
            self.say(str(payload["text"]))
        else:
            self.note(UNKNOWN_PAYLOAD_NOTE.format(keys=", ".join(sorted(payload))))

    def _save_attachment(self, encoded: str, filename: str | None, caption: str | None, saved_in: str) -> None:
        try:
            content = base64.b64decode(str(encoded), validate=True)
        except (binascii.Error, ValueError):
            self.note(SAVE_FAILED)
            return
        path = save_download(self.downloads_dir, content, filename)
        if caption:
            self.say(str(caption))
        self.say(saved_in, prefix=" " * len(REPLY_PREFIX) if caption else REPLY_PREFIX)
        print(f"    {path}", file=self.out, flush=True)

    # --- input --------------------------------------------------------------------------------

    def message_for(self, typed: str) -> str | None:
        """What to send for a typed line: a chosen button's payload, the text itself, or None."""
        text = typed.strip()
        if not text:
            return None
        if text.split(maxsplit=1)[0].lower() == PHOTO_COMMAND:
            return self.photo_message(text[len(PHOTO_COMMAND) :].strip())
        if text.startswith("/"):
            self.note(SLASH_HINT)
            return None
        choice = text.translate(_DIGITS)
        if self.buttons and choice.isdigit() and 1 <= int(choice) <= len(self.buttons):
            button = self.buttons[int(choice) - 1]
            self.note(f"اخترت: {button.get('title', button['payload'])}")
            return str(button["payload"])
        return text

    def photo_message(self, path_text: str) -> str | None:
        """`/photo PATH`: the passport payload of the image file at PATH (None, with a note, if unusable)."""
        # Pillow, numpy and the upload limits: imported only when a photo is sent.
        from bot.passport_ocr import read_mrz
        from bot.uploads import MAX_UPLOAD_BYTES, TOO_LARGE, passport_payload

        if not path_text:
            self.note(PHOTO_USAGE)
            return None
        path = Path(path_text.strip("'\"")).expanduser()
        try:
            if path.stat().st_size > MAX_UPLOAD_BYTES:
                self.note(TOO_LARGE)
                return None
            content = path.read_bytes()
        except OSError:
            self.note(PHOTO_MISSING.format(path=path))
            return None
        self.note(PHOTO_READING)
        return passport_payload(read_mrz(content))

    def run(self) -> int:
        """Chat until /quit, /exit, end of input or Ctrl-C; 1 if a server started for the chat died."""
        self.note(f"محادثة مقيم بصفة المستخدم {self.sender}. اكتب رقم الخيار لاختياره، و{QUIT_IN_TEXT} للخروج.")
        while True:
            try:
                typed = self.read(self.prompt())
            except (EOFError, KeyboardInterrupt):
                print(file=self.out)
                return 0
            if typed.strip().lower() in QUIT_COMMANDS:
                return 0
            message = self.message_for(typed)
            if message is None:
                continue
            try:
                self.show_reply(self.channel.send(self.sender, message))
            except RasaFailed:
                self.say(EMPTY_REPLY_APOLOGY)
            except RasaUnavailable:
                died = self.server_died()
                if died:
                    self.note(died)
                    return 1
                self.say(UNREACHABLE_APOLOGY.format(url=self.channel.base_url))
            except KeyboardInterrupt:
                print(file=self.out)
                return 0


_UNSAFE_FILENAME = re.compile(r"[^\w.\- ]+", re.UNICODE)
_EXTENSIONS = ((b"\x89PNG", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"GIF8", ".gif"), (b"%PDF", ".pdf"))


def save_download(directory: Path, content: bytes, filename: str | None) -> Path:
    """Write content under directory with a safe name (never outside it, never over a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    name = _UNSAFE_FILENAME.sub("_", Path(filename or "").name).strip(" .")
    if not name:
        extension = next((ext for magic, ext in _EXTENSIONS if content.startswith(magic)), ".bin")
        name = f"attachment-{datetime.now():%Y%m%d-%H%M%S}{extension}"
    path = directory / name
    stem, suffix, counter = path.stem, path.suffix, 1
    while path.exists():
        path = directory / f"{stem}-{counter}{suffix}"
        counter += 1
    path.write_bytes(content)
    return path
