"""The Telegram bot end to end: the real `muqeem bot` process, long-polling the fake Telegram Bot API
(tests/frontends/fake_telegram.py) on loopback, relaying to the real Rasa and action servers on a seeded
database (tests/e2e/conftest.py). Users act only through updates, as on Telegram; the database and
Rasa's tracker are checked afterwards.

The outage test stops the Rasa server and starts it again, so it runs last in this module.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from runtime import servers as server_control
from runtime.hops import hop_token
from replies import _ as translated
from residency.activation import WRONG_CODE_MESSAGE
from frontends.telegram_bot.handlers import ACTIVATED, ALREADY_CHOSEN, UNKNOWN_COMMAND, WELCOME
from frontends.telegram_bot.sending import UNAVAILABLE
from frontends.telegram_bot.render import MESSAGE_LIMIT, needs_rtl_mark, utf16_len
from residency.activation import issue_code
from residency.db import UnitOfWork
from residency.models import User
from residency.services.base import NOT_ACTIVATED
from residency.presentation.texts import MAX_LIST_LINES
from tests.frontends.fake_telegram import TOKEN
from tests.frontends.fake_telegram import Call, FakeTelegram
from tests.e2e.conftest import (
    NEW_USER,
    OUTAGE_OWNER,
    RENEWAL_OWNER,
    REPORT_OWNER,
    REPORT_RESIDENTS,
    ROOT,
    SLASH_OWNER,
    STRANGER,
    TWICE_OWNER,
    WRONG_CODE_USER,
    YEAR_RENEWAL_TOTAL,
)
from tests.loopback import MUQEEM, BackgroundLoop

pytestmark = pytest.mark.e2e

BOT_READY_SECONDS = 60
REPLY_SECONDS = 30  # a reply through bot, Rasa and actions (the first report draws a chart)
QUIET_SECONDS = 0.7  # no further call for this long: the reply is complete
SENT_TO_CHAT = ("sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup")
TOTAL = re.compile(r"الإجمالي: (\d+) ريال")
CANCELLED = "تم إلغاء الطلب"
DONE = "تم التنفيذ"


class Telegram:
    """The fake Bot API, served from a background event loop, as seen from the (synchronous) tests."""

    def __init__(self, fake: FakeTelegram, loop: BackgroundLoop) -> None:
        self.fake = fake
        self.loop = loop

    def mark(self) -> int:
        return len(self.fake.calls)

    def calls_since(self, mark: int) -> list[Call]:
        return list(self.fake.calls[mark:])

    def wait(self, predicate: Callable[[FakeTelegram], bool], timeout: float) -> None:
        self.loop.run(self.fake.wait_for(predicate, timeout), timeout + 5)

    def wait_quiet(self, quiet: float = QUIET_SECONDS, timeout: float = 10.0) -> None:
        """Until no call arrived for `quiet` seconds (bounded by `timeout`)."""
        deadline = time.monotonic() + timeout
        count = self.mark()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            if self.mark() == count:
                return
            count = self.mark()
        raise AssertionError(f"the bot kept calling the Bot API for {timeout} s")


@dataclass
class Reply:
    """What the bot did for one chat after a user's action: its Bot API calls, in order."""

    calls: list[Call]

    def of(self, *methods: str) -> list[Call]:
        return [call for call in self.calls if call.method in methods]

    @property
    def texts(self) -> list[str]:
        return [call.params["text"] for call in self.of("sendMessage")]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def message_with_buttons(self) -> Call:
        """The sent message carrying an inline keyboard (a quote)."""
        with_keyboard = [call for call in self.of("sendMessage") if call.params.get("reply_markup")]
        assert len(with_keyboard) == 1, self.texts
        return with_keyboard[0]


def button_data(message: Call, title: str) -> str:
    """The callback data of the button titled `title` under a sent message."""
    buttons = [b for row in message.params["reply_markup"]["inline_keyboard"] for b in row]
    matching = [b["callback_data"] for b in buttons if b["text"] == title]
    assert matching, f"no button {title!r} in {buttons}"
    return matching[0]


