"""The real bot application against a fake Telegram Bot API server and a fake Rasa REST channel."""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from sqlalchemy import select

from frontends.telegram_bot import app as bot_app
from frontends.telegram_bot import handlers, outbox, sending
from frontends.telegram_bot import uploads
from frontends.telegram_bot.render import RLM, needs_rtl_mark, utf16_len
from replies import _
from residency.activation import WRONG_CODE_MESSAGE, issue_code
from residency import services
from residency.db import UnitOfWork
from residency.models import Notification, Resident
from tests.domain import factories
from tests.frontends.fake_telegram import TOKEN
from tests.frontends.telegram_bot.conftest import running_bot

pytestmark = pytest.mark.anyio

REPO_ROOT = Path(__file__).resolve().parents[3]
USER = 555
CONFIRM_PAYLOAD = "/affirm"
# A realistic payload that is far over Telegram's 64-byte callback limit (Arabic letters are 2 bytes).
NAME_PAYLOAD = '/inform{"person_name": "محمد عبدالله العتيبي", "iqama_number": "2180967925"}'


def keyboard_of(message_params: dict) -> list[dict]:
    return [button for row in message_params["reply_markup"]["inline_keyboard"] for button in row]


async def test_text_is_forwarded_as_the_sender_and_the_reply_rendered_right_to_left(telegram, rasa, bot):
    rasa.reply = lambda sender, message: [
        {"recipient_id": sender, "text": "Iqama 2180967925\nتم التجديد"},
        {"recipient_id": sender, "text": "- 3 months\nشكرًا"},
    ]
    await telegram.push_text(USER, "جدد اقامة ٢١٨٠٩٦٧٩٢٥ سنة")
    sent = await telegram.wait_for_calls("sendMessage", 2)

    assert rasa.received == [(str(USER), "جدد اقامة ٢١٨٠٩٦٧٩٢٥ سنة")]
    assert [call.params["chat_id"] for call in sent] == [USER, USER]
    assert [call.params["text"] for call in sent] == [
        f"{RLM}Iqama 2180967925\nتم التجديد",
        f"{RLM}- 3 months\nشكرًا",
    ]


async def test_buttons_carry_short_ids_and_only_the_first_press_is_forwarded(telegram, rasa, bot):
    def reply(sender: str, message: str) -> list:
        if message == CONFIRM_PAYLOAD:
            return [{"text": "تم التنفيذ. رقم العملية 42"}]
        return [
            {
                "text": "الرسوم 650 ريال. هل تؤكد؟",
                "buttons": [
                    {"title": "تأكيد", "payload": CONFIRM_PAYLOAD},
                    {"title": "إلغاء", "payload": "/deny"},
                    {"title": "محمد عبدالله العتيبي", "payload": NAME_PAYLOAD},
                ],
            }
        ]

    rasa.reply = reply
    await telegram.push_text(USER, "جدد اقامة 2180967925 سنة")
    [question] = await telegram.wait_for_calls("sendMessage", 1)
    buttons = keyboard_of(question.params)
    assert [button["text"] for button in buttons] == ["تأكيد", "إلغاء", "محمد عبدالله العتيبي"]
    for button in buttons:
        data = button["callback_data"]
        assert len(data.encode()) <= 64
        assert "affirm" not in data and "inform" not in data and "deny" not in data
    assert len({button["callback_data"] for button in buttons}) == 3

    bot_message = question.result
    await telegram.push_press(USER, bot_message, buttons[0]["callback_data"])
    await telegram.wait_for_calls("sendMessage", 2)
    edit = (await telegram.wait_for_calls("editMessageText", 1))[0]
    assert edit.params["text"] == "الرسوم 650 ريال. هل تؤكد؟\n\n✔ تأكيد"
    assert "reply_markup" not in edit.params  # an edit without a keyboard removes it
    assert telegram.sent_texts()[-1] == "تم التنفيذ. رقم العملية 42"
    assert rasa.received[-1] == (str(USER), CONFIRM_PAYLOAD)

    # Double taps: the same button again and another button of the same keyboard.
    await telegram.push_press(USER, bot_message, buttons[0]["callback_data"])
    await telegram.push_press(USER, bot_message, buttons[1]["callback_data"])
    answers = await telegram.wait_for_calls("answerCallbackQuery", 3)
    await telegram.settle()
    assert [call.params.get("text") for call in answers] == [
        None,
        _(handlers.ALREADY_CHOSEN),
        _(handlers.ALREADY_CHOSEN),
    ]
    assert rasa.messages().count(CONFIRM_PAYLOAD) == 1 and "/deny" not in rasa.messages()
    assert len(telegram.calls_of("sendMessage")) == 2


