"""The confirm step over Rasa's REST channel (SPEC 10.1, issue 19): only the quote's own button or a plain
yes ever executes; the balance and the transactions are read from the database after every message.

- A property test: at least 500 generated non-confirmations (emoji, punctuation, lone Latin or Arabic
  words that are not yes, questions, hedges, numbers, other requests, payloads of other quotes) sent at
  the confirm step: nothing executed, the balance unchanged.
- Every phrase of the yes list (actions/confirmation_words.yml) executes exactly once.
- Each finding of issue 19 as the user met it.
"""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from actions.approvals import MALFORMED_BUTTON
from actions.confirm_step import WORDS_FILE, is_plain_yes
from replies import _ as translated
from residency.db import UnitOfWork
from residency.models import Approval, Establishment, Transaction
from tests.domain import factories as f

pytestmark = pytest.mark.e2e

OWNER, YES_OWNER, FINDINGS_OWNER, AGENT = 580, 581, 582, 583
YEAR_RENEWAL = 650 + 12 * 800  # 2 Saudis, 10 expatriates: levy 800 a month
YES_PHRASES = yaml.load(WORDS_FILE.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)["yes"]


@pytest.fixture(scope="module")
def shop(stack):
    """An establishment of its own with enough residents for one renewal per yes phrase."""
    with UnitOfWork(stack.engine) as uow:
        est = f.establishment(uow, number="7000000580", balance=10_000_000, saudi_count=2, expat_count=10)
        for owner in (OWNER, YES_OWNER, FINDINGS_OWNER):
            f.user(uow, est, owner)
        f.user(uow, est, AGENT, role="agent", services="renew_iqama")
        residents = [f.resident(uow, est, iqama_expiry=date(2027, 3, 1)) for _ in range(len(YES_PHRASES) + 8)]
        named = f.resident(
            uow, est, name_ar="كريم يوسف الحداد", name_en="Karim Yousef Alhaddad", name_key="كريم يوسف الحداد"
        )
        uow.commit()
        return {"id": est.id, "iqamas": [r.iqama_number for r in residents], "named": named.iqama_number}


def say(stack, sender: int, message: str) -> list[dict]:
    response = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": str(sender), "message": message}, timeout=120
    )
    response.raise_for_status()
    reply = response.json()
    assert reply, f"no answer to {message!r}"
    return reply


def text(reply: list[dict]) -> str:
    return "\n".join(item.get("text") or "" for item in reply)


def payloads(reply: list[dict]) -> list[str]:
    return [b["payload"] for item in reply for b in item.get("buttons") or []]


def quote_id(reply: list[dict]) -> str | None:
    """The id of the quote whose confirm button the reply shows, if any."""
    for payload in payloads(reply):
        if payload.startswith("/affirm"):
            return json.loads(payload[len("/affirm") :])["quote_id"]
    return None


def executed(stack, establishment_id: int) -> tuple[int, int]:
    """(transactions, balance) of the establishment."""
    with UnitOfWork(stack.engine) as uow:
        count = uow.session.execute(
            select(func.count(Transaction.id)).where(Transaction.establishment_id == establishment_id)
        ).scalar_one()
        return count, uow.session.get(Establishment, establishment_id).balance


def renewal_quote(stack, sender: int, iqama: str) -> str:
    reply = say(stack, sender, f"جدد اقامة {iqama} سنة")
    assert f"{YEAR_RENEWAL} ريال" in text(reply), text(reply)
    return quote_id(reply)


# ---- 500 non-confirmations ------------------------------------------------------------------------

