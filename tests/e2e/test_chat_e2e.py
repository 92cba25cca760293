"""The terminal chat end to end: `muqeem chat` in a pseudo-terminal, talking to the real Rasa and
action servers of tests/e2e/conftest.py (MUQEEM_RASA_URL set, so the chat starts no servers of its
own); the confirmation is chosen by its number, and the database is checked afterwards."""

from __future__ import annotations

import os
import re
from datetime import date

import pexpect
import pytest

from residency.presentation.charts import shape_for_display
from tests.e2e.conftest import CHAT_OWNER, ROOT
from tests.loopback import MUQEEM

pytestmark = pytest.mark.e2e

PROMPT = "أنت> "
REPLY_SECONDS = 30


def test_exit_reentry_chosen_by_number_in_the_terminal_chat(stack, world, tmp_path):
    stack.start_rasa()  # running already unless an earlier test left it stopped
    balance = stack.balance(world.establishment_id)
    env = {key: value for key, value in os.environ.items() if not key.startswith("MUQEEM_")}
    env.update(stack.env, MUQEEM_RASA_URL=stack.rasa_url, MUQEEM_VAR_DIR=str(tmp_path))
    chat = pexpect.spawn(
        MUQEEM,
        ["chat", "--as", str(CHAT_OWNER), "--no-shape"],
        cwd=str(ROOT),
        env=env,
        encoding="utf-8",
        timeout=REPLY_SECONDS,
        dimensions=(50, 250),
    )
    try:
        chat.expect_exact(PROMPT)
        chat.sendline(f"ابي خروج وعودة مفردة للعامل {world.chat} لمدة شهرين")
        chat.expect_exact("1) تأكيد  2) إلغاء")  # the buttons, numbered, under the quote
        quote = chat.before
        chat.expect_exact(PROMPT)
        total = int(re.search(r"الإجمالي: (\d+) ريال", quote).group(1))
        assert "مقيم> 🏢 " in quote and "طلب إصدار تأشيرة خروج وعودة" in quote  # the establishment first
        assert "العودة قبل: 2027-01-27" in quote
        assert stack.visas_of(world.chat) == []  # nothing before the confirmation

        chat.sendline("1")
        chat.expect_exact("تم التنفيذ")  # under the establishment
        chat.expect_exact(PROMPT)
        receipt = chat.before  # the rest of the receipt
        chat.sendline("/quit")
        chat.expect(pexpect.EOF)
    finally:
        chat.close(force=True)
    assert chat.exitstatus == 0
    assert re.search(rf"\b{total}\b", receipt), receipt

    assert total == 200  # a single exit/re-entry of up to two months
    [visa] = stack.visas_of(world.chat)
    assert (visa.kind, visa.entry_type, visa.status) == ("exit_reentry", "single", "issued")
    assert (visa.issued_on, visa.valid_until) == (date(2026, 11, 27), date(2027, 1, 27))
    [transaction] = stack.transactions_of(world.chat)
    assert (transaction.service, transaction.total) == ("issue_exit_reentry", total)
    assert stack.ledger_of(transaction.id) == [-total]
    assert stack.balance(world.establishment_id) == balance - total


def test_the_default_shaped_chat_shows_replies_with_names_in_arabic_and_english(stack, world, tmp_path):
    """`make run`'s path: shaped (the default), a card naming the worker (its name isolated for Telegram
    with U+2068/U+2069, which python-bidi rejects), then the same in English, whose lines stay left to right."""
    stack.start_rasa()
    env = {key: value for key, value in os.environ.items() if not key.startswith("MUQEEM_")}
    env.update(stack.env, MUQEEM_RASA_URL=stack.rasa_url, MUQEEM_VAR_DIR=str(tmp_path))
    chat = pexpect.spawn(
        MUQEEM,
        ["chat", "--as", str(CHAT_OWNER)],
        cwd=str(ROOT),
        env=env,
        encoding="utf-8",
        timeout=REPLY_SECONDS,
        dimensions=(50, 250),
    )
    name = shape_for_display("محمد عبدالله خان")  # the factories' name, as a shaping terminal shows it
    try:
        chat.expect_exact(shape_for_display("أنت") + "> ")
        chat.sendline(f"وش بيانات {world.chat}")
        chat.expect_exact(name)
        chat.expect_exact("> ")
        chat.sendline(f"show me the details of iqama {world.chat}")
        chat.expect_exact("Mohammed Abdullah Khan")
        chat.expect_exact("You> ")
        english = chat.before
        chat.sendline("/quit")
        chat.expect(pexpect.EOF)
    finally:
        chat.close(force=True)
    assert chat.exitstatus == 0
    assert "Traceback" not in english and "AssertionError" not in english
    # left to right and left-aligned: indented under "Muqeem> ", not pushed to the right edge of 250 columns
    assert re.search(r"^ {8}• Iqama number: \d{10}\r?$", english, re.MULTILINE), english
