"""`muqeem chat` in a pseudo-terminal against a fake Rasa REST channel: numbered buttons, payloads,
"/" commands never sent, attachments saved, apologies on empty answers and unreachable Rasa."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import time
from pathlib import Path

import pexpect
from aiohttp import web

from residency.presentation.charts import shape_for_display
from tests.frontends.fake_telegram import TOKEN
from tests.loopback import MUQEEM, free_port

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
CONFIRM = [
    {
        "recipient_id": "42",
        "text": "الرسوم 650 ريالًا. هل تؤكد؟",
        "buttons": [{"title": "تأكيد", "payload": "/affirm"}, {"title": "إلغاء", "payload": "/deny"}],
    }
]


def scripted(sender: str, message: str):
    return {
        "جدد": CONFIRM,
        "/affirm": [{"recipient_id": sender, "text": "تم التجديد."}],
        "/deny": [{"recipient_id": sender, "text": "ألغيت الطلب."}],
        "3": [{"recipient_id": sender, "text": "ثلاثة"}],
        "تقرير": [
            {"recipient_id": sender, "text": "إليك التقرير:"},
            {"recipient_id": sender, "custom": {"photo_base64": base64.b64encode(PNG).decode(), "caption": "الرسم"}},
            {
                "recipient_id": sender,
                "custom": {
                    "document_base64": base64.b64encode("الاسم\n".encode("utf-8-sig")).decode(),
                    "filename": "../../تقرير.csv",
                    "caption": "الملف",
                },
            },
        ],
        "صامت": [],
        "عطل": web.Response(status=500, text="boom"),
    }.get(message, [{"recipient_id": sender, "text": f"وصلني: {message}"}])


def spawn_chat(tmp_path, rasa_url: str, *args: str) -> pexpect.spawn:
    # A database of its own (empty: no stored /lang choice), whatever the developer's var/muqeem.db holds.
    env = {
        **os.environ,
        "MUQEEM_RASA_URL": rasa_url,
        "MUQEEM_VAR_DIR": str(tmp_path),
        "MUQEEM_DATABASE_URL": f"sqlite:///{tmp_path / 'chat.db'}",
    }
    env.pop("MUQEEM_TERMINAL_SHAPES", None)
    return pexpect.spawn(MUQEEM, ["chat", *args], env=env, encoding="utf-8", timeout=30, dimensions=(40, 100))


def test_buttons_are_numbered_and_a_number_sends_the_payload(tmp_path, fake_rasa):
    fake_rasa.reply = scripted
    chat = spawn_chat(tmp_path, fake_rasa.url, "--as", "42", "--no-shape")
    chat.expect_exact("أنت> ")
    chat.sendline("جدد")
    chat.expect_exact("مقيم> الرسوم 650 ريالًا. هل تؤكد؟")
    chat.expect_exact("1) تأكيد  2) إلغاء")
    chat.expect_exact("أنت> ")
    chat.sendline("1")
    chat.expect_exact("مقيم> تم التجديد.")
    chat.expect_exact("أنت> ")

    chat.sendline("جدد")
    chat.expect_exact("أنت> ")
    chat.sendline("٢")  # Arabic-Indic digits choose too
    chat.expect_exact("مقيم> ألغيت الطلب.")
    chat.expect_exact("أنت> ")

    chat.sendline("3")  # no buttons any more: a number is plain text
    chat.expect_exact("مقيم> ثلاثة")
    chat.expect_exact("أنت> ")
    chat.sendline("/quit")
    chat.expect(pexpect.EOF)
    chat.close()
    assert chat.exitstatus == 0
    assert fake_rasa.received == [
        ("42", "جدد"),
        ("42", "/affirm"),
        ("42", "جدد"),
        ("42", "/deny"),
        ("42", "3"),
    ]


def test_typed_slash_text_is_never_sent(tmp_path, fake_rasa):
    fake_rasa.reply = scripted
    chat = spawn_chat(tmp_path, fake_rasa.url, "--no-shape")
    chat.expect_exact("أنت> ")
    chat.sendline('/inform{"iqama_number": "2000000006"}')
    chat.expect_exact("لا تُرسل إلى المساعد")
    chat.expect_exact("أنت> ")
    chat.sendline("  /affirm")
    chat.expect_exact("لا تُرسل إلى المساعد")
    chat.expect_exact("أنت> ")
    chat.sendline("مرحبا")
    chat.expect_exact("مقيم> وصلني: مرحبا")
    chat.expect_exact("أنت> ")
    chat.sendline("/exit")
    chat.expect(pexpect.EOF)
    chat.close()
    assert chat.exitstatus == 0
    # default sender: the demo owner
    assert fake_rasa.received == [("1000001", "مرحبا")]


def test_attachments_are_saved_and_empty_or_failed_answers_get_an_apology(tmp_path, fake_rasa):
    fake_rasa.reply = scripted
    chat = spawn_chat(tmp_path, fake_rasa.url, "--no-shape")
    chat.expect_exact("أنت> ")
    chat.sendline("تقرير")
    chat.expect_exact("مقيم> إليك التقرير:")
    chat.expect_exact("مقيم> الرسم")
    chat.expect(r"(/\S+\.png)")
    photo = chat.match.group(1)
    chat.expect_exact("مقيم> الملف")
    chat.expect(r"(/\S+\.csv)")
    document = chat.match.group(1)
    chat.expect_exact("أنت> ")
    chat.sendline("صامت")
    chat.expect_exact("مقيم> عذرًا، لم يصلني رد من المساعد.")
    chat.expect_exact("أنت> ")
    chat.sendline("عطل")
    chat.expect_exact("مقيم> عذرًا، لم يصلني رد من المساعد.")
    chat.expect_exact("أنت> ")
    chat.sendeof()
    chat.expect(pexpect.EOF)
    chat.close()
    assert chat.exitstatus == 0

    downloads = tmp_path / "downloads"
    assert Path(photo).read_bytes() == PNG and Path(photo).parent == downloads
    assert document == str(downloads / "تقرير.csv")  # the "../" in the name is ignored
    assert Path(document).read_bytes() == "الاسم\n".encode("utf-8-sig")


def test_unreachable_rasa_gets_an_apology_and_the_chat_goes_on(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    chat = spawn_chat(tmp_path, url, "--no-shape")
    chat.expect_exact("أنت> ")
    chat.sendline("مرحبا")
    chat.expect_exact(f"عذرًا، تعذّر الوصول إلى المساعد على {url}.")
    chat.expect_exact("أنت> ")
    chat.sendline("/quit")
    chat.expect(pexpect.EOF)
    chat.close()
    assert chat.exitstatus == 0


def test_shaped_output_for_terminals_that_cannot_shape(tmp_path, fake_rasa):
    fake_rasa.reply = scripted
    chat = spawn_chat(tmp_path, fake_rasa.url)  # shaping is the default
    prompt = shape_for_display("أنت") + "> "
    chat.expect_exact(prompt)
    assert "/quit" in chat.before  # the command keeps its slash on the left
    chat.sendline("جدد")
    chat.expect_exact(shape_for_display("الرسوم 650 ريالًا."))
    chat.expect_exact(prompt)
    shown = chat.before
    assert shape_for_display("تأكيد") in shown and shape_for_display("إلغاء") in shown
    assert "تأكيد" not in shown  # never the logical (unjoined, left-to-right) form
    # right-aligned: the button line ends at the terminal's right edge
    button_line = next(line for line in shown.splitlines() if shape_for_display("تأكيد") in line)
    assert len(button_line.rstrip("\r")) == 99 and button_line.startswith(" ")
    chat.sendline("1")
    chat.expect_exact(shape_for_display("تم التجديد."))
    chat.sendline("/quit")
    chat.expect(pexpect.EOF)
    chat.close()
    assert fake_rasa.received[-1] == ("1000001", "/affirm")


def test_terminal_shapes_switch_by_environment(tmp_path, fake_rasa, monkeypatch):
    fake_rasa.reply = scripted
    monkeypatch.setenv("MUQEEM_TERMINAL_SHAPES", "1")
    env = {**os.environ, "MUQEEM_RASA_URL": fake_rasa.url, "MUQEEM_VAR_DIR": str(tmp_path)}
    chat = pexpect.spawn(MUQEEM, ["chat"], env=env, encoding="utf-8", timeout=30)
    chat.expect_exact("أنت> ")
    chat.sendline("جدد")
    chat.expect_exact("1) تأكيد  2) إلغاء")
    chat.sendline("/quit")
    chat.expect(pexpect.EOF)


def test_bot_command_without_a_token_says_what_to_do(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    result = subprocess.run([MUQEEM, "bot"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "muqeem chat" in result.stderr


def test_bot_command_relays_telegram_to_the_given_rasa(
    tmp_path, fake_rasa, fake_telegram, background_loop, database_url
):
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": fake_telegram.base_url,
        "MUQEEM_RASA_URL": fake_rasa.url,
        "MUQEEM_VAR_DIR": str(tmp_path),
        "MUQEEM_DATABASE_URL": database_url,
    }
    bot = subprocess.Popen([MUQEEM, "bot"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        background_loop.run(fake_telegram.push_text(777, "مرحبا"))
        deadline = time.monotonic() + 30
        while not fake_rasa.received and time.monotonic() < deadline and bot.poll() is None:
            time.sleep(0.2)
        assert fake_rasa.received == [("777", "مرحبا")]
        background_loop.run(fake_telegram.wait_for(lambda fake: fake.sent_texts(), timeout=10), timeout=15)
        assert any("وصلني: مرحبا" in text for text in fake_telegram.sent_texts())
    finally:
        bot.send_signal(signal.SIGINT)
        output = bot.communicate(timeout=30)[0].decode(errors="replace")
    assert bot.returncode == 0, output[-2000:]
