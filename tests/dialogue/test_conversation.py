"""Conversation actions on the real database: mid-form questions, name search offering buttons, cancel,
greeting, small talk, goodbye, inquiries and reports (with the chart and CSV attachments), and the
activation hint as the only answer to a stranger, whatever the message."""

from __future__ import annotations

import base64
import importlib
import inspect
import pkgutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Action

import actions
from actions import conversation, inquiries, prompts, services
from replies import _ as translated
from residency.db import UnitOfWork
from residency.services.base import NOT_ACTIVATED
from residency.text_safety import isolate
from tests.dialogue.conftest import OWNER, STRANGER
from tests.dialogue.helpers import DOMAIN, run, slot_events, texts, turn
from tests.domain import factories as f

ROOT = Path(__file__).resolve().parents[2]


def test_fee_question_in_a_form_gives_that_services_fee_rules(world):
    tracker = turn(OWNER, "كم الرسوم؟", intent="help", slots={"requested_slot": "duration"}, form="renew_iqama_form")
    _, messages = run(conversation.ActionAnswerQuestion(), tracker)
    said = texts(messages)
    assert "رسوم تجديد إقامة" in said and "650" in said and "800" in said


def test_expiry_question_in_a_form_answers_about_the_requests_resident(world):
    tracker = turn(
        OWNER,
        "متى تنتهي اقامته؟",
        intent="inquire_resident",
        slots={"iqama_number": world.iqama, "requested_slot": "duration"},
        form="renew_iqama_form",
    )
    _, messages = run(conversation.ActionAnswerQuestion(), tracker)
    assert "2027-03-01" in texts(messages)


def test_number_of_the_wrong_kind_is_explained(world):
    tracker = turn(
        OWNER,
        "3123456789",
        entities={"border_number": "3123456789"},
        slots={"requested_slot": "iqama_number"},
        form="renew_iqama_form",
    )
    _, messages = run(conversation.ActionAnswerQuestion(), tracker)
    assert "رقم حدود" in texts(messages)


def test_name_instead_of_iqama_offers_matches_as_buttons(world):
    tracker = turn(
        OWNER,
        "خروج وعودة لمحمد خان",
        intent="issue_exit_reentry",
        entities={"person_name": "محمد خان"},
        form="issue_exit_reentry_form",
    )
    events, messages = run(conversation.ActionAskIqamaNumber(), tracker)
    buttons = [b for m in messages for b in m["buttons"]]
    list_id = slot_events(events)["pick_list"]  # only this list's picks answer the form
    assert {
        "title": isolate("محمد عبدالله خان") + f" ({world.iqama})",
        "payload": f'/inquire_resident{{"iqama_number": "{world.iqama}", "pick_list": "{list_id}"}}',
    } in buttons
    assert len(buttons) <= 5
    assert len(messages) == 1 and "أرسل رقم إقامته" in messages[0]["text"]  # the matches are the question


def test_iqama_or_visa_question_for_the_visa_services(world):
    _, messages = run(conversation.ActionAskIqamaNumber(), turn(OWNER, form="cancel_exit_reentry_form"))
    assert "رقم التأشيرة" in texts(messages)


def test_duration_question_offers_the_iqama_periods(world):
    _, messages = run(prompts.AskDuration(), turn(OWNER, form="renew_iqama_form"))
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == [f'/inform{{"duration": "P{m}M"}}' for m in (3, 6, 9, 12)]


def test_cancel_deactivates_the_form_and_forgets_the_request(world):
    tracker = turn(
        OWNER,
        "الغ",
        intent="cancel",
        slots={"iqama_number": world.iqama, "requested_slot": "duration"},
        form="renew_iqama_form",
    )
    events, messages = run(conversation.ActionCancelRequest(), tracker)
    assert "تم إلغاء الطلب" in texts(messages)
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    assert slot_events(events)["iqama_number"] is None


def test_a_greeting_is_returned_in_kind_with_one_line_and_strangers_get_only_the_hint(world):
    _, messages = run(conversation.ActionGreet(), turn(OWNER, "السلام عليكم", intent="greet"))
    assert texts(messages).startswith("وعليكم السلام") and len(texts(messages).splitlines()) == 1
    _, messages = run(conversation.ActionGreet(), turn(OWNER, "صباح الخير", intent="greet"))
    assert texts(messages).startswith("صباح النور")
    _, messages = run(conversation.ActionHelp(), turn(OWNER, "مساعدة", intent="help"))
    assert "جدد اقامة" in texts(messages)  # the full list comes with help
    _, messages = run(conversation.ActionGreet(), turn(STRANGER, "السلام عليكم", intent="greet"))
    assert texts(messages) == translated(NOT_ACTIVATED)


def test_bare_iqama_outside_a_form_shows_the_card(world):
    _, messages = run(
        conversation.ActionHandleInform(), turn(OWNER, world.iqama, entities={"iqama_number": world.iqama})
    )
    assert "محمد عبدالله خان" in texts(messages)


def test_card_of_another_establishments_resident_looks_unknown(world):
    _, foreign = run(
        inquiries.ActionResidentCard(), turn(OWNER, intent="inquire_resident", entities={"iqama_number": world.foreign})
    )
    _, unknown = run(
        inquiries.ActionResidentCard(), turn(OWNER, intent="inquire_resident", entities={"iqama_number": "2000000006"})
    )
    assert texts(foreign).replace(world.foreign, "N") == texts(unknown).replace("2000000006", "N")


