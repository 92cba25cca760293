"""The terminal chat: the same conversation as on Telegram, through Rasa's REST channel.

Replies are printed as "مقيم> ..." (Arabic; "Muqeem> ..." in English) and buttons as numbered choices ("1) تأكيد  2) إلغاء"); typing
a choice's number sends that button's payload. Text typed by the user that starts with "/" is never
sent (Rasa would take it as an intent with entities), except `/photo PATH`: the image file at PATH
is read here as Telegram's passport photos are (frontends/passport/passport_ocr.py) and its zone sent as the same
payload the bot builds (frontends/telegram_bot/uploads.py). Arabic is shaped and put in visual order for
terminals that cannot do it themselves; `shaped=False` prints the text as is. `/lang ar|en` keeps the
user's reply language as on Telegram (residency/languages.py); the chat's own texts are in that
language, else in the language last typed in, else Arabic.
"""

from __future__ import annotations

import base64
import binascii
import re
import shutil
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

from frontends import lang_command
from frontends.progress import PROGRESS_POLL_SECONDS, progress_text, read_progress
from residency.languages import chosen_language
from frontends.rasa_client import ESTABLISHMENTS_PAYLOAD, RasaClient, RasaUnavailable, RasaUnreachable
from replies import N_, _, language, reply_language
from residency.presentation.charts import shape_for_display, starts_right_to_left
from residency.errors import ResidencyError, Unauthorized
from residency.services.base import NOT_ACTIVATED

PROMPT_LABEL = N_("You")
REPLY_PREFIX = N_("Muqeem> ")
QUIT_COMMANDS = ("/quit", "/exit")
QUIT_IN_TEXT = "\u200e/quit"  # the mark keeps "/" on the left of "quit" inside right-to-left text

EMPTY_REPLY_APOLOGY = N_(
    "Sorry, no reply came from the assistant. Try again in a moment; if it happens again, restart the servers."
)
UNREACHABLE_APOLOGY = N_(
    "Sorry, the assistant at {url} cannot be reached. Start the servers with the command muqeem servers, then try "
    "again."
)
PHOTO_IN_TEXT = "\u200e/photo"
SLASH_HINT = N_(
    "Commands starting with / are not sent to the assistant. Write your request in your own words, or type the "
    "number of a choice, or {photo} and the path of a passport photo to read it, or {quit} to leave."
)
UNKNOWN_PAYLOAD_NOTE = N_("A message came in a form the terminal chat cannot show (keys: {keys}).")
SAVE_FAILED = N_("The attachment could not be saved: its content is not valid base64.")
PHOTO_COMMAND = "/photo"
PHOTO_USAGE = N_("Write the path of a photo of the passport's data page after the command, like: /photo passport.jpg")
PHOTO_MISSING = N_("The file {path} could not be opened. Check the path.")
PHOTO_READING = N_("Reading the machine-readable zone of the photo…")
LANG_COMMAND = "/lang"
EST_COMMAND = "/est"
LANG_UNAVAILABLE = N_("Sorry, the reply language cannot be read or saved right now. Try again in a moment.")
INTRODUCTION = N_("Muqeem chat as user {sender}. Type a choice's number to choose it, and {quit} to leave.")
IMAGE_LINE = N_("Image: {url}")
IMAGE_SAVED = N_("Image saved in:")
FILE_SAVED = N_("File saved in:")
CHOSEN_NOTE = N_("You chose: {choice}")

# Arabic-Indic and Eastern Arabic-Indic digits (U+0660.., U+06F0..) choose as the ASCII ones do.
_DIGITS = str.maketrans(
    "".join(chr(code) for start in (0x660, 0x6F0) for code in range(start, start + 10)), "0123456789" * 2
)


def choose_in_database(sender: str, choice: str) -> str:
    """Keep `choice` as the sender's reply language (residency.languages.set_language)."""
    if not sender.isdigit():
        raise Unauthorized("not_activated", _(NOT_ACTIVATED))
    return lang_command.choose(int(sender), choice)


