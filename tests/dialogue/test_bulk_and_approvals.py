"""Bulk requests and approvals as the assistant handles them (actions on the real database): one combined
offer, one confirmation, each resident executed once; an agent's request above the threshold waits for
the owner's button, and the agent hears the outcome."""

from __future__ import annotations

import base64
from datetime import date

from sqlalchemy import func, select

from actions.inquiries import ActionPendingApprovals
from actions.confirm_step import ActionConfirmStep, ActionDecideApproval
from actions.services import ACTIONS_BY_SERVICE
from residency.db import UnitOfWork
from residency.text_safety import isolate
from residency.models import Approval, Establishment, Notification, Transaction
from tests.dialogue.conftest import OWNER
from tests.dialogue.helpers import run, slot_events, texts, turn
from tests.domain import factories as f

AGENT = 502
RENEWAL_12 = 650 + 9600  # no dependants, more expats than Saudis


def offer(numbers=None, group=None, who=OWNER, text="جدد"):
    slots = {
        "iqama_numbers": numbers,
        "resident_group": group,
        "duration": "P12M",
        "iqama_number": numbers[-1] if numbers else None,
    }
    entities = {"resident_group": group} if group else {}
    events, messages = run(
        ACTIONS_BY_SERVICE["renew_iqama"], turn(who, text, intent="renew_iqama", entities=entities, slots=slots)
    )
    return slot_events(events), messages


def confirm(slots, who=OWNER):
    tracker = turn(who, "تأكيد", intent="affirm", entities={"quote_id": slots["pending_quote_id"]}, slots=slots)
    return run(ActionConfirmStep(), tracker)


def press(approval_id, approve=True, who=OWNER):
    return run(
        ActionDecideApproval(),
        turn(who, "/affirm", intent="affirm" if approve else "deny", entities={"approval_id": str(approval_id)}),
    )


def count_transactions(engine):
    with UnitOfWork(engine) as uow:
        return uow.session.scalar(select(func.count()).select_from(Transaction))


def balance(engine, world):
    with UnitOfWork(engine) as uow:
        return uow.session.get(Establishment, world.establishment_id).balance


def test_several_numbers_give_one_combined_offer_and_one_confirmation(engine, world):
    slots, messages = offer([world.iqama, world.traveller, world.foreign])
    text = texts(messages)
    assert text.startswith("طلب جماعي: تجديد إقامة لـ 3 مقيمين")
    assert f"✅ {isolate('محمد عبدالله خان')} ({world.iqama}): {RENEWAL_12} ريال" in text
    assert f"⛔ {world.foreign}: لا يوجد مقيم برقم الإقامة {world.foreign} ضمن منشأتك" in text
    assert f"يمكن تنفيذ 2 من 3؛ الإجمالي: {2 * RENEWAL_12} ريال" in text
    assert [b["title"] for b in messages[0]["buttons"]] == ["تأكيد", "إلغاء"]
    assert slots["pending_quote"]["total"] == 2 * RENEWAL_12 and slots["pending_quote"]["bulk_quote_id"]

    events, messages = confirm(slots)
    receipt = texts(messages)
    assert receipt.startswith("تم تنفيذ الطلب الجماعي: تجديد إقامة\nنُفِّذ 2، ولم يُنفَّذ 1.")
    assert f"المبلغ المخصوم: {2 * RENEWAL_12} ريال" in receipt
    assert balance(engine, world) == 50_000 - 2 * RENEWAL_12 and count_transactions(engine) == 2
    assert slot_events(events)["pending_quote"] is None
    # The same button again (a double tap, a redelivered update) executes nothing.
    _, again = confirm(slots)
    assert "سبق تنفيذ هذا الطلب الجماعي" in texts(again) and "لم يُخصم أي مبلغ الآن." in texts(again)
    assert balance(engine, world) == 50_000 - 2 * RENEWAL_12 and count_transactions(engine) == 2


def test_a_group_takes_the_iqamas_expiring_within_30_days(engine, world):
    with UnitOfWork(engine) as uow:
        est = uow.session.get(Establishment, world.establishment_id)
        soon = [f.resident(uow, est, name_ar=f"عامل {i}", iqama_expiry=date(2026, 12, 10 + i)) for i in range(2)]
        uow.commit()
        numbers = [r.iqama_number for r in soon]
    slots, messages = offer(group="expiring", text="جدد الاقامات اللي تخلص هالشهر سنة")
    text = texts(messages)
    assert text.startswith("طلب جماعي: تجديد إقامة لـ مقيمَين")
    assert all(number in text for number in numbers) and world.iqama not in text


