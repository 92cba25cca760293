"""Uploads and the native touches of the bot, against the fake Bot API (which serves users' files under
/file/bot<token>/...) and a fake Rasa: a passport photo's zone reaches Rasa as the bot's own payload;
oversized and unsupported uploads are answered without Rasa; the command menu, "typing…" and /lang."""

from __future__ import annotations

import json

import pytest

from bot import uploads
from bot.render import rtl_text
from bot.telegram_ui import COMMANDS, LANG_ANSWER
from tests.bot.conftest import TOKEN, running_bot
from tests.passport_images import PEOPLE, data_page, jpeg, png

pytestmark = pytest.mark.anyio

USER = 556
PASSPORT = PEOPLE[1]


def passport_payload(zone: str) -> str:
    return "/passport_photo" + json.dumps({"mrz": zone})


async def test_a_passport_photo_is_downloaded_read_and_sent_as_the_zone_payload(telegram, rasa, bot):
    await telegram.push_photo(USER, jpeg(data_page(PASSPORT), 85))
    await telegram.wait_for_calls("sendMessage", 1, timeout=30)
    assert rasa.received == [(str(USER), passport_payload(PASSPORT.mrz()))]
    # the largest size was fetched through getFile and the file URL (/file/bot<token>/...), nothing else
    [get_file] = telegram.calls_of("getFile")
    assert get_file.params["file_id"] == "file2"
    assert telegram.file_downloads == ["uploads/file_2.jpg"]
    typing = telegram.calls_of("sendChatAction")
    assert typing and typing[0].params == {"chat_id": USER, "action": "typing"}
    assert telegram.calls.index(typing[0]) < telegram.calls.index(telegram.calls_of("sendMessage")[0])


async def test_an_image_sent_as_a_file_is_read_too(telegram, rasa, bot):
    await telegram.push_document(USER, png(data_page(PASSPORT)), "passport.png", "image/png")
    await telegram.wait_for_calls("sendMessage", 1, timeout=30)
    assert rasa.received == [(str(USER), passport_payload(PASSPORT.mrz()))]


async def test_a_photo_without_a_zone_is_sent_as_an_empty_zone(telegram, rasa, bot):
    await telegram.push_photo(USER, png(data_page(PASSPORT).crop((0, 0, 1100, 400))))  # the zone cut off
    await telegram.wait_for_calls("sendMessage", 1, timeout=30)
    assert rasa.received == [(str(USER), passport_payload(""))]


async def test_an_oversized_photo_is_refused_before_downloading(telegram, rasa, bot):
    await telegram.push_photo(USER, b"\xff\xd8\xff" + bytes(100), size=uploads.MAX_UPLOAD_BYTES + 1)
    [reply] = await telegram.wait_for_calls("sendMessage", 1)
    assert reply.params["text"] == uploads.TOO_LARGE
    assert telegram.file_downloads == [] and rasa.received == []


async def test_a_file_larger_than_declared_is_refused_after_downloading(telegram, rasa, bot):
    await telegram.push_document(USER, bytes(uploads.MAX_UPLOAD_BYTES + 10), "big.jpg", "image/jpeg", size=1000)
    [reply] = await telegram.wait_for_calls("sendMessage", 1, timeout=20)
    assert reply.params["text"] == uploads.TOO_LARGE
    assert rasa.received == []


@pytest.mark.parametrize(
    "content",
    [
        {
            "document": {
                "file_id": "z1",
                "file_unique_id": "zu1",
                "file_name": "residents.zip",
                "mime_type": "application/zip",
            }
        },
        {"voice": {"file_id": "v1", "file_unique_id": "vu1", "duration": 3}},
        {"video": {"file_id": "w1", "file_unique_id": "wu1", "width": 10, "height": 10, "duration": 3}},
    ],
)
async def test_unsupported_uploads_get_a_clear_answer_without_rasa(telegram, rasa, bot, content):
    await telegram.push_message(USER, **content)
    [reply] = await telegram.wait_for_calls("sendMessage", 1)
    assert reply.params["text"] == uploads.UNSUPPORTED
    assert rasa.received == [] and telegram.file_downloads == []


async def test_the_command_menu_is_registered_in_arabic_and_english(telegram, rasa, bot):
    calls = telegram.calls_of("setMyCommands")
    menus = {call.params.get("language_code"): call.params["commands"] for call in calls}
    assert menus == {
        None: [{"command": name, "description": text} for name, text in COMMANDS[None]],
        "en": [{"command": name, "description": text} for name, text in COMMANDS["en"]],
    }
    assert [c["command"] for c in menus[None]] == ["start", "help", "cancel", "lang"]


async def test_lang_answers_honestly_without_rasa(telegram, rasa, bot):
    await telegram.push_text(USER, "/lang en")
    [reply] = await telegram.wait_for_calls("sendMessage", 1)
    assert reply.params["text"] == rtl_text(LANG_ANSWER)  # the English line behind a right-to-left mark
    assert rasa.received == []


async def test_typing_shows_while_a_slow_reply_is_made_and_not_for_a_fast_one(telegram, rasa, bot):
    rasa.reply = lambda sender, message: [{"text": f"رد {message}"}]
    await telegram.push_text(USER, "سريع")
    await telegram.wait_for_calls("sendMessage", 1)
    assert telegram.calls_of("sendChatAction") == []
    rasa.delay = 1.0
    await telegram.push_text(USER, "بطيء")
    await telegram.wait_for_calls("sendMessage", 2)
    [typing] = telegram.calls_of("sendChatAction")
    assert typing.params == {"chat_id": USER, "action": "typing"}
    assert telegram.calls.index(typing) < telegram.calls.index(telegram.calls_of("sendMessage")[1])


async def test_downloads_honour_an_explicit_base_file_url(telegram, rasa):
    # A base file URL given apart from the API's (TELEGRAM_BASE_FILE_URL): the photo comes from there.
    file_url = telegram.base_url.replace("/bot{token}", "/file/bot{token}")
    async with running_bot(telegram, rasa.url, base_file_url=file_url) as application:
        assert application.bot.base_file_url == file_url.replace("{token}", TOKEN)
        await telegram.push_photo(USER, jpeg(data_page(PASSPORT), 85))
        await telegram.wait_for_calls("sendMessage", 1, timeout=30)
    assert telegram.file_downloads == ["uploads/file_2.jpg"]