async def test_a_long_name_payload_is_forwarded_whole(telegram, rasa, bot):
    rasa.reply = lambda sender, message: (
        [{"text": "اختر الشخص", "buttons": [{"title": "محمد عبدالله العتيبي", "payload": NAME_PAYLOAD}]}]
        if message == "محمد"
        else [{"text": "بطاقة المقيم"}]
    )
    await telegram.push_text(USER, "محمد")
    [question] = await telegram.wait_for_calls("sendMessage", 1)
    await telegram.push_press(USER, question.result, keyboard_of(question.params)[0]["callback_data"])
    await telegram.wait_for_calls("sendMessage", 2)
    assert rasa.received[-1] == (str(USER), NAME_PAYLOAD)


async def test_a_button_unknown_after_a_restart_says_so_and_forwards_nothing(telegram, rasa, bot):
    await telegram.push_text(USER, "مرحبا")
    [reply] = await telegram.wait_for_calls("sendMessage", 1)
    await telegram.push_press(USER, reply.result, "stale-id-01")
    [answer] = await telegram.wait_for_calls("answerCallbackQuery", 1)
    assert answer.params["text"] == _(handlers.BUTTONS_EXPIRED)
    assert answer.params["show_alert"] is True
    assert len(answer.params["text"]) <= 200
    await telegram.settle()
    assert rasa.messages() == ["مرحبا"]


async def test_a_repeated_update_id_is_processed_once(telegram, rasa, bot):
    await telegram.push_text(USER, "مرحبا", update_id=500)
    await telegram.push_text(USER, "مرحبا", update_id=500)  # same batch
    await telegram.wait_for_calls("sendMessage", 1)
    await telegram.settle()
    await telegram.push_text(USER, "مرحبا", update_id=500)  # redelivered after it was confirmed
    await telegram.push_text(USER, "التالي", update_id=501)
    await telegram.wait_for_calls("sendMessage", 2)
    await telegram.settle()
    assert rasa.messages() == ["مرحبا", "التالي"]
    assert len(telegram.calls_of("sendMessage")) == 2


async def test_typed_text_starting_with_a_slash_never_reaches_rasa(telegram, rasa, bot):
    for text in ["/affirm", '/inform{"iqama_number": "2180967925"}', "   /deny", "/start@other_bot"]:
        await telegram.push_text(USER, text)
    await telegram.push_text(USER, "مرحبا")
    sent = await telegram.wait_for_calls("sendMessage", 5)
    assert [call.params["text"] for call in sent[:4]] == [_(handlers.UNKNOWN_COMMAND)] * 4
    assert rasa.messages() == ["مرحبا"]


async def test_cancel_and_help_send_intent_payloads_built_by_the_bot(telegram, rasa, bot):
    await telegram.push_text(USER, "/cancel")
    await telegram.push_text(USER, "/help")
    await telegram.wait_for_calls("sendMessage", 2)
    assert rasa.received == [(str(USER), "/cancel"), (str(USER), "/help")]


async def test_a_ten_thousand_character_reply_is_split_under_the_limit(telegram, rasa, bot):
    lines = [f"{'Iqama' if n % 3 == 0 else 'إقامة'} رقم {n} " + "ب" * 60 for n in range(150)]
    long_text = "\n".join(lines)[:10_000]
    rasa.reply = lambda sender, message: [{"text": long_text, "buttons": [{"title": "تم", "payload": "/affirm"}]}]
    await telegram.push_text(USER, "تقرير")
    await telegram.wait_for_calls("sendMessage", 3)
    await telegram.settle()
    sent = telegram.calls_of("sendMessage")
    assert len(sent) == 3
    assert all(utf16_len(call.params["text"]) <= 4096 for call in sent)
    assert "\n".join(call.params["text"] for call in sent).replace(RLM, "") == long_text
    assert all(not needs_rtl_mark(line) for call in sent for line in call.params["text"].split("\n"))
    assert ["reply_markup" in call.params for call in sent] == [False, False, True]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("failure", ["http_500", "empty_list", "not_json", "timeout", "down"])