def test_visa_inquiry_by_number(world):
    _, messages = run(
        inquiries.ActionVisaInfo(), turn(OWNER, intent="inquire_visa", entities={"visa_number": world.visa})
    )
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
    slots = {
        "iqama_number": world.iqama,
        "duration": "P12M",
        "pending_quote": {"service": "renew_iqama"},
        "pending_quote_id": "x",
    }
    events, _ = run(
        services.ActionStartRequest(),
        turn(OWNER, "خروج نهائي", intent="issue_final_exit", entities={"iqama_number": world.traveller}, slots=slots),
    )
    reset = slot_events(events)
    assert "iqama_number" not in reset
    assert reset["duration"] is None and reset["pending_quote"] is None


def test_switching_service_keeps_the_resident_unless_another_is_named(world):
    slots = {"iqama_number": world.iqama, "duration": "P12M", "requested_slot": "duration"}
    events, _ = run(
        services.ActionStartRequest(),
        turn(OWNER, "لا ابي خروج نهائي له", intent="issue_final_exit", slots=slots, form="renew_iqama_form"),
    )
    reset = slot_events(events)
    assert "iqama_number" not in reset and reset["duration"] is None
    events, _ = run(
        services.ActionStartRequest(),
        turn(
            OWNER,
            "خروج نهائي لراجيش",
            intent="issue_final_exit",
            entities={"person_name": "راجيش"},
            slots=slots,
            form="renew_iqama_form",
        ),
    )
    assert slot_events(events)["iqama_number"] is None


def _actions_by_name() -> dict[str, Action]:
    """Every concrete custom action of actions/, by name (every module imported, as the action server does)."""
    for module in pkgutil.iter_modules(actions.__path__):
        importlib.import_module(f"actions.{module.name}")
    found, classes = {}, list(Action.__subclasses__())
    while classes:
        cls = classes.pop()
        classes += cls.__subclasses__()
        if cls.__module__.startswith("actions.") and not inspect.isabstract(cls):
            found[cls().name()] = cls()
    return found


def _answer_of_each_intent() -> dict[str, str]:
    """intent -> the action that answers it outside a form, from data/rules (a service's answer is its
    quote: `action_start_request` and the form say nothing to a stranger)."""
    answers = {}
    for path in sorted((ROOT / "data" / "rules").glob("*.yml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]:
            first, second = rule["steps"][:2]
            if "condition" in rule or "action" not in second:
                continue
            intents = [step["intent"] for step in first.get("or", [first]) if "intent" in step]
            for intent in intents:
                action = second["action"]
                answers[intent] = f"action_quote_{intent}" if action == "action_start_request" else action
    return answers


ACTIONS = _actions_by_name()
ANSWER_OF_INTENT = _answer_of_each_intent()


def test_every_intent_has_an_answer_outside_a_form():
    assert set(ANSWER_OF_INTENT) == set(DOMAIN["intents"]) | {"nlu_fallback"}


@pytest.mark.parametrize("intent", sorted(ANSWER_OF_INTENT))
def test_stranger_gets_the_activation_hint_alone_whatever_they_write(world, intent):
    entities = {"iqama_number": world.iqama} if intent in ("inform", "renew_iqama", "inquire_resident") else {}
    events, messages = run(
        ACTIONS[ANSWER_OF_INTENT[intent]],
        turn(STRANGER, intent=intent, entities=entities, slots={"pending_quote": {"service": "renew_iqama"}}),
    )
    assert [(m["text"], m["buttons"], m["custom"]) for m in messages] == [(translated(NOT_ACTIVATED), [], {})]
    assert "pending_quote" not in slot_events(events) or slot_events(events)["pending_quote"] is None


def test_stranger_gets_the_hint_from_rasas_fallback_too(world):
    events, messages = run(conversation.ActionDefaultFallback(), turn(STRANGER, "؟؟"))
    assert texts(messages) == translated(NOT_ACTIVATED)
    assert events == [{"event": "rewind", "timestamp": None}]


@pytest.mark.parametrize("intent", ["thank", "bot_challenge", "out_of_scope", "nlu_fallback"])
def test_small_talk_gets_its_own_short_answer(world, intent):
    _, messages = run(conversation.ActionSmallTalk(), turn(OWNER, intent=intent))
    assert texts(messages) == translated(conversation.SMALL_TALK[intent])


def test_goodbye_in_a_form_cancels_the_request_then_says_goodbye(world):
    tracker = turn(
        OWNER,
        "مع السلامة",
        intent="goodbye",
        slots={"iqama_number": world.iqama, "requested_slot": "duration"},
        form="renew_iqama_form",
    )
    events, messages = run(conversation.ActionGoodbye(), tracker)
    assert [m["text"] for m in messages] == [translated(services.CANCELLED), translated(conversation.GOODBYE)]
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    _, messages = run(conversation.ActionGoodbye(), turn(OWNER, "مع السلامة", intent="goodbye"))
    assert texts(messages) == translated(conversation.GOODBYE)
