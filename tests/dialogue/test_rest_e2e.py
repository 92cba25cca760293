"""End to end over Rasa's REST channel, like a Telegram user: the real Rasa server (trained model) and
the real action server on free ports, on a fresh database seeded with
tests/domain/factories.py; the database is checked afterwards. SQLite by default, PostgreSQL when
MUQEEM_TEST_DATABASE_URL is set.

The servers are started as every full-stack test starts them (tests/stack.py).
"""

from __future__ import annotations

import json
import urllib.request
from datetime import date

import pytest
from sqlalchemy import func, select

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.servers import ServersError
from replies import _ as translated
from residency.db import UnitOfWork
from residency.models import Establishment, LedgerEntry, Resident, Transaction, TransferRequest, Visa
from residency.services.base import NOT_ACTIVATED
from tests.dialogue.conftest import OWNER, STRANGER
from tests.domain import factories as f
from tests.stack import Stack

pytestmark = pytest.mark.e2e

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.fixture(scope="module")
def rasa(database_url, tmp_path_factory):
    """The Rasa URL of the running stack (tests/stack.py) whose action server uses the test database."""
    stack = Stack(database_url, tmp_path_factory.mktemp("servers"))
    try:
        stack.start()
    except ServersError as error:
        stack.stop()
        pytest.fail(f"{error}\n{stack.log_tail()}")
    try:
        API_TOKEN.append(stack.api_token)
        yield stack.rasa_url
    finally:
        stack.stop()


API_TOKEN: list[str] = []  # Rasa's HTTP API needs the hop token (runtime.hops), as an operator's script would


def _post(url: str, payload) -> list | dict:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


class User:
    """A Telegram user talking to the assistant through the REST channel."""

    def __init__(self, rasa_url: str, telegram_id: int):
        self.rasa_url = rasa_url
        self.sender = str(telegram_id)
        _post(f"{rasa_url}/conversations/{self.sender}/tracker/events?token={API_TOKEN[-1]}", [{"event": "restart"}])

    def says(self, text: str) -> list[dict]:
        replies = _post(f"{self.rasa_url}/webhooks/rest/webhook", {"sender": self.sender, "message": text})
        assert replies, f"no answer to {text!r}"  # Rasa answers [] when an action failed
        return replies

    def reads(self, text: str) -> str:
        return "\n".join(reply.get("text", "") for reply in self.says(text))


def _buttons(replies: list[dict]) -> list[dict]:
    return [button for reply in replies for button in reply.get("buttons", [])]


def _iqama_expiry(engine, iqama) -> date:
    with UnitOfWork(engine) as uow:
        return uow.session.execute(select(Resident.iqama_expiry).where(Resident.iqama_number == iqama)).scalar_one()


def _balance(engine, world) -> int:
    with UnitOfWork(engine) as uow:
        return uow.repo.establishment(world.establishment_id).balance


def _transactions(engine) -> int:
    with UnitOfWork(engine) as uow:
        return uow.session.execute(select(func.count(Transaction.id))).scalar_one()


def test_renewal_in_one_line_confirmed_once(engine, world, rasa):
    owner = User(rasa, OWNER)
    replies = owner.says(f"جدد اقامة {world.iqama} سنة")
    assert "الإجمالي: 10250 ريال" in replies[-1]["text"]
    assert [b["payload"].split("{")[0] for b in _buttons(replies)] == ["/affirm", "/deny"]
    receipt = owner.reads("تأكيد")
    assert "تم التنفيذ" in receipt and "10250" in receipt
    assert "لا يوجد طلب بانتظار التأكيد" in owner.reads("تأكيد")  # a double tap
    assert _iqama_expiry(engine, world.iqama) == date(2028, 3, 1)
    assert _balance(engine, world) == 50_000 - 10_250
    assert _transactions(engine) == 1