EMOJI = st.sampled_from("❌👎🤔🚫✅👍🙏😊😂🔥💯⏳🤷👌❤️🙂😐⁉️‼️✔️☑️✋🛑").map(str) | st.characters(
    min_codepoint=0x1F300, max_codepoint=0x1FAFF
).map(str)
PUNCTUATION = st.text(alphabet="?؟!.,،؛:-…*()/\\\"'«»~", min_size=1, max_size=5).filter(lambda t: t.strip())
LATIN_WORDS = st.sampled_from(
    [
        "x",
        "wait",
        "hmm",
        "hm",
        "maybe",
        "what",
        "why",
        "hello",
        "hi",
        "thanks",
        "fine?",
        "later",
        "sorry",
        "umm",
        "no",
        "stop",
        "idk",
        "well",
        "and",
        "the",
        "iqama",
        "huh",
        "so",
        "lol",
        "test",
    ]
) | st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
ARABIC_WORDS = st.sampled_from(
    [
        "لحظة",
        "امم",
        "هممم",
        "طيب؟",
        "يمكن",
        "شوف",
        "انتظر",
        "لا",
        "شكرا",
        "مرحبا",
        "السلام",
        "ماذا",
        "ليش",
        "والله",
        "الله",
        "بس",
        "خلاص",
        "كيف",
        "وين",
        "عادي",
        "اقامة",
        "بعدين",
    ]
) | st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهوي", min_size=1, max_size=7)
QUESTIONS = st.sampled_from(
    [
        "كم المجموع؟",
        "ليش المقابل المالي كذا؟",
        "what's the total?",
        "طيب كم المجموع بالضبط؟",
        "كم الرسوم؟",
        "what are the fees?",
        "how much is the levy?",
        "هل فيه غرامة؟",
        "وش الرسوم هذي",
        "ok?",
        "تمام؟",
        "نعم؟",
        "yes?",
        "متى تنتهي الاقامة الجديدة؟",
        "why so expensive",
        "is that the final price?",
    ]
)
HEDGES = st.sampled_from(
    [
        "لا",
        "لا بس كنت ابغى اعرف السعر",
        "مو الحين",
        "خلني افكر",
        "not now",
        "let me think",
        "بعدين",
        "مش دلوقتي",
        "لا شكرا",
        "no thanks",
        "maybe later",
        "just asking",
        "مو متأكد",
        "الغ",
        "cancel",
        "no",
    ]
)
NUMBERS = st.integers(min_value=0, max_value=10**12).map(str) | st.integers(min_value=0, max_value=999).map(
    lambda n: str(n).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
)
OTHER_REQUESTS = st.sampled_from(
    [
        "كم رصيدي؟",
        "وش حالة الاشتراك",
        "مين اقاماتهم تخلص هالشهر؟",
        "اخر العمليات",
        "مين برا المملكة",
        "show me the account status",
        "ابي خروج وعودة",
        "طلع خروج نهائي",
        "مساعدة",
        "help",
        "السلام عليكم",
        "شكرا",
        "انت بوت؟",
        "وش الجو اليوم",
    ]
)
OTHER_QUOTES = st.binary(min_size=16, max_size=16).map(lambda b: f'/affirm{{"quote_id": "{b.hex()}"}}') | st.binary(
    min_size=16, max_size=16
).map(lambda b: f'/affirm{{"quote_id": "{b.hex()[:8]}"}}')
NON_CONFIRMATIONS = (
    EMOJI | PUNCTUATION | LATIN_WORDS | ARABIC_WORDS | QUESTIONS | HEDGES | NUMBERS | OTHER_REQUESTS | OTHER_QUOTES
).filter(lambda message: not is_plain_yes(message))