async def test_rasa_failure_gets_an_apology_and_the_bot_keeps_answering(telegram, rasa, failure):
    port = int(rasa.url.rsplit(":", 1)[1])
    if failure == "http_500":
        rasa.reply = lambda sender, message: web.Response(status=500)
    elif failure == "empty_list":
        rasa.reply = lambda sender, message: []
    elif failure == "not_json":
        rasa.reply = lambda sender, message: web.Response(text="<html>proxy error</html>")
    elif failure == "timeout":
        rasa.delay = 1.0
    else:
        await rasa.stop()
    async with running_bot(telegram, rasa.url, rasa_timeout=0.3):
        await telegram.push_text(USER, "جدد اقامة")
        [apology] = await telegram.wait_for_calls("sendMessage", 1)
        assert apology.params["text"] == "عذرًا، الخدمة غير متاحة الآن، حاول بعد قليل."
        await telegram.settle()
        assert len(telegram.calls_of("sendMessage")) == 1  # nothing else is sent

        rasa.reply, rasa.delay = (lambda sender, message: [{"text": "أهلًا"}]), 0.0
        if failure == "down":
            await rasa.start(port)
        await telegram.push_text(USER, "مرحبا")
        await telegram.wait_for_calls("sendMessage", 2)
        assert telegram.sent_texts()[-1] == "أهلًا"


async def test_photo_document_and_image_items_are_sent(telegram, rasa, bot):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    csv = "iqama_number,name_ar\n2180967925,محمد\n".encode()
    rasa.reply = lambda sender, message: [
        {"text": "تقرير الإقامات المنتهية"},
        {"custom": {"photo_base64": base64.b64encode(png).decode(), "caption": "Chart 2026"}},
        {
            "custom": {
                "document_base64": base64.b64encode(csv).decode(),
                "filename": "iqamas.csv",
                "caption": "ملف الإقامات",
            }
        },
        {"image": "https://example.com/chart.png"},
    ]
    await telegram.push_text(USER, "الإقامات المنتهية")
    await telegram.wait_for_calls("sendPhoto", 2)
    methods = [call.method for call in telegram.calls if call.method.startswith("send")]
    assert methods == ["sendMessage", "sendPhoto", "sendDocument", "sendPhoto"]
    photo, url_photo = telegram.calls_of("sendPhoto")
    assert photo.files["photo"]["content"] == png
    assert photo.params["caption"] == f"{RLM}Chart 2026"
    [document] = telegram.calls_of("sendDocument")
    assert document.files["document"]["content"] == csv
    assert document.files["document"]["filename"] == "iqamas.csv"
    assert document.params["caption"] == "ملف الإقامات"
    assert url_photo.params["photo"] == "https://example.com/chart.png"


async def test_messages_of_one_chat_stay_in_order_while_chats_run_concurrently(telegram, rasa, bot):
    rasa.delay = lambda message: 0.5 if message == "بطيء" else 0.0
    rasa.reply = lambda sender, message: [{"text": f"رد {message}"}]
    await telegram.push_text(USER, "بطيء")
    await telegram.push_text(USER, "سريع")
    await telegram.push_text(777, "آخر")
    await telegram.wait_for_calls("sendMessage", 3)
    texts = telegram.sent_texts()
    assert texts.index("رد بطيء") < texts.index("رد سريع")  # one chat: in order
    assert texts[0] == "رد آخر"  # another chat is not held up by the slow one


async def test_a_non_text_message_is_answered_without_rasa(telegram, rasa, bot):
    await telegram.push_message(
        USER,
        sticker={
            "file_id": "s1",
            "file_unique_id": "su1",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        },
    )
    [reply] = await telegram.wait_for_calls("sendMessage", 1)
    assert reply.params["text"] == _(uploads.UNSUPPORTED)
    assert rasa.received == []


@pytest.fixture
def establishment_number(engine) -> str:
    with UnitOfWork(engine) as uow:
        establishment = factories.establishment(uow, number="7000000033", name_ar="مؤسسة النخبة للمقاولات")
        uow.commit()
        return establishment.number