def test_exit_reentry_asked_step_by_step_with_a_fee_question(engine, world, rasa):
    owner = User(rasa, OWNER)
    assert "رقم إقامة" in owner.reads("ابي خروج وعودة لعامل")
    assert "مفردة أم متعددة" in owner.reads(world.iqama)
    assert "المتعددة" in owner.reads("كم الرسوم؟")  # the fee rules, then the same question again
    assert "كم مدة التأشيرة" in owner.reads("متعددة")
    quote = owner.reads("شهرين")
    assert "500 ريال" in quote and "العودة قبل: 2027-01-27" in quote
    assert "تم التنفيذ" in owner.reads("نعم")
    with UnitOfWork(engine) as uow:
        visa = uow.session.execute(select(Visa).where(Visa.entry_type == "multiple")).scalar_one()
        assert visa.valid_until == date(2027, 1, 27)
    assert _balance(engine, world) == 50_000 - 500


def test_cancel_in_the_middle_charges_nothing(engine, world, rasa):
    owner = User(rasa, OWNER)
    owner.reads(f"جدد اقامة {world.iqama}")
    assert "تم إلغاء الطلب" in owner.reads("الغ الطلب")
    assert "لا يوجد طلب بانتظار التأكيد" in owner.reads("تأكيد")
    assert _transactions(engine) == 0


def test_deny_after_the_quote_charges_nothing(engine, world, rasa):
    owner = User(rasa, OWNER)
    owner.reads(f"خروج نهائي للعامل {world.iqama}")
    assert "تم إلغاء الطلب" in owner.reads("إلغاء")
    assert _transactions(engine) == 0 and _balance(engine, world) == 50_000


def test_correction_of_the_period_before_confirming(engine, world, rasa):
    owner = User(rasa, OWNER)
    owner.reads(f"جدد اقامة {world.iqama} سنة")
    corrected = owner.reads("لا خلها ٦ شهور")
    assert "2027-09-01" in corrected
    owner.reads("تأكيد")
    assert _iqama_expiry(engine, world.iqama) == date(2027, 9, 1)


def test_other_establishments_resident_is_answered_like_an_unknown_number(engine, world, rasa):
    owner = User(rasa, OWNER)
    foreign = owner.reads(f"جدد اقامة {world.foreign} سنة")
    owner = User(rasa, OWNER)
    unknown = owner.reads("جدد اقامة 2000000006 سنة")
    assert foreign.replace(world.foreign, "N") == unknown.replace("2000000006", "N")
    assert "لا يوجد مقيم" in unknown
    assert _iqama_expiry(engine, world.foreign) == date(2027, 3, 1)


def test_stranger_gets_only_the_activation_hint(engine, world, rasa):
    stranger = User(rasa, STRANGER)
    for text in (f"جدد اقامة {world.iqama} سنة", "السلام عليكم"):
        assert stranger.reads(text) == translated(NOT_ACTIVATED)
    assert _transactions(engine) == 0


def test_transfer_asks_the_receiving_owner(engine, world, rasa):
    owner = User(rasa, OWNER)
    owner.reads(f"ابي انقل كفالة العامل {world.iqama} الى المنشأة {world.other_establishment}")
    assert "مالك المنشأة المستقبلة" in owner.reads("تأكيد")
    with UnitOfWork(engine) as uow:
        assert uow.session.execute(select(TransferRequest.status)).scalar_one() == "pending"
    assert _balance(engine, world) == 50_000


# The SPEC's own examples (section 1), end to end.


def test_spec_renewal_in_arabic_digits_is_quoted_in_one_turn(world, rasa):
    owner = User(rasa, OWNER)
    replies = owner.says(f"جدد اقامة {world.iqama.translate(ARABIC_DIGITS)} سنة")
    assert len(replies) == 1 and "الإجمالي: 10250 ريال" in replies[0]["text"]
    assert [b["payload"].split("{")[0] for b in _buttons(replies)] == ["/affirm", "/deny"]


