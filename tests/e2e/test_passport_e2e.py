"""A passport photo end to end: the real `muqeem bot` process long-polling the fake Bot API, which serves
the photo under /file/bot<token>/..., the real Rasa and action servers on the seeded database
(tests/e2e/conftest.py). A photo in, a quote with buttons out, confirmed, the resident's passport changed
once; a photo of no resident answered without a quote."""

from __future__ import annotations

import os
from datetime import date

import pexpect
import pytest
from sqlalchemy import select

from frontends.telegram_bot.handlers import ALREADY_CHOSEN
from replies import _ as translated
from residency.db import UnitOfWork
from residency.models import Establishment, Resident
from tests.domain import factories as f
from tests.e2e.conftest import ROOT
from tests.e2e.test_bot_e2e import DONE, bot, telegram, text_sent, user  # noqa: F401 - fixtures
from tests.loopback import MUQEEM
from tests.passport_images import Passport, data_page, jpeg, png

pytestmark = pytest.mark.e2e

PASSPORT_OWNER = 530
CHAT_PASSPORT_OWNER = 531
NEW_PASSPORT = Passport("FERNANDO", "SUNIL KUMARA", "N4455667", "LKA", "850317", "M", "360220")
CHAT_PASSPORT = Passport("SANTOS", "ROLANDO", "P77889901", "PHL", "800709", "M", "351130")


@pytest.fixture(scope="module")
def resident(stack):
    """A resident of the main establishment whose new passport the owner photographs."""
    with UnitOfWork(stack.engine) as uow:
        est = uow.session.get(Establishment, stack.world.establishment_id)
        f.user(uow, est, PASSPORT_OWNER)
        f.user(uow, est, CHAT_PASSPORT_OWNER)
        f.resident(
            uow,
            est,
            name_ar="رولاندو سانتوس",
            name_en="Rolando Santos",
            nationality="الفلبين",
            birth_date=date(1980, 7, 9),
            passport_number="P1000002",
            passport_expiry=date(2027, 1, 10),
            iqama_number="2000000329",
        )
        row = f.resident(
            uow,
            est,
            name_ar="سونيل كومارا فرناندو",
            name_en="Sunil Kumara Fernando",
            nationality="سريلانكا",
            birth_date=date(1985, 3, 17),
            passport_number="N1000001",
            passport_expiry=date(2026, 12, 30),
        )
        uow.commit()
        return row.iqama_number


def passport_of(stack, iqama):
    with UnitOfWork(stack.engine) as uow:
        row = uow.session.execute(select(Resident).where(Resident.iqama_number == iqama)).scalar_one()
        return row.passport_number, row.passport_expiry


def sends_photo(owner, content: bytes, expect: str):
    mark = owner.telegram.mark()
    owner.push(owner.telegram.fake.push_photo(owner.id, content))
    return owner.wait_for(mark, text_sent(expect))


def test_a_passport_photo_is_quoted_confirmed_and_recorded_once(stack, user, resident):  # noqa: F811
    owner = user(PASSPORT_OWNER)
    quote = sends_photo(owner, jpeg(data_page(NEW_PASSPORT), 85), expect="N4455667")
    typing = [c for c in owner.telegram.fake.calls_of("sendChatAction") if c.params["chat_id"] == PASSPORT_OWNER]
    assert typing and typing[0].params["action"] == "typing"  # while the photo is read
    keyboard = quote.message_with_buttons()
    assert resident in keyboard.params["text"] and "2036-02-20" in keyboard.params["text"]
    assert stack.transactions_of(resident) == []

    receipt = owner.presses(keyboard, "تأكيد", expect=DONE)
    assert DONE in receipt.text
    mark = owner.telegram.mark()
    owner.press(keyboard, "تأكيد")  # a second tap on the same keyboard
    owner.telegram.wait_quiet()
    assert [c.params.get("text") for c in owner.reply_since(mark).of("answerCallbackQuery")] == [
        translated(ALREADY_CHOSEN)
    ]

    assert passport_of(stack, resident) == ("N4455667", date(2036, 2, 20))
    [transaction] = stack.transactions_of(resident)
    assert (transaction.service, transaction.total) == ("update_passport", 0)


def test_a_photo_of_nobody_in_the_establishment_changes_nothing(stack, user, resident):  # noqa: F811
    owner = user(PASSPORT_OWNER)
    stranger = Passport("NOBODY", "AT ALL", "N9999999", "LKA", "700101", "M", "360220")
    reply = sends_photo(owner, jpeg(data_page(stranger), 85), expect="لم أجد مقيمًا")
    assert not any(call.params.get("reply_markup") for call in reply.of("sendMessage"))


def test_a_passport_photo_by_path_in_the_terminal_chat(stack, resident, tmp_path):
    photo = tmp_path / "passport.png"
    photo.write_bytes(png(data_page(CHAT_PASSPORT)))
    env = {key: value for key, value in os.environ.items() if not key.startswith("MUQEEM_")}
    env.update(stack.env, MUQEEM_RASA_URL=stack.rasa_url, MUQEEM_VAR_DIR=str(tmp_path))
    chat = pexpect.spawn(
        MUQEEM,
        ["chat", "--as", str(CHAT_PASSPORT_OWNER), "--no-shape"],
        cwd=str(ROOT),
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(50, 250),
    )
    try:
        chat.expect_exact("أنت> ")
        chat.sendline(f"/photo {photo}")
        chat.expect_exact("1) تأكيد  2) إلغاء")
        assert "P77889901" in chat.before and "2035-11-30" in chat.before
        chat.expect_exact("أنت> ")
        chat.sendline("1")
        chat.expect_exact("تم التنفيذ")  # under the establishment
        chat.expect_exact("أنت> ")
        chat.sendline("/quit")
        chat.expect(pexpect.EOF)
    finally:
        chat.close(force=True)
    assert passport_of(stack, "2000000329") == ("P77889901", date(2035, 11, 30))
    assert [(t.service, t.total) for t in stack.transactions_of("2000000329")] == [("update_passport", 0)]