async def test_start_welcomes_and_start_code_activates_through_the_domain(
    telegram, rasa, bot, engine, establishment_number
):
    with UnitOfWork(engine) as uow:
        code = issue_code(uow, establishment_number)
    typed = f"{code[:4]}-{code[4:]}".lower()  # as a person might type it
    await telegram.push_text(USER, "/start")
    await telegram.push_text(USER, "/start WRONG123")
    await telegram.push_text(USER, f"/start {typed}")
    await telegram.wait_for_calls("sendMessage", 3)
    await telegram.push_text(USER + 1, f"/start {code}")
    await telegram.push_text(-100200, f"/start {code}", chat_type="group", chat_id=-100200)
    sent = await telegram.wait_for_calls("sendMessage", 5)

    def replies_in(chat_id: int) -> list[str]:
        return [call.params["text"] for call in sent if call.params["chat_id"] == chat_id]

    welcome, wrong, activated = replies_in(USER)
    assert welcome == _(handlers.WELCOME)
    assert wrong == _(WRONG_CODE_MESSAGE)
    assert activated.startswith("تم تفعيل حسابك لمنشأة «مؤسسة النخبة للمقاولات» بصفة مالك المنشأة.")
    assert replies_in(USER + 1) == [_(WRONG_CODE_MESSAGE)]  # a used code is answered like a wrong one
    assert replies_in(-100200) == [_(handlers.ACTIVATE_IN_PRIVATE)]
    assert rasa.received == []
    with UnitOfWork(engine) as uow:
        user = uow.repo.user_by_telegram_id(USER)
        assert (user.role, user.establishment_id is not None) == ("owner", True)
        assert uow.repo.user_by_telegram_id(USER + 1) is None


@pytest.fixture
def database_down(monkeypatch):
    """MUQEEM_DATABASE_URL naming a server that refuses connections."""
    monkeypatch.setenv("MUQEEM_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:9/nowhere")


async def test_activation_with_the_database_down_gets_an_apology(telegram, rasa, bot, database_down):
    await telegram.push_text(USER, "/start K7M2Q9XD")
    [reply] = await telegram.wait_for_calls("sendMessage", 1, timeout=10)
    assert reply.params["text"] == _(sending.UNAVAILABLE)


async def test_an_unexpected_error_is_logged_without_the_token_and_the_user_gets_an_apology(
    telegram, rasa, bot, caplog
):
    caplog.set_level(logging.DEBUG)
    telegram.fail_next["sendMessage"] = 1
    await telegram.push_text(USER, "مرحبا")
    [_failed, apology] = await telegram.wait_for_calls("sendMessage", 2)
    assert apology.params["text"] == _(handlers.UNEXPECTED_ERROR)
    assert "Error while handling update" in caplog.text
    assert "/bot<redacted>/sendMessage" in caplog.text  # the URLs are logged, redacted
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text

    await telegram.push_text(USER, "مرة أخرى")  # still running
    await telegram.wait_for_calls("sendMessage", 3)


async def test_background_tasks_send_messages_with_working_buttons(telegram, rasa):
    stopped = asyncio.Event()

    async def reminder(application) -> None:
        try:
            await sending.send_text(
                application, USER, "Iqama 2180967925 تنتهي بعد 7 أيام", buttons=[("جدد الآن", "/renew_iqama")]
            )
            await asyncio.Event().wait()
        finally:
            stopped.set()

    async with running_bot(telegram, rasa.url, background_tasks=[reminder]):
        [notice] = await telegram.wait_for_calls("sendMessage", 1)
        assert notice.params["text"] == f"{RLM}Iqama 2180967925 تنتهي بعد 7 أيام"
        await telegram.push_press(USER, notice.result, keyboard_of(notice.params)[0]["callback_data"])
        await telegram.wait_for_calls("sendMessage", 2)
        assert rasa.received == [(str(USER), "/renew_iqama")]
    assert stopped.is_set()


async def test_webhook_accepts_only_requests_with_the_secret(telegram, rasa):
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram/updates"
    secret = "s3cret-webhook_token"
    application = bot_app.build_application(TOKEN, base_url=telegram.base_url, rasa_url=rasa.url)
    stop = asyncio.Event()
    serving = asyncio.create_task(
        bot_app.serve_webhook(application, url=url, secret=secret, port=port, listen="127.0.0.1", stop=stop)
    )
    try:
        [registration] = await telegram.wait_for_calls("setWebhook", 1)
        assert registration.params["url"] == url and registration.params["secret_token"] == secret
        update = {
            "update_id": 9,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": USER, "type": "private"},
                "from": {"id": USER, "is_bot": False, "first_name": "U"},
                "text": "مرحبا",
            },
        }
        async with httpx.AsyncClient() as client:
            for attempt in range(50):  # the site starts just after setWebhook
                try:
                    no_secret = await client.post(url, json=update)
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.05)
            wrong = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
            assert (no_secret.status_code, wrong.status_code) == (403, 403)
            right = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
            assert right.status_code == 200
        await telegram.wait_for_calls("sendMessage", 1)
        assert rasa.received == [(str(USER), "مرحبا")]
    finally:
        stop.set()
        await serving