class TelegramUser:
    """A Telegram user: writes messages and presses buttons; each action returns the bot's reply."""

    def __init__(self, telegram: Telegram, user_id: int) -> None:
        self.telegram = telegram
        self.id = user_id

    def _for_me(self, call: Call) -> bool:
        # Callback answers carry no chat id; the tests act one user at a time.
        return call.method == "answerCallbackQuery" or (
            call.method in SENT_TO_CHAT and call.params.get("chat_id") == self.id
        )

    def reply_since(self, mark: int) -> Reply:
        return Reply([call for call in self.telegram.calls_since(mark) if self._for_me(call)])

    def wait_for(self, mark: int, done: Callable[[Reply], bool]) -> Reply:
        """Wait until the reply since `mark` satisfies `done`, then until the bot is quiet."""
        self.telegram.wait(lambda fake: done(self.reply_since(mark)), REPLY_SECONDS)
        self.telegram.wait_quiet()
        return self.reply_since(mark)

    def push(self, update) -> int:
        """Queue an update (a FakeTelegram push coroutine) without waiting; returns its id."""
        return self.telegram.loop.run(update)

    def says(self, text: str, expect: str | None = None) -> Reply:
        """Send `text`; wait for a message containing `expect` (any message when None)."""
        mark = self.telegram.mark()
        self.push(self.telegram.fake.push_text(self.id, text))
        return self.wait_for(mark, text_sent(expect))

    def press(self, message: Call, title: str, update_id: int | None = None) -> int:
        """Queue a press of the button titled `title` under `message`; returns the update id."""
        return self.push(
            self.telegram.fake.push_press(self.id, message.result, button_data(message, title), update_id=update_id)
        )

    def presses(self, message: Call, title: str, expect: str) -> Reply:
        """Press the button titled `title` under `message`; wait for a message containing `expect`."""
        mark = self.telegram.mark()
        self.press(message, title)
        return self.wait_for(mark, text_sent(expect))


def text_sent(expect: str | None) -> Callable[[Reply], bool]:
    return lambda reply: any(expect is None or expect in text for text in reply.texts)


@pytest.fixture(scope="module")
def telegram():
    loop = BackgroundLoop()
    fake = FakeTelegram(TOKEN)
    try:
        fake.base_url = loop.run(fake.start())
        yield Telegram(fake, loop)
    finally:
        loop.run(fake.stop())
        loop.run(cancel_leftover_tasks())
        loop.close()


async def cancel_leftover_tasks() -> None:
    """Cancel what the server left running (a long poll the stopped bot no longer waits for)."""
    leftovers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in leftovers:
        task.cancel()
    await asyncio.gather(*leftovers, return_exceptions=True)


@pytest.fixture(scope="module")
def bot(stack, telegram, tmp_path_factory) -> server_control.ServerProcess:
    """`muqeem bot` with the fake token, polling the fake Bot API, talking to the test Rasa; run like
    the servers (own process group, log file, ended with its parent, stopped at teardown)."""
    work = tmp_path_factory.mktemp("bot")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "MUQEEM_"))}
    env.update(
        stack.env,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=telegram.fake.base_url,
        MUQEEM_RASA_URL=stack.rasa_url,
        MUQEEM_VAR_DIR=str(work),
    )
    # The bot serves no URL: it is ready once the fake Bot API has seen run_polling's deleteWebhook.
    process = server_control.ServerProcess(
        name="bot", argv=[MUQEEM, "bot"], ready_url="", env=env, cwd=ROOT, log_path=work / "bot.log"
    )
    try:
        process.start()
        deadline = time.monotonic() + BOT_READY_SECONDS
        while not telegram.fake.calls_of("deleteWebhook"):
            assert process.exit_code() is None, f"the bot exited:\n{log_tail(process)}"
            assert time.monotonic() < deadline, f"the bot did not poll in {BOT_READY_SECONDS} s:\n{log_tail(process)}"
            time.sleep(0.2)
        yield process
    finally:
        server_control.stop_all([process])


def log_tail(process: server_control.ServerProcess, characters: int = 3000) -> str:
    return process.log_path.read_text(encoding="utf-8", errors="replace")[-characters:]


@pytest.fixture
def user(telegram, bot) -> Callable[[int], TelegramUser]:
    return lambda user_id: TelegramUser(telegram, user_id)


def rasa_user_texts(stack, sender: int) -> list[str]:
    """The user messages Rasa's tracker holds for `sender`, every session (Rasa's HTTP API, with the
    hop token as an operator's script would)."""
    url = f"{stack.rasa_url}/conversations/{sender}/tracker?token={hop_token(stack.settings.var_dir)}"
    with urllib.request.urlopen(url, timeout=10) as response:
        tracker = json.loads(response.read())
    return [event.get("text") for event in tracker["events"] if event["event"] == "user"]


def quoted_total(reply: Reply) -> int:
    match = TOTAL.search(reply.text)
    assert match, reply.texts
    return int(match.group(1))


def registered_user(stack, telegram_id: int):
    """(establishment_id, role) of the user with this Telegram id, or None."""
    with UnitOfWork(stack.engine) as uow:
        return uow.session.execute(
            select(User.establishment_id, User.role).where(User.telegram_id == telegram_id)
        ).one_or_none()


# ---------------------------------------------------------------------------------------------


