"""The worker in focus (SPEC 10.2) against the real database: who is in focus after a card, a quote, a
refusal and a receipt; a request naming no worker acts on him for 30 minutes; a name one resident matches
goes on; documents in context; counts asked for."""

from __future__ import annotations

import time

import pytest

from actions import confirm_step, inquiries, services
from actions.common import FOCUS_SECONDS
from tests.dialogue.conftest import OWNER
from tests.dialogue.helpers import run, slot_events, texts, turn


def focus(iqama, seconds_ago=0, **more):
    return {"focus": {"iqama_number": iqama, "name": "", "at": time.time() - seconds_ago, **more}}


def test_a_card_puts_the_worker_in_focus(world):
    events, _ = run(inquiries.ActionResidentCard(), turn(OWNER, "بيانات", intent="inquire_resident",
                                                          entities={"iqama_number": world.iqama}))  # fmt: skip
    assert slot_events(events)["focus"]["iqama_number"] == world.iqama


def test_a_request_naming_no_worker_is_for_the_worker_in_focus_for_30_minutes(world):
    start = services.ActionStartRequest()
    renew = {"intent": "renew_iqama", "entities": {"duration": "P12M"}}
    events, _ = run(start, turn(OWNER, "جدد اقامته سنة", slots=focus(world.iqama, 60), **renew))
    assert slot_events(events)["iqama_number"] == world.iqama
    events, _ = run(start, turn(OWNER, "جدد اقامته سنة", slots=focus(world.iqama, FOCUS_SECONDS + 60), **renew))
    assert slot_events(events).get("iqama_number") is None  # stale: the form asks for the number
    named = {"intent": "renew_iqama", "entities": {"iqama_number": world.traveller, "duration": "P12M"}}
    events, _ = run(start, turn(OWNER, "جدد", slots=focus(world.iqama, 60), **named))
    assert world.iqama not in [e.get("value") for e in events]  # another worker named: not the one in focus


def test_a_quote_and_its_refusal_both_name_the_worker_in_focus(world):
    action = services.ACTIONS_BY_SERVICE["renew_iqama"]
    events, _ = run(action, turn(OWNER, slots={"iqama_number": world.iqama, "duration": "P12M"},
                                 after=["renew_iqama_form"]))  # fmt: skip
    assert slot_events(events)["focus"]["iqama_number"] == world.iqama
    # the resident of another establishment is unknown: nobody comes into focus
    events, _ = run(action, turn(OWNER, slots={"iqama_number": world.foreign, "duration": "P12M"},
                                 after=["renew_iqama_form"]))  # fmt: skip
    assert "focus" not in slot_events(events)


def test_his_visas_and_his_report_are_the_worker_in_focus(world):
    events, messages = run(inquiries.ActionVisaInfo(), turn(OWNER, "وتأشيراته؟", intent="inquire_visa",
                                                             slots=focus(world.traveller, 60)))  # fmt: skip
    assert world.visa in texts(messages)
    _, messages = run(inquiries.ActionSendDocument(), turn(OWNER, "ابي تقريره pdf", intent="request_document",
                      entities={"document_type": "resident_report"}, slots=focus(world.traveller, 60)))  # fmt: skip
    [document] = [m["custom"] for m in messages if m.get("custom")]
    assert document["filename"] == f"resident-{world.traveller}.pdf"


def test_a_name_one_resident_matches_goes_on(world):
    _, messages = run(inquiries.ActionResidentCard(), turn(OWNER, "بيانات راجيش كومار", intent="inquire_resident",
                                                            entities={"person_name": "راجيش كومار"}))  # fmt: skip
    assert "بطاقة المقيم" in texts(messages) and world.traveller in texts(messages)


def test_the_receipt_right_after_an_execution_is_that_transactions(engine, world):
    pending, _ = run(services.ACTIONS_BY_SERVICE["renew_iqama"], turn(OWNER, slots={"iqama_number": world.iqama,
                     "duration": "P12M"}, after=["renew_iqama_form"]))  # fmt: skip
    events, _ = run(confirm_step.ActionConfirmStep(), turn(OWNER, "تمام", intent="affirm", slots=slot_events(pending)))
    after = slot_events(events)
    _, messages = run(inquiries.ActionSendDocument(), turn(OWNER, "ارسل الايصال", intent="request_document",
                      entities={"document_type": "receipt"}, slots={"focus": after["focus"]}))  # fmt: skip
    [document] = [m["custom"] for m in messages if m.get("custom")]
    assert document["filename"].endswith("-1.pdf")  # receipt number 1: the renewal just done


@pytest.mark.parametrize("text, listed", [("وريني اخر ٥ عمليات", 5), ("show me the last 3 transactions", 3),
                                          ("اخر العمليات", 6)])  # fmt: skip
def test_the_history_lists_as_many_as_asked(engine, world, text, listed):
    from tests.dialogue.test_confirmation import confirm, quoted

    for _ in range(6):
        pending, _ = quoted(OWNER, "renew_iqama", iqama_number=world.iqama, duration="P3M")
        confirm(OWNER, pending)
    _, messages = run(inquiries.ActionTransactionHistory(), turn(OWNER, text, intent="transaction_history"))
    assert sum(line.startswith("•") for line in texts(messages).splitlines()) == listed
