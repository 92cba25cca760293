"""Quote, confirm, decline against the real database: the quote shows every fee part, the total and the
dates with buttons; confirming charges exactly once; a second confirmation executes nothing."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from actions import confirm_step, services
from actions.common import UNEXPECTED_FAILURE
from actions.render import STALE_BUTTON, confirm_buttons
from replies import _ as translated
from residency.db import UnitOfWork
from residency.models import Notification, Resident, Transaction, TransferRequest, Visa
from residency.services.base import NOT_ACTIVATED
from tests.dialogue.conftest import OTHER_OWNER, OWNER, STRANGER
from tests.dialogue.helpers import run, slot_events, texts, turn
from tests.domain import factories as f


def balance(engine, establishment_id):
    with UnitOfWork(engine) as uow:
        return uow.repo.establishment(establishment_id).balance


def transactions(engine) -> int:
    with UnitOfWork(engine) as uow:
        return uow.session.execute(select(func.count(Transaction.id))).scalar_one()


def quoted(sender, service, **slots):
    events, messages = run(services.ACTIONS_BY_SERVICE[service], turn(sender, slots=slots, after=[f"{service}_form"]))
    return slot_events(events), messages


def confirm(sender, pending):
    return run(confirm_step.ActionConfirmStep(), turn(sender, "تأكيد", intent="affirm", slots=pending))


def test_renewal_quote_lists_fees_total_dates_and_buttons(world):
    pending, messages = quoted(OWNER, "renew_iqama", iqama_number=world.iqama, duration="P12M")
    text = texts(messages)
    assert "رسوم الإقامة" in text and "650 ريال" in text
    assert "الإجمالي: 10250 ريال" in text  # 650 + 12 x 800
    assert "2028-03-01 م" in text and "هـ" in text
    assert messages[-1]["buttons"] == confirm_buttons(pending["pending_quote_id"])
    assert pending["pending_quote"]["total"] == 10250
    assert len(pending["pending_quote_id"]) == 32


def test_confirm_executes_once_and_a_second_confirm_executes_nothing(engine, world):
    pending, _ = quoted(OWNER, "renew_iqama", iqama_number=world.iqama, duration="P12M")
    events, messages = confirm(OWNER, pending)
    receipt = texts(messages)
    assert "تم التنفيذ" in receipt and "المبلغ المخصوم: 10250 ريال" in receipt
    assert "رصيد المنشأة بعد العملية: 39750 ريال" in receipt and "رقم العملية" in receipt
    after = slot_events(events)
    assert after["pending_quote"] is None and after["pending_quote_id"] is None

    events, messages = confirm(OWNER, after)
    assert "لا يوجد طلب بانتظار التأكيد" in texts(messages)
    assert balance(engine, world.establishment_id) == 39_750
    assert transactions(engine) == 1


def test_the_same_confirmation_delivered_twice_charges_once(engine, world):
    pending, _ = quoted(OWNER, "renew_iqama", iqama_number=world.iqama, duration="P6M")
    confirm(OWNER, pending)
    _, messages = confirm(OWNER, pending)  # a retried delivery still carrying the pending quote
    assert "سبق تنفيذ هذا الطلب" in texts(messages)
    assert balance(engine, world.establishment_id) == 50_000 - (325 + 6 * 800)
    assert transactions(engine) == 1


def test_deny_drops_the_quote_and_charges_nothing(engine, world):
    pending, _ = quoted(OWNER, "renew_iqama", iqama_number=world.iqama, duration="P3M")
    events, messages = run(confirm_step.ActionConfirmStep(), turn(OWNER, "الغ", intent="deny", slots=pending))
    assert "تم إلغاء الطلب" in texts(messages)
    assert slot_events(events)["pending_quote"] is None
    assert balance(engine, world.establishment_id) == 50_000
    assert transactions(engine) == 0


def test_correction_of_a_pending_quote_quotes_again(world):
    pending, _ = quoted(OWNER, "renew_iqama", iqama_number=world.iqama, duration="P12M")
    slots = {**pending, "iqama_number": world.iqama}
    events, messages = run(
        confirm_step.ActionConfirmStep(),
        turn(OWNER, "لا خلها ٦ شهور", intent="deny", entities={"duration": "P6M"}, slots=slots),
    )
    new = slot_events(events)
    assert new["pending_quote"]["inputs"]["duration"] == "P6M"
    assert new["pending_quote_id"] != pending["pending_quote_id"]
    assert "2027-09-01" in texts(messages)


def test_changed_terms_show_the_new_quote_and_charge_nothing(engine, world):
    pending, _ = quoted(OWNER, "renew_iqama", iqama_number=world.iqama, duration="P12M")
    with UnitOfWork(engine) as uow:
        uow.session.execute(select(Resident).where(Resident.iqama_number == world.iqama)).scalar_one().dependants = 1
        uow.commit()
    events, messages = confirm(OWNER, pending)
    new = slot_events(events)
    assert "تغيّرت" in texts(messages)
    assert new["pending_quote"]["total"] == 10250 + 12 * 400
    assert messages[-1]["buttons"] == confirm_buttons(new["pending_quote_id"])
    assert transactions(engine) == 0


def test_refusal_at_quote_time_is_explained_and_the_request_forgotten(engine, world):
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(world.establishment_id).balance = 100
        uow.commit()
    events, messages = run(
        services.ACTIONS_BY_SERVICE["renew_iqama"], turn(OWNER, slots={"iqama_number": world.iqama, "duration": "P12M"})
    )
    assert "ينقصه 10150 ريال" in texts(messages)
    assert slot_events(events)["iqama_number"] is None


def test_stranger_gets_only_the_activation_hint(world):
    events, messages = run(
        services.ACTIONS_BY_SERVICE["renew_iqama"],
        turn(STRANGER, slots={"iqama_number": world.iqama, "duration": "P12M"}),
    )
    assert texts(messages) == translated(NOT_ACTIVATED)
    assert "/start" in NOT_ACTIVATED
    assert slot_events(events)["iqama_number"] is None


def test_exit_reentry_issued_with_visa_number_in_the_receipt(engine, world):
    pending, messages = quoted(
        OWNER, "issue_exit_reentry", iqama_number=world.iqama, visa_type="multiple", duration="P2M"
    )
    assert "العودة قبل: 2027-01-27 م" in texts(messages)
    _, messages = confirm(OWNER, pending)
    assert "رقم التأشيرة: 6" in texts(messages)
    assert balance(engine, world.establishment_id) == 50_000 - 500


def test_extension_by_visa_number(engine, world):
    with UnitOfWork(engine) as uow:  # the traveller has left on the visa: only then can it be extended
        uow.session.execute(
            select(Resident).where(Resident.iqama_number == world.traveller)
        ).scalar_one().location = "outside"
        uow.session.execute(select(Visa).where(Visa.number == world.visa)).scalar_one().status = "used"
        uow.commit()
    pending, messages = quoted(OWNER, "extend_exit_reentry", visa_number=world.visa, duration="P1M")
    assert "2027-02-20" in texts(messages)
    confirm(OWNER, pending)
    assert balance(engine, world.establishment_id) == 50_000 - 200


def test_issue_iqama_receipt_gives_the_new_iqama_number(engine, world):
    pending, _ = quoted(OWNER, "issue_iqama", border_number=world.border, duration="P12M")
    _, messages = confirm(OWNER, pending)
    with UnitOfWork(engine) as uow:
        iqama = uow.session.execute(
            select(Resident.iqama_number).where(Resident.border_number == world.border)
        ).scalar_one()
    assert iqama and iqama in texts(messages)


def test_transfer_receipt_says_the_receiving_owner_was_asked(engine, world):
    pending, messages = quoted(
        OWNER, "transfer_sponsorship", iqama_number=world.iqama, establishment_number=world.other_establishment
    )
    assert "المنشأة المستقبلة" in texts(messages)
    _, messages = confirm(OWNER, pending)
    receipt = texts(messages)
    assert (
        receipt.splitlines()[1].startswith("أُرسل بانتظار القبول") and "تم التنفيذ" not in receipt
    )  # done only when accepted
    assert "مالك المنشأة المستقبلة" in receipt
    with UnitOfWork(engine) as uow:
        assert uow.session.execute(select(func.count(TransferRequest.id))).scalar_one() == 1
        notified = uow.session.execute(select(Notification.telegram_id)).scalars().all()
    assert notified == [OTHER_OWNER]
    assert balance(engine, world.establishment_id) == 50_000


def test_final_exit_then_its_cancellation(engine, world):
    pending, messages = quoted(OWNER, "issue_final_exit", iqama_number=world.iqama)
    assert "المغادرة قبل: 2027-01-26" in texts(messages)
    confirm(OWNER, pending)
    pending, _ = quoted(OWNER, "cancel_final_exit", iqama_number=world.iqama)
    _, messages = confirm(OWNER, pending)
    assert "تم التنفيذ" in texts(messages)
    assert transactions(engine) == 2


def test_agent_without_the_service_is_told_to_ask_the_owner(engine, world):
    agent = 502
    with UnitOfWork(engine) as uow:
        f.user(uow, uow.repo.establishment(world.establishment_id), agent, role="agent", services="inquire_resident")
        uow.commit()
    events, messages = run(
        services.ACTIONS_BY_SERVICE["renew_iqama"], turn(agent, slots={"iqama_number": world.iqama, "duration": "P12M"})
    )
    assert "ليست لديك صلاحية" in texts(messages)
    assert slot_events(events)["pending_quote"] is None
    assert transactions(engine) == 0


def test_free_cancellation_receipt(engine, world):
    pending, messages = quoted(OWNER, "cancel_exit_reentry", iqama_number=world.traveller)
    assert "لا تُسترد" in texts(messages)
    _, messages = confirm(OWNER, pending)
    receipt = texts(messages)
    assert "لم يُخصم أي مبلغ" in receipt and "العودة قبل" not in receipt
    with UnitOfWork(engine) as uow:
        assert uow.session.execute(select(Visa.status).where(Visa.number == world.visa)).scalar_one() == "cancelled"


def press(sender, intent, quote_id, pending):
    """A confirm/cancel button of the quote `quote_id` pressed while `pending` is what waits."""
    action = confirm_step.ActionConfirmStep()
    return run(action, turn(sender, f"/{intent}", intent=intent, entities={"quote_id": quote_id}, slots=pending))


def test_an_old_confirm_button_never_executes_the_quote_pending_now(engine, world):
    first, _ = quoted(OWNER, "renew_iqama", iqama_number=world.iqama, duration="P12M")
    second, _ = quoted(OWNER, "change_occupation", iqama_number=world.traveller, occupation="مهندس مدني")
    for intent in ("affirm", "deny"):
        events, messages = press(OWNER, intent, first["pending_quote_id"], second)
        assert texts(messages) == translated(STALE_BUTTON) and events == []
    assert transactions(engine) == 0
    events, messages = press(OWNER, "affirm", second["pending_quote_id"], second)
    assert "تم التنفيذ" in texts(messages) and transactions(engine) == 1


def test_a_confirm_button_pressed_again_after_execution_replays_its_receipt(engine, world):
    pending, _ = quoted(OWNER, "renew_iqama", iqama_number=world.iqama, duration="P12M")
    _, messages = press(OWNER, "affirm", pending["pending_quote_id"], pending)
    number = re.search(r"رقم العملية: (\d+)", texts(messages)).group(1)
    cleared = {"pending_quote": None, "pending_quote_id": None}
    events, messages = press(OWNER, "affirm", pending["pending_quote_id"], cleared)
    assert texts(messages) == f"سبق تنفيذ هذا الطلب (رقم العملية: {number})، ولم يُخصم أي مبلغ مرة أخرى."
    assert events == [] and transactions(engine) == 1


def test_an_unexpected_failure_is_answered_with_the_apology_and_changes_nothing(engine, world):
    # A pending quote that is not one (a typed payload can set any slot): Quote.from_dict fails.
    broken = {"pending_quote": {"service": "renew_iqama", "total": "x"}, "pending_quote_id": "f" * 32}
    events, messages = confirm(OWNER, broken)
    assert texts(messages) == translated(UNEXPECTED_FAILURE)
    assert transactions(engine) == 0


def test_a_name_with_bidi_controls_is_shown_isolated_in_the_quote(engine, world):
    with UnitOfWork(engine) as uow:
        uow.session.execute(
            select(Resident).where(Resident.iqama_number == world.iqama)
        ).scalar_one().name_ar = "محمد\u202e خان"
        uow.commit()
    _, messages = quoted(OWNER, "renew_iqama", iqama_number=world.iqama, duration="P12M")
    header = texts(messages).splitlines()[1]  # under the establishment
    assert "\u2068محمد خان\u2069" in header and "\u202e" not in header