def test_a_stated_horizon_widens_the_group_and_the_offer_states_it(engine, world):
    _, messages = offer(group="expiring", text="جدد الاقامات اللي تخلص خلال 120 يوم سنة")  # to 2027-03-27
    assert world.iqama in texts(messages)  # expires 2027-03-01
    assert texts(messages).splitlines()[1] == (
        "الإقامات التي تنتهي من اليوم حتى 2027-03-27 م (19 شوال 1448 هـ) (خلال 120 يومًا)، والتي انتهت خلال آخر 3 أيام (مهلتها قبل غرامة التأخير)."
    )


def test_a_horizon_outside_the_rules_is_refused_with_the_range_never_replaced_by_30_days(engine, world):
    """Issue 24: «خلال 9999 يوم» (four digits were not read) and «خلال 0 يوم» silently used 30 days."""
    for days in (9999, 0):
        slots, messages = offer(group="expiring", text=f"جدد الاقامات اللي تخلص خلال {days} يوم سنة")
        assert texts(messages) == (
            f"تُحدَّد مدة الإقامات القريبة الانتهاء بعدد أيام من 1 إلى 365، و{days} خارج هذا النطاق. اكتبها هكذا: "
            "جدد الإقامات التي تنتهي خلال 60 يومًا."
        )
        assert not slots.get("pending_quote")


def test_more_than_20_residents_come_with_a_csv(engine, world):
    with UnitOfWork(engine) as uow:
        est = uow.session.get(Establishment, world.establishment_id)
        est.balance = 1_000_000
        numbers = [f.resident(uow, est, iqama_expiry=date(2027, 5, 1)).iqama_number for _ in range(25)]
        uow.commit()
    _, messages = offer(numbers)
    assert "… و5 غيرها في الملف المرفق." in messages[0]["text"]
    assert messages[0]["text"].startswith("طلب جماعي: تجديد إقامة لـ 25 مقيمًا")
    table = base64.b64decode(messages[1]["custom"]["document_base64"]).decode("utf-8-sig")
    assert len(table.strip().splitlines()) == 26 and all(n in table for n in numbers)


def test_a_total_the_balance_cannot_cover_is_not_offered(engine, world):
    with UnitOfWork(engine) as uow:
        uow.session.get(Establishment, world.establishment_id).balance = 15_000
        uow.commit()
    slots, messages = offer([world.iqama, world.traveller])
    assert "ينقصه 5500 ريال" in texts(messages)
    assert not messages[0].get("buttons") and slots["pending_quote"] is None


def agent(engine, world, threshold=5_000):
    with UnitOfWork(engine) as uow:
        est = uow.session.get(Establishment, world.establishment_id)
        est.approval_above = threshold
        f.user(uow, est, AGENT, role="agent", services="renew_iqama")
        uow.commit()


def submitted_id(engine) -> int:
    """The id of the one request submitted for approval."""
    with UnitOfWork(engine) as uow:
        return uow.session.scalars(select(Approval.id)).one()


def test_an_agents_request_above_the_threshold_waits_for_the_owners_button(engine, world):
    agent(engine, world)
    slots, _ = offer([world.iqama, world.traveller], who=AGENT)
    _, messages = confirm(slots, who=AGENT)
    n = submitted_id(engine)  # ids are the database's (PostgreSQL's sequences go on across tests)
    assert f"أرسلت الطلب إلى مالك المنشأة للموافقة (رقم {n}، الإجمالي 20500 ريال)" in texts(messages)
    assert count_transactions(engine) == 0
    with UnitOfWork(engine) as uow:
        [request] = uow.session.scalars(select(Notification).where(Notification.telegram_id == OWNER)).all()
        assert "تجديد إقامة لمقيمَين:" in request.text  # the domain names each worker (issue 23)
        assert f"(إقامة {world.iqama})" in request.text and f"(إقامة {world.traveller})" in request.text
        payloads = [b["payload"] for b in request.buttons]
    assert payloads == [f'/affirm{{"approval_id": "{n}"}}', f'/deny{{"approval_id": "{n}"}}']

    _, listed = run(ActionPendingApprovals(), turn(OWNER, "وش ينتظر موافقتي", intent="pending_approvals"))
    said = texts(listed)  # the list names the agent, the amount and each worker (issue 23)
    assert f"• رقم {n} من «502» — 20500 ريال" in said and "تجديد إقامة لمقيمَين:" in said
    assert f"(إقامة {world.iqama})" in said and f"(إقامة {world.traveller})" in said
    assert [b["title"] for b in listed[0]["buttons"]] == [f"موافقة {n}", f"رفض {n}"]

    _, decided = press(n)
    assert texts(decided).startswith(f"تمت الموافقة على الطلب رقم {n} ونُفِّذ: 2 منفّذ")
    assert balance(engine, world) == 50_000 - 2 * RENEWAL_12 and count_transactions(engine) == 2
    _, again = press(n)
    assert texts(again) == f"سبق البت في الطلب رقم {n} بالموافقة؛ لم يتغير شيء."
    assert count_transactions(engine) == 2
    with UnitOfWork(engine) as uow:
        told = uow.session.scalars(select(Notification.text).where(Notification.telegram_id == AGENT)).all()
    assert told == [f"وافق المالك على طلبك رقم {n} ونُفِّذ: 2 منفّذ، 0 مرفوض، المخصوم 20500 ريال."]