async def test_main_runs_polling_from_the_environment_and_stops_on_sigterm(telegram, rasa):
    environment = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": telegram.base_url,
        "MUQEEM_RASA_URL": rasa.url,
    }
    environment.pop("MUQEEM_WEBHOOK_URL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from frontends.telegram_bot.app import main; main()",
        cwd=REPO_ROOT,
        env=environment,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await telegram.push_text(USER, "مرحبا")
        await telegram.wait_for_calls("sendMessage", 1, timeout=20)
        assert rasa.received == [(str(USER), "مرحبا")]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 20)
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Application started" in log
    assert TOKEN.split(":")[1] not in log


SOURCE_OWNER, TARGET_OWNER = 701, 702


@pytest.fixture
def pending_transfer(engine) -> dict:
    """Establishment A asked to transfer a resident to B; B's owner has an unsent notification."""
    with UnitOfWork(engine) as uow:
        source = factories.establishment(uow, number="7000000011")
        factories.user(uow, source, SOURCE_OWNER)
        resident = factories.resident(uow, source, name_ar="سامي خان")
        target = factories.establishment(uow, number="7000000022", name_ar="شركة البناء الحديث", balance=5_000)
        factories.user(uow, target, TARGET_OWNER)
        uow.commit()
        ids = {"resident": resident.id, "target": target.id}
    with UnitOfWork(engine) as uow:
        quoted = services.quote(
            uow,
            SOURCE_OWNER,
            "transfer_sponsorship",
            iqama_number=resident.iqama_number,
            establishment_number="7000000022",
        )
    with UnitOfWork(engine) as uow:
        services.execute(uow, SOURCE_OWNER, quoted, "transfer-1")
    return ids


async def test_outbox_notifications_are_relayed_once_and_transfer_buttons_decide_in_the_domain(
    telegram, rasa, engine, pending_transfer
):
    telegram.fail_next["sendMessage"] = 1  # the first attempt fails: retried on the next round

    async def relay_fast(application) -> None:
        await outbox.relay_outbox(application, interval=0.1)

    async with running_bot(telegram, rasa.url, background_tasks=[relay_fast]):
        notices = await telegram.wait_for_calls("sendMessage", 2)
        request = notices[-1]
        assert request.params["chat_id"] == TARGET_OWNER
        accept, decline = keyboard_of(request.params)
        assert (accept["text"], decline["text"]) == ("قبول", "رفض")

        await telegram.push_press(TARGET_OWNER, request.result, accept["callback_data"])
        await telegram.push_press(TARGET_OWNER, request.result, decline["callback_data"])
        await telegram.wait_for(
            lambda fake: any(call.params["chat_id"] == SOURCE_OWNER for call in fake.calls_of("sendMessage")[2:])
        )
        await telegram.settle()

    to_target = [c.params["text"] for c in telegram.calls_of("sendMessage")[1:] if c.params["chat_id"] == TARGET_OWNER]
    assert len(to_target) == 2  # the request once (after the failed attempt), then the decision
    assert to_target[1].startswith("تم نقل خدمات المقيم سامي خان إلى منشأتك.")
    [to_source] = [c.params["text"] for c in telegram.calls_of("sendMessage") if c.params["chat_id"] == SOURCE_OWNER]
    assert to_source.startswith("قبلت منشأة «شركة البناء الحديث»")
    answers = [call.params.get("text") for call in telegram.calls_of("answerCallbackQuery")]
    assert answers == [None, _(handlers.ALREADY_CHOSEN)]
    assert rasa.received == []  # decided by the domain, not by Rasa
    with UnitOfWork(engine) as uow:
        assert uow.session.get(Resident, pending_transfer["resident"]).establishment_id == pending_transfer["target"]
        assert uow.session.execute(select(Notification).where(Notification.sent_at.is_(None))).first() is None
