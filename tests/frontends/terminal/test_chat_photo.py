"""`/photo PATH` in the terminal chat: the image file is read like a Telegram photo and its zone sent as
the bot's payload; a missing path, a missing file or a file over the limit is answered locally."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from frontends.terminal.chat import PHOTO_MISSING, PHOTO_USAGE, TerminalChat
from frontends.telegram_bot.uploads import MAX_UPLOAD_BYTES, TOO_LARGE
from replies import _
from tests.passport_images import PEOPLE, data_page, png


class Channel:
    base_url = "http://127.0.0.1:1"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send_blocking(self, sender: str, message: str) -> list[dict]:
        self.sent.append(message)
        return [{"recipient_id": sender, "text": "وصل"}]


def chat_typing(lines: list[str], tmp_path: Path, **options) -> tuple[Channel, str]:
    channel, out, typed = Channel(), io.StringIO(), iter(lines)

    def read(prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    options.setdefault("stored_language", lambda sender: None)
    TerminalChat(channel, "42", shaped=False, downloads_dir=tmp_path, out=out, read=read, **options).run()
    return channel, out.getvalue()


def test_photo_sends_the_zone_read_from_the_file(tmp_path):
    person = PEOPLE[0]
    path = tmp_path / "passport.png"
    path.write_bytes(png(data_page(person)))
    channel, _out = chat_typing([f"/photo {path}", f'/photo "{path}"'], tmp_path)
    expected = "/passport_photo" + json.dumps({"mrz": person.mrz()})
    assert channel.sent == [expected, expected]


def test_photo_problems_are_answered_locally(tmp_path):
    big = tmp_path / "big.jpg"
    with big.open("wb") as handle:
        handle.truncate(MAX_UPLOAD_BYTES + 1)
    channel, out = chat_typing(["/photo", f"/photo {tmp_path / 'none.jpg'}", f"/photo {big}"], tmp_path)
    assert channel.sent == []
    assert _(PHOTO_USAGE) in out
    assert _(PHOTO_MISSING).format(path=tmp_path / "none.jpg") in out
    assert _(TOO_LARGE) in out


def test_lang_keeps_the_choice_and_the_chat_answers_in_it(tmp_path):
    kept: list[tuple[str, str]] = []

    def choose(sender: str, choice: str) -> str:
        kept.append((sender, choice))
        return choice

    lines = ["/lang", "/lang en", "/lang", "/photo", "/inform", "/lang ar", "/photo"]
    channel, out = chat_typing(lines, tmp_path, choose_language=choose)
    assert kept == [("42", "en"), ("42", "ar")] and channel.sent == []
    notes = [line.removeprefix("• ") for line in out.splitlines()]
    assert notes[1:6] == [
        "تأتي الردود بلغة رسالتك (العربية إن لم تتضح). لاختيار لغة ثابتة أرسل /lang ar للعربية أو /lang en للإنجليزية.",
        "Replies will be in English.",
        "Replies are in English. To change that: /lang ar (Arabic) or /lang en (English).",
        "Write the path of a photo of the passport's data page after the command, like: /photo passport.jpg",
        "Commands starting with / are not sent to the assistant. Write your request in your own words, or type the "
        "number of a choice, or \u200e/photo and the path of a passport photo to read it, or \u200e/quit to leave.",
    ]
    assert notes[6:8] == ["ستكون الردود بالعربية.", _(PHOTO_USAGE)]


def test_the_chat_answers_in_the_language_typed_in_and_a_stored_choice_wins(tmp_path):
    _channel, out = chat_typing(["/photo " + str(tmp_path / "none.jpg"), "hello", "/photo"], tmp_path)
    assert "• تعذّر فتح الملف" in out  # nothing typed in words yet: Arabic
    assert "Muqeem> وصل" in out and "مقيم>" not in out  # after "hello", the chat's own words are English
    assert out.rstrip().endswith(
        "• Write the path of a photo of the passport's data page after the command, like: /photo passport.jpg"
    )
    _channel, out = chat_typing(["مرحبا", "/photo"], tmp_path, stored_language=lambda sender: "en")
    assert out.startswith("• Muqeem chat as user 42. Type a choice's number to choose it, and \u200e/quit to leave.")
    assert "Muqeem> وصل" in out and out.rstrip().endswith("/photo passport.jpg")


def test_the_chat_keeps_the_choice_in_the_database(engine):
    from frontends.terminal.chat import choose_in_database
    from residency.languages import chosen_language
    from residency.db import UnitOfWork
    from residency.errors import InvalidInput, Unauthorized
    from tests.domain import factories

    with UnitOfWork(engine) as uow:
        factories.user(uow, factories.establishment(uow), 42)
        uow.commit()
    assert chosen_language("42") is None
    assert choose_in_database("42", "EN") == "en" and chosen_language("42") == "en"
    with pytest.raises(InvalidInput):
        choose_in_database("42", "fr")
    with pytest.raises(Unauthorized):
        choose_in_database("43", "en")
    with pytest.raises(Unauthorized):
        choose_in_database("demo", "en")
    assert chosen_language("42") == "en" and chosen_language("demo") is None