def test_activation_with_a_code_and_a_wrong_code(stack, world, user):
    with UnitOfWork(stack.engine) as uow:
        code = issue_code(uow, world.establishment_number)
    newcomer, mistaken = user(NEW_USER), user(WRONG_CODE_USER)

    assert newcomer.says("السلام عليكم").texts == [translated(NOT_ACTIVATED)]  # not a user yet
    welcome = newcomer.says(f"/start {code}")
    assert welcome.texts == [translated(ACTIVATED).format(establishment=world.establishment_name, role="مالك المنشأة")]
    assert tuple(registered_user(stack, NEW_USER)) == (world.establishment_id, "owner")
    # Rasa's actions now know the user: a greeting is answered, not refused
    greeting = newcomer.says("السلام عليكم")
    assert (
        greeting.texts
        and translated(NOT_ACTIVATED) not in greeting.text
        and translated(UNAVAILABLE) not in greeting.text
    )

    wrong = mistaken.says("/start ABCD2345")
    assert wrong.texts == [translated(WRONG_CODE_MESSAGE)]
    reused = mistaken.says(f"/start {code}")
    assert reused.texts == [translated(WRONG_CODE_MESSAGE)]  # used and wrong codes get one answer
    assert mistaken.says("/start").texts == [translated(WELCOME)]
    assert registered_user(stack, WRONG_CODE_USER) is None


def test_renewal_quoted_confirmed_and_charged_exactly_the_quote(stack, world, user):
    owner = user(RENEWAL_OWNER)
    balance = stack.balance(world.establishment_id)

    quote = owner.says(f"جدد اقامة {world.renewal} سنة", expect="الإجمالي")
    total = quoted_total(quote)
    assert total == YEAR_RENEWAL_TOTAL
    assert "2028-03-01" in quote.text
    keyboard = quote.message_with_buttons()
    titles = [b["text"] for row in keyboard.params["reply_markup"]["inline_keyboard"] for b in row]
    assert titles == ["تأكيد", "إلغاء"]
    assert all(len(button_data(keyboard, t).encode()) <= 64 for t in titles)
    assert stack.transactions_of(world.renewal) == []  # nothing before the confirmation

    receipt = owner.presses(keyboard, "تأكيد", expect=DONE)
    assert DONE in receipt.text and str(total) in receipt.text
    assert not [line for text in quote.texts + receipt.texts for line in text.split("\n") if needs_rtl_mark(line)]
    edited = receipt.of("editMessageText")  # the keyboard is replaced by the choice
    assert len(edited) == 1 and edited[0].params["text"].endswith("✔ تأكيد")

    assert stack.iqama_expiry(world.renewal).isoformat() == "2028-03-01"
    [transaction] = stack.transactions_of(world.renewal)
    assert (transaction.service, transaction.total) == ("renew_iqama", total)
    assert stack.ledger_of(transaction.id) == [-total]
    assert stack.balance(world.establishment_id) == balance - total


def test_double_tap_and_repeated_updates_execute_once(stack, world, user):
    owner = user(TWICE_OWNER)
    fake = owner.telegram.fake
    balance = stack.balance(world.establishment_id)

    quote = owner.says(f"جدد اقامة {world.twice} سنة", expect="الإجمالي")
    total, keyboard = quoted_total(quote), quote.message_with_buttons()
    mark = owner.telegram.mark()
    first_press = owner.press(keyboard, "تأكيد")
    owner.press(keyboard, "تأكيد")  # the second tap, before the first is answered
    owner.wait_for(mark, text_sent(DONE))
    owner.press(keyboard, "تأكيد", update_id=first_press)  # Telegram delivers the first press again
    owner.telegram.wait_quiet(quiet=1.5)
    reply = owner.reply_since(mark)
    assert len(reply.texts) == 1 and DONE in reply.text, reply.texts
    answers = [call.params.get("text") for call in reply.of("answerCallbackQuery")]
    assert len(answers) == 2 and answers.count(translated(ALREADY_CHOSEN)) == 1, (
        answers
    )  # the repeat is dropped unanswered

    # A typed confirmation delivered twice in one batch
    owner.says(f"جدد اقامة {world.twice_typed} سنة", expect="الإجمالي")
    mark = owner.telegram.mark()
    repeated = owner.push(fake.push_text(TWICE_OWNER, "نعم"))
    owner.push(fake.push_text(TWICE_OWNER, "نعم", update_id=repeated))
    owner.wait_for(mark, text_sent(DONE))
    owner.telegram.wait_quiet(quiet=1.5)
    typed = owner.reply_since(mark)
    assert len(typed.texts) == 1 and DONE in typed.text, typed.texts
    assert rasa_user_texts(stack, TWICE_OWNER).count("نعم") == 1

    for iqama in (world.twice, world.twice_typed):
        [transaction] = stack.transactions_of(iqama)
        assert transaction.total == total
        assert stack.ledger_of(transaction.id) == [-total]
    assert stack.balance(world.establishment_id) == balance - 2 * total