def test_spec_exit_reentry_for_a_name_that_one_resident_matches_goes_on(engine, world, rasa):
    # The SPEC writes «لمحمد»; the NLU finds a name there only when it has two words (reported).
    owner = User(rasa, OWNER)
    replies = owner.says("ابي خروج وعودة متعددة لمحمد خان ٣ شهور")
    assert len(replies) == 1, replies  # the quote for the one resident the name matches (SPEC 10.2)
    assert world.iqama in replies[0]["text"]
    assert "الإجمالي: 500 ريال" in replies[0]["text"] and "2027-02-27" in replies[0]["text"]
    assert "تم التنفيذ" in owner.reads("تأكيد")
    with UnitOfWork(engine) as uow:
        visa = uow.session.execute(select(Visa).where(Visa.entry_type == "multiple")).scalar_one()
        assert visa.valid_until == date(2027, 2, 27)


def test_several_matches_are_offered_and_the_chosen_one_goes_on_to_the_next_missing_input(engine, world, rasa):
    with UnitOfWork(engine) as uow:
        other = f.resident(uow, uow.repo.establishment(world.establishment_id), name_ar="محمد سليم خان",
                           name_key="محمد سليم خان")  # fmt: skip
        uow.commit()
        second = other.iqama_number
    owner = User(rasa, OWNER)
    offered = _buttons(owner.says("ابي خروج وعودة لمحمد خان"))
    picks = {json.loads(b["payload"][len("/inquire_resident") :])["iqama_number"]: b["payload"] for b in offered}
    assert set(picks) == {world.iqama, second}
    replies = owner.says(picks[second])
    assert [reply["text"] for reply in replies] == ["خروج وعودة مفردة أم متعددة؟"]


def test_spec_expiring_this_month_report(engine, world, rasa):
    with UnitOfWork(engine) as uow:
        f.resident(uow, uow.repo.establishment(world.establishment_id), name_ar="سالم", iqama_expiry=date(2026, 12, 5))
        uow.commit()
    replies = User(rasa, OWNER).says("مين اقاماتهم تخلص هالشهر؟")
    assert "سالم" in replies[0]["text"]
    assert [sorted(reply.get("custom", {})) for reply in replies[1:]] == [
        ["caption", "photo_base64"],
        ["caption", "document_base64", "filename"],
    ]


# Every kind of message from a never-activated sender gets the activation hint alone.
STRANGER_MESSAGES = (
    "نعم",
    "/affirm",
    "لا",
    "/deny",
    "الغ الطلب",
    "/cancel",
    "شكرا",
    "مع السلامة",
    "انت بوت؟",
    "كم درجة الحرارة اليوم؟",
    "ممممم",
    "/help",
    "ابي اجدد اقامة",
    "ابحث عن محمد",
    "بيانات العامل",
    "2000000006",
)


@pytest.mark.parametrize("text", STRANGER_MESSAGES)
def test_stranger_gets_the_activation_hint_alone(engine, world, rasa, text):
    replies = User(rasa, STRANGER).says(text)
    assert replies == [{"recipient_id": str(STRANGER), "text": translated(NOT_ACTIVATED)}]
    assert _transactions(engine) == 0


def test_an_old_confirm_button_never_executes_a_newer_quote(engine, world, rasa):
    owner = User(rasa, OWNER)
    first = _buttons(owner.says(f"جدد اقامة {world.iqama} سنة"))
    second = owner.says(f"غير مهنة {world.traveller} الى مهندس مدني")
    assert "1000 ريال" in second[-1]["text"]
    stale = owner.reads(first[0]["payload"])  # the first quote's «تأكيد», pressed late
    assert "يخص عرضًا سابقًا" in stale
    assert _transactions(engine) == 0 and _balance(engine, world) == 50_000
    assert "تم التنفيذ" in owner.reads(_buttons(second)[0]["payload"])
    assert _transactions(engine) == 1 and _balance(engine, world) == 50_000 - 1000


