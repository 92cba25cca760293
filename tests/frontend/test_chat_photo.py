"""`/photo PATH` in the terminal chat: the image file is read like a Telegram photo and its zone sent as
the bot's payload; a missing path, a missing file or a file over the limit is answered locally."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bot.chat import PHOTO_MISSING, PHOTO_USAGE, TerminalChat
from bot.uploads import MAX_UPLOAD_BYTES, TOO_LARGE
from tests.passport_images import PEOPLE, data_page, png


class Channel:
    base_url = "http://127.0.0.1:1"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, sender: str, message: str) -> list[dict]:
        self.sent.append(message)
        return [{"recipient_id": sender, "text": "وصل"}]


def chat_typing(lines: list[str], tmp_path: Path) -> tuple[Channel, str]:
    channel, out, typed = Channel(), io.StringIO(), iter(lines)

    def read(prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    TerminalChat(channel, "42", shaped=False, downloads_dir=tmp_path, out=out, read=read).run()
    return channel, out.getvalue()


def test_photo_sends_the_zone_read_from_the_file(tmp_path):
    person = PEOPLE[0]
    path = tmp_path / "passport.png"
    path.write_bytes(png(data_page(person)))
    channel, _ = chat_typing([f"/photo {path}", f'/photo "{path}"'], tmp_path)
    expected = "/passport_photo" + json.dumps({"mrz": person.mrz()})
    assert channel.sent == [expected, expected]


def test_photo_problems_are_answered_locally(tmp_path):
    big = tmp_path / "big.jpg"
    with big.open("wb") as handle:
        handle.truncate(MAX_UPLOAD_BYTES + 1)
    channel, out = chat_typing(["/photo", f"/photo {tmp_path / 'none.jpg'}", f"/photo {big}"], tmp_path)
    assert channel.sent == []
    assert PHOTO_USAGE in out
    assert PHOTO_MISSING.format(path=tmp_path / "none.jpg") in out
    assert TOO_LARGE in out
