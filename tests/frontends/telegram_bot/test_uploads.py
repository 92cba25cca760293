"""Uploads and the native touches of the bot, against the fake Bot API (which serves users' files under
/file/bot<token>/...) and a fake Rasa: a passport photo's zone reaches Rasa as the bot's own payload;
oversized and unsupported uploads are answered without Rasa; the command menu, "typing…" and /lang."""

from __future__ import annotations

import json

import pytest

from frontends.telegram_bot import uploads
from frontends.telegram_bot.render import RLM, rtl_text
from frontends.telegram_bot.telegram_ui import menu
from replies import _, language
from residency.db import UnitOfWork
from residency.languages import stored_language
from tests.frontends.fake_telegram import TOKEN
from tests.frontends.telegram_bot.conftest import running_bot
from tests.domain import factories
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
    assert reply.params["text"] == _(uploads.TOO_LARGE)
    assert telegram.file_downloads == [] and rasa.received == []


async def test_a_file_larger_than_declared_is_refused_after_downloading(telegram, rasa, bot):
    await telegram.push_document(USER, bytes(uploads.MAX_UPLOAD_BYTES + 10), "big.jpg", "image/jpeg", size=1000)
    [reply] = await telegram.wait_for_calls("sendMessage", 1, timeout=20)
    assert reply.params["text"] == _(uploads.TOO_LARGE)
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
    assert reply.params["text"] == _(uploads.UNSUPPORTED)
    assert rasa.received == [] and telegram.file_downloads == []


async def test_the_command_menu_is_registered_in_arabic_and_english(telegram, rasa, bot):
    calls = telegram.calls_of("setMyCommands")
    menus = {call.params.get("language_code"): call.params["commands"] for call in calls}
    assert menus == {
        None: [{"command": name, "description": text} for name, text in menu(None)],
        "en": [{"command": name, "description": text} for name, text in menu("en")],
    }
    assert [c["command"] for c in menus[None]] == ["start", "help", "cancel", "lang", "est"]
    assert menus[None][0]["description"] == "البدء أو تفعيل الحساب برمز: /start الرمز"
    assert [c["description"] for c in menus["en"]] == [
        "Start, or activate your account: /start CODE",
        "What I can do",
        "Cancel the current request",
        "Reply language",
        "The establishment to work on",
    ]


@pytest.fixture
def activated_user(engine) -> int:
    with UnitOfWork(engine) as uow:
        factories.user(uow, factories.establishment(uow), USER)
        uow.commit()
    return USER


async def test_lang_keeps_the_choice_and_answers_in_the_chosen_language(telegram, rasa, bot, engine, activated_user):
    await telegram.push_text(USER, "/lang")
    await telegram.wait_for_calls("sendMessage", 1)
    await telegram.push_text(USER, "/lang en")
    await telegram.wait_for_calls("sendMessage", 2)
    await telegram.push_text(USER, "/lang")
    await telegram.wait_for_calls("sendMessage", 3)
    await telegram.push_text(USER, "/start")  # the bot's own replies follow the choice
    await telegram.wait_for_calls("sendMessage", 4)
    await telegram.push_text(USER, "/lang AR")
    sent = await telegram.wait_for_calls("sendMessage", 5)
    texts = [call.params["text"] for call in sent]
    assert texts[0] == rtl_text(
        "تأتي الردود بلغة رسالتك (العربية إن لم تتضح). لاختيار لغة ثابتة أرسل /lang ar للعربية أو /lang en للإنجليزية."
    )
    assert texts[1] == "Replies will be in English."  # English: no right-to-left mark
    assert texts[2] == "Replies are in English. To change that: /lang ar (Arabic) or /lang en (English)."
    assert texts[3].startswith("Welcome to Muqeem, the assistant for your establishment's residency services.\n")
    assert texts[4] == "ستكون الردود بالعربية."
    assert rasa.received == []
    with UnitOfWork(engine) as uow:
        assert stored_language(uow, USER) == "ar"


async def test_lang_needs_an_activated_account_and_a_known_language(telegram, rasa, bot, engine, activated_user):
    await telegram.push_text(USER + 1, "/lang en")  # not activated: the activation hint, nothing stored
    await telegram.wait_for_calls("sendMessage", 1)
    await telegram.push_text(USER, "/lang fr")
    sent = await telegram.wait_for_calls("sendMessage", 2)
    assert sent[0].params["text"].startswith("حسابك غير مفعّل لدى أي منشأة.")
    with language("ar"):
        choices = _("Choose the reply language with /lang ar (Arabic) or /lang en (English).")
    assert sent[1].params["text"] == rtl_text(choices)
    with UnitOfWork(engine) as uow:
        assert stored_language(uow, USER) is None and uow.repo.user_by_telegram_id(USER + 1) is None


async def test_the_bot_own_replies_follow_the_language_written_in(telegram, rasa, bot):
    await telegram.push_message(USER, voice={"file_id": "v1", "file_unique_id": "vu1", "duration": 3}, caption="hello")
    await telegram.push_text(USER, "/renew 2180967925")
    sent = await telegram.wait_for_calls("sendMessage", 2)
    with language("en"):
        assert sent[0].params["text"] == _(uploads.UNSUPPORTED)
    assert sent[0].params["text"].startswith("I do not take this kind of message or file.")
    assert RLM not in sent[0].params["text"]
    assert sent[1].params["text"].startswith("هذا الأمر غير معروف.")  # a command has no words: Arabic


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
