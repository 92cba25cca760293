"""One renewal end to end over Rasa's REST channel in English and the same in Arabic (SPEC 9.3): the
request, the quote, the confirmation and the receipt each in the language the user writes in, and
`/lang` (kept in the database) choosing the language of a reply to a message without words."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from residency.db import UnitOfWork
from residency.languages import set_language
from tests.domain import factories as f

pytestmark = pytest.mark.e2e

ENGLISH_OWNER, ARABIC_OWNER, CHOSEN_ENGLISH_OWNER = 570, 571, 572
# Words of the Arabic replies (not of the residents' data, which stays as recorded).
ARABIC_REPLY_WORDS = ("ريال", "الإجمالي", "الإقامة", "رسوم", "رقم", "تم ", "تأكيد")


@pytest.fixture(scope="module")
def shop(stack):
    """An establishment of its own: 2 Saudis, 10 expatriates (levy 800 SAR a month), three owners."""
    with UnitOfWork(stack.engine) as uow:
        est = f.establishment(uow, number="7000000570", balance=50_000, saudi_count=2, expat_count=10)
        for owner in (ENGLISH_OWNER, ARABIC_OWNER, CHOSEN_ENGLISH_OWNER):
            f.user(uow, est, owner)
        residents = [f.resident(uow, est, iqama_expiry=date(2027, 3, 1)) for _ in range(3)]
        uow.commit()
        return {"id": est.id, "iqamas": [r.iqama_number for r in residents]}


def say(stack, sender: int, text: str) -> list[dict]:
    response = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": str(sender), "message": text}, timeout=120
    )
    response.raise_for_status()
    return response.json()


def press(stack, sender: int, reply: list[dict], title: str) -> list[dict]:
    [button] = [b for item in reply for b in item.get("buttons") or [] if b["title"] == title]
    return say(stack, sender, button["payload"])


def text(reply: list[dict]) -> str:
    return "\n".join(item.get("text") or "" for item in reply)


def arabic_words(reply: list[dict]) -> list[str]:
    words = text(reply) + " ".join(b["title"] for item in reply for b in item.get("buttons") or [])
    return [word for word in ARABIC_REPLY_WORDS if word in words]


def test_a_renewal_in_english_is_quoted_confirmed_and_receipted_in_english(stack, shop):
    iqama = shop["iqamas"][0]
    quote = say(stack, ENGLISH_OWNER, f"renew iqama {iqama} for one year")
    assert "10250 SAR" in text(quote) and arabic_words(quote) == []
    receipt = press(stack, ENGLISH_OWNER, quote, "Confirm")
    assert "10250 SAR" in text(receipt) and "2028-03-01" in text(receipt)
    assert arabic_words(receipt) == []
    [transaction] = stack.transactions_of(iqama)
    assert transaction.total == 10_250 and stack.iqama_expiry(iqama).isoformat() == "2028-03-01"


def test_the_same_renewal_in_arabic_is_answered_in_arabic(stack, shop):
    iqama = shop["iqamas"][1]
    quote = say(stack, ARABIC_OWNER, f"جدد اقامة {iqama} سنة")
    assert "10250 ريال" in text(quote)
    receipt = press(stack, ARABIC_OWNER, quote, "تأكيد")
    assert "10250 ريال" in text(receipt) and "2028-03-01" in text(receipt)
    [transaction] = stack.transactions_of(iqama)
    assert transaction.total == 10_250


def test_the_language_chosen_with_lang_answers_a_bare_number(stack, shop):
    iqama = shop["iqamas"][2]
    with UnitOfWork(stack.engine) as uow:
        set_language(uow, CHOSEN_ENGLISH_OWNER, "en")
        uow.commit()
    with UnitOfWork(stack.engine) as uow:
        assert uow.repo.user_by_telegram_id(CHOSEN_ENGLISH_OWNER).language == "en"
    card = say(stack, CHOSEN_ENGLISH_OWNER, iqama)
    assert iqama in text(card) and "2027-03-01" in text(card)
    assert arabic_words(card) == [], text(card)