def test_no_generated_non_confirmation_executes(stack, shop):
    iqama = shop["iqamas"][0]
    before = executed(stack, shop["id"])
    state = {"open": renewal_quote(stack, OWNER, iqama), "sent": 0}

    @settings(
        max_examples=500,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(message=NON_CONFIRMATIONS)
    def at_the_confirm_step(message):
        if state["open"] is None:
            state["open"] = renewal_quote(stack, OWNER, iqama)
        reply = say(stack, OWNER, message)
        state["sent"] += 1
        assert executed(stack, shop["id"]) == before, (message, text(reply))
        state["open"] = quote_id(reply)

    at_the_confirm_step()
    assert state["sent"] >= 500
    assert executed(stack, shop["id"]) == before


def test_every_yes_of_the_list_executes_exactly_once(stack, shop):
    count, balance = executed(stack, shop["id"])
    for iqama, yes in zip(shop["iqamas"][1:], YES_PHRASES):
        renewal_quote(stack, YES_OWNER, iqama)
        receipt = say(stack, YES_OWNER, yes)
        count, balance = count + 1, balance - YEAR_RENEWAL
        assert executed(stack, shop["id"]) == (count, balance), (yes, text(receipt))
        again = say(stack, YES_OWNER, yes)  # nothing is open any more
        assert executed(stack, shop["id"]) == (count, balance), (yes, text(again))


# ---- issue 19's findings, as users met them --------------------------------------------------------


@pytest.mark.parametrize("message", ["❌", "👎", "🤔", "؟", "?", "x", "wait", "hmm"])
def test_an_emoji_punctuation_or_murmur_asks_again_and_charges_nothing(stack, shop, message):
    before = executed(stack, shop["id"])
    open_quote = renewal_quote(stack, FINDINGS_OWNER, shop["iqamas"][-1])
    reply = say(stack, FINDINGS_OWNER, message)
    assert executed(stack, shop["id"]) == before
    assert quote_id(reply) == open_quote  # asked again with the same quote's buttons


def test_a_refusing_emoji_after_a_bulk_offer_executes_nobody(stack, shop):
    before = executed(stack, shop["id"])
    three = " و".join(shop["iqamas"][-4:-1])
    offer = say(stack, FINDINGS_OWNER, f"جدد اقامة {three} سنة")
    assert f"{3 * YEAR_RENEWAL} ريال" in text(offer) and quote_id(offer)
    say(stack, FINDINGS_OWNER, "🚫")
    assert executed(stack, shop["id"]) == before


def test_a_question_about_the_total_shows_the_quote_again_and_keeps_it_open(stack, shop):
    before = executed(stack, shop["id"])
    open_quote = renewal_quote(stack, FINDINGS_OWNER, shop["iqamas"][-1])
    reply = say(stack, FINDINGS_OWNER, "طيب كم المجموع بالضبط؟")
    assert f"الإجمالي: {YEAR_RENEWAL} ريال" in text(reply) and quote_id(reply) == open_quote
    assert executed(stack, shop["id"]) == before


@pytest.mark.parametrize("question", ["كم الرسوم؟", "what are the fees?"])
def test_asking_the_fees_at_the_confirm_step_shows_the_fee_lines_not_the_help(stack, shop, question):
    open_quote = renewal_quote(stack, FINDINGS_OWNER, shop["iqamas"][-1])
    reply = say(stack, FINDINGS_OWNER, question)
    assert str(YEAR_RENEWAL) in text(reply) and quote_id(reply) == open_quote
    assert "رسوم الإقامة" in text(reply) or "Iqama fee" in text(reply)


def test_a_hedge_closes_the_quote_and_a_later_yes_executes_nothing(stack, shop):
    before = executed(stack, shop["id"])
    renewal_quote(stack, FINDINGS_OWNER, shop["iqamas"][-1])
    reply = say(stack, FINDINGS_OWNER, "لا بس كنت ابغى اعرف السعر")
    assert "لم يُخصم" in text(reply) and quote_id(reply) is None
    say(stack, FINDINGS_OWNER, "تمام")
    assert executed(stack, shop["id"]) == before


def test_a_changed_input_at_the_confirm_step_quotes_again(stack, shop):
    renewal_quote(stack, FINDINGS_OWNER, shop["iqamas"][-1])
    reply = say(stack, FINDINGS_OWNER, "خليها 6 شهور")
    assert f"{325 + 6 * 800} ريال" in text(reply) and quote_id(reply)


def test_another_request_closes_the_quote_says_so_and_is_answered(stack, shop):
    before = executed(stack, shop["id"])
    renewal_quote(stack, FINDINGS_OWNER, shop["iqamas"][-1])
    reply = say(stack, FINDINGS_OWNER, "كم رصيدي؟")
    assert "أغلقت العرض المفتوح" in text(reply) and f"{before[1]} ريال" in text(reply)
    say(stack, FINDINGS_OWNER, "نعم")
    assert executed(stack, shop["id"]) == before


def test_ok_then_six_months_inside_a_renewal_form_answers_the_form(stack, shop):
    say(stack, FINDINGS_OWNER, "الغاء")
    asked = say(stack, FINDINGS_OWNER, f"ابي اجدد اقامة {shop['iqamas'][-1]}")
    assert "كم مدة التجديد" in text(asked) and quote_id(asked) is None
    reply = say(stack, FINDINGS_OWNER, "خلاص ستة شهور")
    assert f"{325 + 6 * 800} ريال" in text(reply) and quote_id(reply)


def _numbers(iqamas: list[str], separator: str, arabic_digits: bool = False) -> str:
    joined = separator.join(iqamas)
    return joined.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")) if arabic_digits else joined


@pytest.mark.parametrize(
    "count, separator, arabic_digits",
    [(22, " و", False), (75, "\n", False), (75, ", ", False), (75, " ", True), (300, " ", False)],
)
def test_a_long_list_of_numbers_stays_a_renewal_offer(stack, shop, count, separator, arabic_digits):
    numbers = [f.valid_iqama(seed) for seed in range(1000, 1000 + count)]
    reply = say(stack, FINDINGS_OWNER, f"جدد اقامة {_numbers(numbers, separator, arabic_digits)} سنة")
    assert text(reply).startswith("طلب جماعي: تجديد إقامة"), text(reply)[:200]


def test_an_old_search_button_does_not_fill_a_form_opened_after_it(stack, shop):
    karim, other = shop["named"], shop["iqamas"][-5]
    say(stack, FINDINGS_OWNER, "الغاء")
    found = say(stack, FINDINGS_OWNER, "ابحث عن كريم يوسف")
    [pick] = [p for p in payloads(found) if karim in p]
    asked = say(stack, FINDINGS_OWNER, f"ابي اجدد اقامة {other}")  # the form asks for the period
    assert "كم مدة التجديد" in text(asked)
    reply = say(stack, FINDINGS_OWNER, pick)
    assert quote_id(reply) is None and karim in text(reply)  # his card, not a renewal quote for him
    assert "كم مدة التجديد" in text(reply)  # and the form asks its question again
    quote = say(stack, FINDINGS_OWNER, "سنة")
    assert other in text(quote) and karim not in text(quote)  # the form's worker is still the one asked for


def test_an_owners_approval_button_works_while_a_form_is_open(stack, shop):
    say(stack, FINDINGS_OWNER, "أي طلب فوق 5000 يحتاج موافقتي")
    before = executed(stack, shop["id"])
    renewal_quote(stack, AGENT, shop["iqamas"][-3])
    say(stack, AGENT, "تأكيد")  # above the threshold: submitted for approval
    with UnitOfWork(stack.engine) as uow:
        approval_id = uow.session.execute(select(func.max(Approval.id))).scalar_one()
    say(stack, FINDINGS_OWNER, "الغاء")
    say(stack, FINDINGS_OWNER, f"ابي اجدد اقامة {shop['iqamas'][-6]}")  # a form is open, asking for the period
    reply = say(stack, FINDINGS_OWNER, f'/affirm{{"approval_id": "{approval_id}"}}')
    assert f"{YEAR_RENEWAL} ريال" in text(reply) and "كم مدة التجديد" in text(reply)  # decided, then asked again
    assert executed(stack, shop["id"]) == (before[0] + 1, before[1] - YEAR_RENEWAL)
    say(stack, FINDINGS_OWNER, "بدون موافقات")


@pytest.mark.parametrize("value", ['"abc"', '"1.5"', '"12345678901234567890123"', "null", '"-1"'])
def test_a_malformed_approval_id_gets_a_short_answer(stack, shop, value):
    say(stack, FINDINGS_OWNER, "الغاء")
    reply = say(stack, FINDINGS_OWNER, f'/affirm{{"approval_id": {value}}}')
    assert text(reply) == translated(MALFORMED_BUTTON)