@dataclass
class TerminalChat:
    """One terminal conversation as `sender`; `read` returns the next typed line (EOFError ends)."""

    channel: RasaClient
    sender: str
    shaped: bool
    downloads_dir: Path
    out: TextIO = sys.stdout
    read: Callable[[str], str] = input
    server_died: Callable[[], str | None] = lambda: None
    buttons: list[dict] = field(default_factory=list)
    stored_language: Callable[[str], str | None] = chosen_language
    choose_language: Callable[[str, str], str] = choose_in_database
    chosen: str | None = None  # the sender's /lang choice, read when the chat starts
    typed: list[str] = field(default_factory=list)  # the lines typed, newest first

    def reply_language(self) -> str:
        """The language of the chat's own texts: the /lang choice, else the language last typed in."""
        return reply_language(self.chosen, self.typed)

    # --- output -------------------------------------------------------------------------------

    def _width(self) -> int:
        return shutil.get_terminal_size((80, 24)).columns

    def _display(self, logical_line: str) -> list[str]:
        """Terminal lines for one logical line: as is, or wrapped and shaped; a line whose first letter is
        Arabic reads right to left and is right-aligned, any other stays left to right."""
        if not self.shaped:
            return [logical_line]
        width = max(20, self._width() - 1)
        pieces = textwrap.wrap(logical_line, width) or [""]
        rtl = starts_right_to_left(logical_line)
        shaped = [shape_for_display(piece, rtl=rtl) for piece in pieces]
        return [piece.rjust(width) for piece in shaped] if rtl and self.out.isatty() else shaped

    def say(self, text: str, prefix: str | None = None) -> None:
        """Print a reply: the first line after the prefix, the others indented under it."""
        prefix = _(REPLY_PREFIX) if prefix is None else prefix
        for number, line in enumerate(text.split("\n")):
            logical = (prefix if number == 0 else " " * len(prefix)) + line
            for display_line in self._display(logical):
                print(display_line, file=self.out)
        self.out.flush()

    def note(self, text: str) -> None:
        """A message from the chat program itself (not from the assistant)."""
        self.say(text, prefix="• ")

    def prompt(self) -> str:
        with language(self.reply_language()):
            label = _(PROMPT_LABEL)
        label = shape_for_display(label) if self.shaped else label
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
                self.say(_(IMAGE_LINE).format(url=message["image"]))
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
                    prefix=" " * len(_(REPLY_PREFIX)),
                )
                shown = True
        if not shown:
            self.say(_(EMPTY_REPLY_APOLOGY))

    def _show_custom(self, payload: dict) -> None:
        if "photo_base64" in payload:
            self._save_attachment(payload["photo_base64"], None, payload.get("caption"), _(IMAGE_SAVED))
        elif "document_base64" in payload:
            self._save_attachment(
                payload["document_base64"], payload.get("filename"), payload.get("caption"), _(FILE_SAVED)
            )
        elif payload.get("text"):
            self.say(str(payload["text"]))
        else:
            self.note(_(UNKNOWN_PAYLOAD_NOTE).format(keys=", ".join(sorted(payload))))

    def _save_attachment(self, encoded: str, filename: str | None, caption: str | None, saved_in: str) -> None:
        try:
            content = base64.b64decode(str(encoded), validate=True)
        except (binascii.Error, ValueError):
            self.note(_(SAVE_FAILED))
            return
        path = save_download(self.downloads_dir, content, filename)
        if caption:
            self.say(str(caption))
        self.say(saved_in, prefix=" " * len(_(REPLY_PREFIX)) if caption else None)
        print(f"    {path}", file=self.out, flush=True)

    # --- input --------------------------------------------------------------------------------

    def message_for(self, typed: str) -> str | None:
        """What to send for a typed line: a chosen button's payload, the text itself, or None."""
        text = typed.strip()
        if not text:
            return None
        command = text.split(maxsplit=1)[0].lower()
        if command == PHOTO_COMMAND:
            return self.photo_message(text[len(PHOTO_COMMAND) :].strip())
        if command == LANG_COMMAND:
            self.choose(text[len(LANG_COMMAND) :].strip())
            return None
        if command == EST_COMMAND:
            return ESTABLISHMENTS_PAYLOAD
        if text.startswith("/"):
            self.note(_(SLASH_HINT).format(photo=PHOTO_IN_TEXT, quit=QUIT_IN_TEXT))
            return None
        choice = text.translate(_DIGITS)
        if self.buttons and choice.isdigit() and 1 <= int(choice) <= len(self.buttons):
            button = self.buttons[int(choice) - 1]
            self.note(_(CHOSEN_NOTE).format(choice=button.get("title", button["payload"])))
            return str(button["payload"])
        return text

    def choose(self, choice: str) -> None:
        """`/lang [ar|en]`: keep the sender's reply language and say so in it, or say the current one."""
        if not choice:
            self.note(lang_command.describe(self.chosen))
            return
        try:
            self.chosen = self.choose_language(self.sender, choice)
        except ResidencyError as error:
            self.note(error.message)
            return
        except Exception:
            self.note(_(LANG_UNAVAILABLE))
            return
        with language(self.chosen):
            self.note(_(lang_command.LANG_CHOSEN[self.chosen]))

    def photo_message(self, path_text: str) -> str | None:
        """`/photo PATH`: the passport payload of the image file at PATH (None, with a note, if unusable)."""
        # Pillow, numpy and the upload limits: imported only when a photo is sent.
        from frontends.passport.passport_ocr import read_mrz
        from frontends.passport.upload import MAX_UPLOAD_BYTES, TOO_LARGE, passport_payload

        if not path_text:
            self.note(_(PHOTO_USAGE))
            return None
        path = Path(path_text.strip("'\"")).expanduser()
        try:
            if path.stat().st_size > MAX_UPLOAD_BYTES:
                self.note(_(TOO_LARGE))
                return None
            content = path.read_bytes()
        except OSError:
            self.note(_(PHOTO_MISSING).format(path=path))
            return None
        self.note(_(PHOTO_READING))
        return passport_payload(read_mrz(content))

    def run(self) -> int:
        """Chat until /quit, /exit, end of input or Ctrl-C; 1 if a server started for the chat died."""
        self.chosen = self.stored_language(self.sender)
        with language(self.reply_language()):
            self.note(_(INTRODUCTION).format(sender=self.sender, quit=QUIT_IN_TEXT))
        while True:
            try:
                typed = self.read(self.prompt())
            except (EOFError, KeyboardInterrupt):
                print(file=self.out)
                return 0
            if typed.strip().lower() in QUIT_COMMANDS:
                return 0
            self.typed = [typed, *self.typed[:9]]
            with language(self.reply_language()):
                code = self.answer(typed)
            if code is not None:
                return code

    @contextmanager
    def showing_progress(self) -> Iterator[None]:
        """While the block waits for the reply: a line each time a long bulk execution has gone further."""
        stop = threading.Event()
        said_in = self.reply_language()  # a thread starts without this one's context

        def watch() -> None:
            shown = None
            while not stop.wait(PROGRESS_POLL_SECONDS):
                progress = read_progress(int(self.sender)) if self.sender.isdigit() else None
                if progress is not None and progress != shown:
                    with language(said_in):
                        self.note(progress_text(progress))
                    shown = progress

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            yield
        finally:
            stop.set()
            watcher.join()

    def answer(self, typed: str) -> int | None:
        """Send a typed line and show the reply; an exit code when the chat must end, else None."""
        message = self.message_for(typed)
        if message is None:
            return None
        try:
            with self.showing_progress():
                reply = self.channel.send_blocking(self.sender, message)
            self.show_reply(reply)
        except RasaUnreachable:
            died = self.server_died()
            if died:
                self.note(died)
                return 1
            self.say(_(UNREACHABLE_APOLOGY).format(url=self.channel.base_url))
        except RasaUnavailable:  # an HTTP error, or an empty or malformed answer
            self.say(_(EMPTY_REPLY_APOLOGY))
        except KeyboardInterrupt:
            print(file=self.out)
            return 0
        return None


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