def _state(engine) -> tuple:
    """Everything a message could change: balances, transactions, ledger, visas, residents."""
    with UnitOfWork(engine) as uow:
        session = uow.session
        return (
            tuple(session.execute(select(Establishment.id, Establishment.balance).order_by(Establishment.id)).all()),
            session.execute(select(func.count(Transaction.id))).scalar_one(),
            session.execute(select(func.count(LedgerEntry.id))).scalar_one(),
            tuple(session.execute(select(Visa.number, Visa.status, Visa.valid_until).order_by(Visa.id)).all()),
            tuple(
                session.execute(
                    select(
                        Resident.id,
                        Resident.iqama_expiry,
                        Resident.occupation,
                        Resident.passport_number,
                        Resident.passport_expiry,
                        Resident.establishment_id,
                    ).order_by(Resident.id)
                ).all()
            ),
        )


CONTROLS = ["\u202e", "\u202d", "\u200f", "\u200e", "\u200b", "\u2066", "\u2069", "\ufeff", "\x00", "\u061c"]
PHRASES = [
    "جدد اقامة {iqama} سنة",
    "ابي خروج وعودة لـ{iqama} 0 يوم",
    "تمديد {iqama} -3 شهور",
    "جدد {iqama} 9999 سنة",
    "نقل كفالة {iqama} للمنشأة {other}",
    "استعلام عن {foreign}",
    "كم رصيدنا؟",
]
PAYLOADS = [
    '/renew_iqama{{"iqama_number": "{iqama}", "duration": "P99999Y"}}',
    '/inform{{"duration": "-P3M"}}',
    '/affirm{{"quote_id": "{junk}"}}',
    '/update_passport{{"iqama_number": "{iqama}", "passport_number": "A1234567", "date": "9999-12-31"}}',
    '/issue_exit_reentry{{"iqama_number": "{foreign}", "visa_type": "multiple", "duration": "P3M"}}',
    "/restart",
    "/session_start",
    '/inform{{"pending_quote_id": "x"}}',
]


@st.composite
def odd_messages(draw, world):
    values = {
        "iqama": world.iqama,
        "other": world.other_establishment,
        "foreign": world.foreign,
        "junk": draw(st.text(alphabet="0123456789abcdef", max_size=32)),
    }
    base = draw(
        st.one_of(
            st.text(max_size=120),
            st.sampled_from(PHRASES).map(lambda p: p.format(**values)),
            st.sampled_from(PAYLOADS).map(lambda p: p.format(**values)),
        )
    )
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(base)))
        base = base[:at] + draw(st.sampled_from(CONTROLS)) + base[at:]
    return base


def test_fuzz_every_odd_message_is_answered_and_changes_nothing(engine, world, rasa):
    """Random text, unicode controls and typed payloads over the REST channel: an answer with text every
    time, and no state change (no quote is pending before each message, so nothing can be confirmed)."""
    owner = User(rasa, OWNER)
    before = _state(engine)

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(message=odd_messages(world))
    def check(message):
        owner.says("الغي")  # whatever the last example left pending is dropped
        replies = _post(f"{rasa}/webhooks/rest/webhook", {"sender": owner.sender, "message": message})
        assert replies and any(reply.get("text") for reply in replies), (message, replies)
        assert _state(engine) == before, message

    check()


@pytest.mark.parametrize(
    ("duration", "says"),
    [("0 يوم", "صفر"), ("99999999 يوم", "سنتان"), ("9999 سنة", "سنتان"), ("-3 شهور", "بالسالب")],
)
def test_zero_negative_and_absurd_durations_are_refused_not_reinterpreted(engine, world, rasa, duration, says):
    owner = User(rasa, OWNER)
    answer = owner.reads(f"ابي خروج وعودة مفردة لـ {world.iqama} {duration}")
    assert "الإجمالي" not in answer and says in answer, answer
    assert _transactions(engine) == 0


def test_a_message_over_the_length_limit_is_answered_before_the_nlu(engine, world, rasa):
    owner = User(rasa, OWNER)
    answer = owner.reads(f"جدد اقامة {world.iqama} سنة " + " ".join(["محمد عبدالله"] * 400))
    assert "طويلة جدًا" in answer and "الإجمالي" not in answer
    assert _transactions(engine) == 0


