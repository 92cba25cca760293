"""Conversation actions on the real database: mid-form questions, name search offering buttons, cancel,
greeting, inquiries and reports (with the chart and CSV attachments)."""
from __future__ import annotations

import base64
from datetime import date

from actions import conversation, inquiries, prompts, services
from residency.db import UnitOfWork
from residency.services.base import NOT_ACTIVATED
from tests.dialogue.conftest import OWNER, STRANGER
from tests.dialogue.helpers import run, slot_events, texts, turn
from tests.domain import factories as f


def test_fee_question_in_a_form_gives_that_services_fee_rules(world):
    tracker = turn(OWNER, "كم الرسوم؟", intent="help", slots={"requested_slot": "duration"}, form="renew_iqama_form")
    _, messages = run(conversation.ActionAnswerQuestion(), tracker)
    said = texts(messages)
    assert "رسوم تجديد إقامة" in said and "650" in said and "800" in said


def test_expiry_question_in_a_form_answers_about_the_requests_resident(world):
    tracker = turn(OWNER, "متى تنتهي اقامته؟", intent="inquire_resident",
                   slots={"iqama_number": world.iqama, "requested_slot": "duration"}, form="renew_iqama_form")
    _, messages = run(conversation.ActionAnswerQuestion(), tracker)
    assert "2027-03-01" in texts(messages)


def test_number_of_the_wrong_kind_is_explained(world):
    tracker = turn(OWNER, "3123456789", entities={"border_number": "3123456789"},
                   slots={"requested_slot": "iqama_number"}, form="renew_iqama_form")
    _, messages = run(conversation.ActionAnswerQuestion(), tracker)
    assert "رقم حدود" in texts(messages)


def test_name_instead_of_iqama_offers_matches_as_buttons(world):
    tracker = turn(OWNER, "خروج وعودة لمحمد خان", intent="issue_exit_reentry", entities={"person_name": "محمد خان"},
                   form="issue_exit_reentry_form")
    _, messages = run(conversation.ActionAskIqamaNumber(), tracker)
    buttons = [b for m in messages for b in m["buttons"]]
    assert {"title": f"محمد عبدالله خان ({world.iqama})", "payload": f'/inform{{"iqama_number": "{world.iqama}"}}'} in buttons
    assert len(buttons) <= 5
    assert "رقم إقامة" in messages[-1]["text"]


def test_iqama_or_visa_question_for_the_visa_services(world):
    _, messages = run(conversation.ActionAskIqamaNumber(), turn(OWNER, form="cancel_exit_reentry_form"))
    assert "رقم التأشيرة" in texts(messages)


def test_duration_question_offers_the_iqama_periods(world):
    _, messages = run(prompts.AskDuration(), turn(OWNER, form="renew_iqama_form"))
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == [f'/inform{{"duration": "P{m}M"}}' for m in (3, 6, 9, 12)]


def test_cancel_deactivates_the_form_and_forgets_the_request(world):
    tracker = turn(OWNER, "الغ", intent="cancel", slots={"iqama_number": world.iqama, "requested_slot": "duration"},
                   form="renew_iqama_form")
    events, messages = run(conversation.ActionCancelRequest(), tracker)
    assert "تم إلغاء الطلب" in texts(messages)
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    assert slot_events(events)["iqama_number"] is None


def test_greeting_shows_the_menu_to_users_and_only_the_hint_to_strangers(world):
    _, messages = run(conversation.ActionGreet(), turn(OWNER, "السلام عليكم", intent="greet"))
    assert "جدد اقامة" in texts(messages)
    _, messages = run(conversation.ActionGreet(), turn(STRANGER, "السلام عليكم", intent="greet"))
    assert texts(messages) == NOT_ACTIVATED


def test_bare_iqama_outside_a_form_shows_the_card(world):
    _, messages = run(conversation.ActionHandleInform(), turn(OWNER, world.iqama, entities={"iqama_number": world.iqama}))
    assert "محمد عبدالله خان" in texts(messages)


def test_card_of_another_establishments_resident_looks_unknown(world):
    _, foreign = run(inquiries.ActionResidentCard(),
                     turn(OWNER, intent="inquire_resident", entities={"iqama_number": world.foreign}))
    _, unknown = run(inquiries.ActionResidentCard(),
                     turn(OWNER, intent="inquire_resident", entities={"iqama_number": "2000000006"}))
    assert texts(foreign).replace(world.foreign, "N") == texts(unknown).replace("2000000006", "N")


def test_visa_inquiry_by_number(world):
    _, messages = run(inquiries.ActionVisaInfo(), turn(OWNER, intent="inquire_visa", entities={"visa_number": world.visa}))
    assert world.visa in texts(messages) and "راجيش كومار" in texts(messages)


def test_expiring_report_sends_text_chart_and_csv(engine, world):
    with UnitOfWork(engine) as uow:
        est = uow.repo.establishment(world.establishment_id)
        f.resident(uow, est, name_ar="سالم", iqama_expiry=date(2026, 12, 5))
        uow.commit()
    _, messages = run(inquiries.ActionExpiringIqamas(), turn(OWNER, intent="report_expiring_iqamas"))
    assert "سالم" in messages[0]["text"]
    photo, document = messages[1]["custom"], messages[2]["custom"]
    assert base64.b64decode(photo["photo_base64"]).startswith(b"\x89PNG")
    assert document["filename"] == "expiring_iqamas.csv"
    assert "سالم" in base64.b64decode(document["document_base64"]).decode("utf-8-sig")


def test_account_status_for_the_owner(world):
    _, messages = run(inquiries.ActionAccountStatus(), turn(OWNER, intent="account_status"))
    assert "50000" in texts(messages).replace(",", "").replace("٬", "")


def test_start_request_keeps_only_what_the_message_says(world):
    slots = {"iqama_number": world.iqama, "duration": "P12M", "pending_quote": {"service": "renew_iqama"},
             "pending_quote_id": "x"}
    events, _ = run(services.ActionStartRequest(),
                    turn(OWNER, "خروج نهائي", intent="issue_final_exit", entities={"iqama_number": world.traveller},
                         slots=slots))
    reset = slot_events(events)
    assert "iqama_number" not in reset
    assert reset["duration"] is None and reset["pending_quote"] is None


def test_switching_service_keeps_the_resident_unless_another_is_named(world):
    slots = {"iqama_number": world.iqama, "duration": "P12M", "requested_slot": "duration"}
    events, _ = run(services.ActionStartRequest(),
                    turn(OWNER, "لا ابي خروج نهائي له", intent="issue_final_exit", slots=slots, form="renew_iqama_form"))
    reset = slot_events(events)
    assert "iqama_number" not in reset and reset["duration"] is None
    events, _ = run(services.ActionStartRequest(),
                    turn(OWNER, "خروج نهائي لراجيش", intent="issue_final_exit", entities={"person_name": "راجيش"},
                         slots=slots, form="renew_iqama_form"))
    assert slot_events(events)["iqama_number"] is None