def test_the_owner_declines_with_the_button(engine, world):
    agent(engine, world)
    slots, _ = offer([world.iqama, world.traveller], who=AGENT)
    confirm(slots, who=AGENT)
    n = submitted_id(engine)
    _, decided = press(n, approve=False)
    assert texts(decided) == f"رُفض الطلب رقم {n}؛ لم يُنفَّذ شيء ولم يُخصم أي مبلغ. أُبلغ الموظف."
    assert count_transactions(engine) == 0 and balance(engine, world) == 50_000


def test_an_agent_cannot_approve(engine, world):
    agent(engine, world)
    slots, _ = offer([world.iqama, world.traveller], who=AGENT)
    confirm(slots, who=AGENT)
    _, refused = press(submitted_id(engine), who=AGENT)
    assert texts(refused) == "الموافقة على الطلبات أو رفضها لمالك المنشأة فقط."
    assert count_transactions(engine) == 0


def test_nothing_waiting_is_said(world):
    _, listed = run(ActionPendingApprovals(), turn(OWNER, "الطلبات المعلقة", intent="pending_approvals"))
    assert texts(listed) == "لا توجد طلبات بانتظار الموافقة."


def threshold_said(text, who=OWNER):
    from actions.inquiries import ActionSetApprovalThreshold

    return texts(run(ActionSetApprovalThreshold(), turn(who, text, intent="set_approval_threshold"))[1])


def approval_above(engine, world):
    with UnitOfWork(engine) as uow:
        return uow.session.get(Establishment, world.establishment_id).approval_above


def test_the_owner_sets_the_threshold_in_chat_and_turns_it_off(engine, world):
    assert "فوق 7500 ريال" in threshold_said("أي طلب فوق ٧٬٥٠٠ ريال يحتاج موافقتي")
    assert approval_above(engine, world) == 7500
    assert threshold_said("الغ الموافقات").startswith("أُوقفت الموافقات")
    assert approval_above(engine, world) is None


def test_the_threshold_needs_an_amount_and_an_owner(engine, world):
    assert (
        threshold_said("ابي احدد حد الموافقة")
        == "اذكر المبلغ، مثل: «حد الموافقة 5000 ريال»، أو «بدون موافقات» لإيقافها."
    )
    agent(engine, world, threshold=1000)
    assert threshold_said("حد الموافقة 90000", who=AGENT) == "تحديد حد الموافقة لمالك المنشأة فقط."
    assert approval_above(engine, world) == 1000


def test_a_bulk_request_written_in_english_is_offered_and_carried_out_in_english(engine, world):
    slots, messages = offer([world.iqama, world.traveller], text="renew these iqamas for a year")
    text = texts(messages)
    assert text.startswith("Bulk request: Iqama renewal for 2 residents\n")
    assert f"✅ {isolate('Mohammed Abdullah Khan')} ({world.iqama}): {RENEWAL_12} SAR" in text  # the Latin name
    assert text.endswith(f"2 of 2 can be carried out; total: {2 * RENEWAL_12} SAR\nDo you confirm?")
    assert [b["title"] for b in messages[0]["buttons"]] == ["Confirm", "Cancel"]
    assert messages[0]["buttons"][0]["payload"] == f'/affirm{{"quote_id": "{slots["pending_quote_id"]}"}}'

    tracker = turn(OWNER, "yes", intent="affirm", entities={"quote_id": slots["pending_quote_id"]}, slots=slots)
    receipt = texts(run(ActionConfirmStep(), tracker)[1])
    assert receipt.startswith("Bulk request carried out: Iqama renewal\n2 done, 0 not done.\n✅ ")
    assert f"Amount charged: {2 * RENEWAL_12} SAR\nEstablishment balance: {50_000 - 2 * RENEWAL_12} SAR" in receipt


def test_approvals_in_english(engine, world):
    _, listed = run(ActionPendingApprovals(), turn(OWNER, "pending approvals", intent="pending_approvals"))
    assert texts(listed) == "No requests are waiting for approval."
    assert threshold_said("approval threshold 7,500") == (
        "Done. Employees' requests above 7500 SAR, and every final exit or sponsorship transfer they request, "
        "wait for your approval before they are carried out (time limit: 72 hours)."
    )
    assert approval_above(engine, world) == 7500
    assert threshold_said("no approvals").startswith("Approvals are off: ")
    assert threshold_said("set the approval threshold") == (
        "Give the amount, e.g. “approval threshold 5000 SAR”, or “no approvals” to turn approvals off."
    )