def test_a_keyword_and_number_answer_inside_a_form_is_taken_as_the_answer(world, rasa):
    owner = User(rasa, OWNER)
    assert "رقم إقامة" in owner.reads("ابي اجدد اقامة عامل")
    answer = owner.reads(f"اقامة {world.iqama}")  # outside a form this is a resident inquiry
    assert "كم مدة" in answer or "المدة" in answer, answer


def test_bulk_renewal_in_one_line_one_confirmation_each_resident_once(engine, world, rasa):
    """The issue's own message: three residents in one line (one in Arabic-Indic digits, one of another
    establishment) -> one combined offer, one confirmation, the two renewed once each."""
    owner = User(rasa, OWNER)
    third = world.foreign.translate(ARABIC_DIGITS)
    replies = owner.says(f"جدد اقامة {world.iqama} و {world.traveller} و {third} سنة")
    offer = "\n".join(r.get("text", "") for r in replies)
    assert offer.startswith("طلب جماعي: تجديد إقامة لـ 3 مقيمين")
    assert "يمكن تنفيذ 2 من 3؛ الإجمالي: 20500 ريال" in offer
    [confirm, _] = _buttons(replies)
    receipt = owner.reads(confirm["payload"])
    assert "نُفِّذ 2، ولم يُنفَّذ 1." in receipt and "المبلغ المخصوم: 20500 ريال" in receipt
    assert "سبق تنفيذ هذا الطلب الجماعي (مقيمَين)" in owner.reads(confirm["payload"])  # a double tap
    assert _transactions(engine) == 2 and _balance(engine, world) == 50_000 - 20_500
    assert _iqama_expiry(engine, world.iqama) == date(2028, 3, 1)
    assert _iqama_expiry(engine, world.foreign) == date(2027, 3, 1)


def test_bulk_by_group_asks_only_for_the_period(engine, world, rasa):
    with UnitOfWork(engine) as uow:
        est = uow.session.get(Establishment, world.establishment_id)
        soon = [f.resident(uow, est, iqama_expiry=date(2026, 12, 15)) for _ in range(2)]
        uow.commit()
        numbers = [r.iqama_number for r in soon]
    owner = User(rasa, OWNER)
    assert "مدة" in owner.reads("جدد كل الاقامات اللي تخلص هالشهر")
    offer = owner.reads("سنة")
    assert "طلب جماعي: تجديد إقامة لـ مقيمَين" in offer and all(n in offer for n in numbers)
    assert "نُفِّذ 2" in owner.reads("تأكيد")
    assert [_iqama_expiry(engine, n) for n in numbers] == [date(2027, 12, 15)] * 2


def test_an_agents_request_waits_for_the_owners_approval(engine, world, rasa):
    agent_id = 503
    with UnitOfWork(engine) as uow:
        est = uow.session.get(Establishment, world.establishment_id)
        est.approval_above = 5_000
        f.user(uow, est, agent_id, role="agent", services="renew_iqama")
        uow.commit()
    agent = User(rasa, agent_id)
    agent.reads(f"جدد اقامة {world.iqama} سنة")
    assert "أرسلت الطلب إلى مالك المنشأة للموافقة" in agent.reads("تأكيد")
    assert _transactions(engine) == 0
    owner = User(rasa, OWNER)
    listed = owner.says("وش الطلبات اللي تنتظر موافقتي؟")
    assert "— 10250 ريال" in listed[0]["text"] and "تجديد إقامة — " in listed[0]["text"]  # the worker named
    approve = next(b for b in _buttons(listed) if b["title"].startswith("موافقة"))
    assert "تمت الموافقة على الطلب" in owner.reads(approve["payload"])
    assert "سبق البت في الطلب" in owner.reads(approve["payload"])
    assert _transactions(engine) == 1 and _iqama_expiry(engine, world.iqama) == date(2028, 3, 1)