def test_typed_slash_commands_never_reach_rasa(stack, world, user):
    owner = user(SLASH_OWNER)
    request = f"جدد اقامة {world.slash} سنة"
    keyboard = owner.says(request, expect="الإجمالي").message_with_buttons()

    for typed in ("/affirm", '/inform{"iqama_number": "' + world.renewal + '"}', "  /affirm"):
        assert owner.says(typed).texts == [translated(UNKNOWN_COMMAND)], typed
    assert rasa_user_texts(stack, SLASH_OWNER) == [request]
    assert stack.transactions_of(world.slash) == []
    assert stack.iqama_expiry(world.slash).isoformat() == "2027-03-01"

    # the quote is still open: the button cancels it, and nothing is charged
    assert CANCELLED in owner.presses(keyboard, "إلغاء", expect=CANCELLED).text
    assert stack.transactions_of(world.slash) == []


def test_long_report_is_split_and_comes_with_a_chart_and_a_csv(stack, world, user):
    owner = user(REPORT_OWNER)
    mark = owner.telegram.mark()
    owner.push(owner.telegram.fake.push_text(REPORT_OWNER, "تقرير الإقامات المنتهية"))
    reply = owner.wait_for(mark, lambda reply: bool(reply.of("sendDocument")))

    texts = reply.texts
    assert len(texts) >= 2, [utf16_len(text) for text in texts]
    assert all(0 < utf16_len(text) <= MESSAGE_LIMIT for text in texts)
    assert not [line for text in texts for line in text.split("\n") if needs_rtl_mark(line)]
    assert f": {REPORT_RESIDENTS} (منها {world.report_expired} منتهية)" in texts[0]
    listed = re.findall(r"إقامة (2\d{9})", "\n".join(texts))
    assert listed == list(world.report_iqamas[:MAX_LIST_LINES])  # soonest first, each once, across the messages
    assert texts[-1].endswith(f"و{REPORT_RESIDENTS - MAX_LIST_LINES} غيرهم.")

    [photo] = reply.of("sendPhoto")
    assert photo.files["photo"]["content"].startswith(b"\x89PNG")
    [document] = reply.of("sendDocument")
    assert document.files["document"]["filename"].endswith(".csv")
    csv_text = document.files["document"]["content"].decode("utf-8-sig")
    assert sorted(re.findall(r"\b2\d{9}\b", csv_text)) == sorted(world.report_iqamas)  # all of them


def assert_only_the_activation_hint(stack, world, user, messages) -> None:
    stranger = user(STRANGER)
    transactions, expiry = stack.transactions_of(world.renewal), stack.iqama_expiry(world.renewal)
    for text in messages:
        reply = stranger.says(text)
        assert reply.texts == [translated(NOT_ACTIVATED)], text
        assert not reply.of("sendPhoto", "sendDocument")
        assert not any(call.params.get("reply_markup") for call in reply.of("sendMessage"))
    assert stack.transactions_of(world.renewal) == transactions
    assert stack.iqama_expiry(world.renewal) == expiry


def test_stranger_gets_only_the_activation_hint(stack, world, user):
    assert_only_the_activation_hint(
        stack,
        world,
        user,
        (
            f"جدد اقامة {world.renewal} سنة",
            "السلام عليكم",
            "تقرير الإقامات المنتهية",
            "/help",
            world.renewal,
        ),
    )


def test_stranger_confirming_or_cancelling_gets_only_the_activation_hint(stack, world, user):
    assert_only_the_activation_hint(stack, world, user, ("نعم", "لا", "الغ الطلب", "/cancel"))


def test_rasa_outage_gets_an_apology_and_charges_nothing(stack, world, user, bot):
    owner = user(OUTAGE_OWNER)
    balance = stack.balance(world.establishment_id)
    keyboard = owner.says(f"جدد اقامة {world.outage} سنة", expect="الإجمالي").message_with_buttons()

    stack.stop_rasa()
    try:
        assert owner.presses(keyboard, "تأكيد", expect=translated(UNAVAILABLE)).texts == [translated(UNAVAILABLE)]
        assert owner.says("نعم").texts == [translated(UNAVAILABLE)]
        assert bot.exit_code() is None, log_tail(bot)
        assert stack.transactions_of(world.outage) == []
        assert stack.balance(world.establishment_id) == balance
    finally:
        stack.start_rasa()

    # Rasa is back (its conversations start afresh): the bot goes on without a restart
    greeting = owner.says("السلام عليكم")
    assert greeting.texts and translated(UNAVAILABLE) not in greeting.text, greeting.texts
    assert bot.exit_code() is None, log_tail(bot)
    assert stack.transactions_of(world.outage) == []
    assert stack.balance(world.establishment_id) == balance
