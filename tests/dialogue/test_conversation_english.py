"""The conversation in English: a message written in English is answered in English (help, greeting,
small talk, the forms' questions and their buttons, the iqama question, the expiring report's attachments);
the buttons' payloads are the same in both languages."""

from __future__ import annotations

import base64
from datetime import date

from actions import conversation, inquiries, prompts
from actions.render import MENU
from residency.db import UnitOfWork
from tests.dialogue.conftest import OWNER
from tests.dialogue.helpers import run, texts, turn
from tests.domain import factories as f

HELP_FIRST_LINE = (
    "I am the residency services assistant of your establishment. Write your request in one sentence, for example:"
)


def test_help_in_english(world):
    _, messages = run(conversation.ActionHelp(), turn(OWNER, "help", intent="help"))
    assert texts(messages) == MENU  # the id is the English text
    assert texts(messages).splitlines()[0] == HELP_FIRST_LINE
    assert texts(messages).splitlines()[-1] == (
        "I show you the fees before anything is done, and nothing is charged until you confirm. "
        "Write “cancel” at any time to stop the request."
    )


def test_greeting_and_small_talk_in_english(world):
    _, messages = run(conversation.ActionGreet(), turn(OWNER, "hello", intent="greet"))
    assert texts(messages) == "Hello! " + conversation.WHAT_I_DO
    _, messages = run(conversation.ActionGreet(), turn(OWNER, "salam", intent="greet"))
    assert texts(messages).startswith("Wa alaikum assalam!")
    _, messages = run(conversation.ActionSmallTalk(), turn(OWNER, "thanks", intent="thank"))
    assert texts(messages) == "You're welcome, always at your service."
    _, messages = run(conversation.ActionDefaultFallback(), turn(OWNER, "blah blah"))
    assert texts(messages) == (
        "I did not understand your request. Try for example: “renew iqama 2XXXXXXXXX for a year” or "
        "“whose iqamas expire this month?”, or write “help”."
    )
    _, messages = run(conversation.ActionCancelRequest(), turn(OWNER, "cancel", intent="cancel"))
    assert texts(messages) == "There is no open request to cancel. Write what you need whenever you like."


def test_the_duration_question_and_its_buttons_in_english(world):
    _, messages = run(prompts.AskDuration(), turn(OWNER, "renew iqama", form="renew_iqama_form"))
    assert messages[0]["text"] == "How long is the renewal? 3, 6, 9 or 12 months."
    buttons = [(b["title"], b["payload"]) for b in messages[0]["buttons"]]
    assert buttons == [
        ("3 months", '/inform{"duration": "P3M"}'),
        ("6 months", '/inform{"duration": "P6M"}'),
        ("9 months", '/inform{"duration": "P9M"}'),
        ("1 year", '/inform{"duration": "P12M"}'),
    ]
    _, messages = run(prompts.AskDuration(), turn(OWNER, "جدد اقامة", form="renew_iqama_form"))
    assert messages[0]["text"] == "كم مدة التجديد؟ 3 أو 6 أو 9 أو 12 شهرًا."
    assert [b["title"] for b in messages[0]["buttons"]] == ["3 أشهر", "6 أشهر", "9 أشهر", "سنة"]


def test_visa_type_and_iqama_questions_in_english(world):
    _, messages = run(prompts.AskVisaType(), turn(OWNER, "exit re-entry", form="issue_exit_reentry_form"))
    assert messages[0]["text"] == "Single or multiple exit/re-entry?"
    assert [(b["title"], b["payload"]) for b in messages[0]["buttons"]] == [
        ("Single", '/inform{"visa_type": "single"}'),
        ("Multiple", '/inform{"visa_type": "multiple"}'),
    ]
    _, messages = run(conversation.ActionAskIqamaNumber(), turn(OWNER, "renew iqama", form="renew_iqama_form"))
    assert texts(messages) == (
        "Send the worker's iqama number (10 digits starting with 2), or write their name and I will look them up."
    )


def test_a_name_sent_after_the_english_name_prompt_is_searched(world):
    tracker = turn(OWNER, "Rajesh", intent="nlu_fallback")
    tracker.events.insert(
        -1,
        {
            "event": "bot",
            "text": "Write the worker's name as on the iqama (in Arabic or English) and I will look them up.",
        },
    )
    _, messages = run(conversation.ActionSmallTalk(), tracker)
    assert world.traveller in texts(messages)


def test_expiring_report_and_its_attachments_in_english(engine, world):
    with UnitOfWork(engine) as uow:
        est = uow.repo.establishment(world.establishment_id)
        f.resident(uow, est, name_ar="سالم", iqama_expiry=date(2026, 12, 5))
        uow.commit()
    tracker = turn(OWNER, "whose iqamas expire soon?", intent="report_expiring_iqamas")
    _, messages = run(inquiries.ActionExpiringIqamas(), tracker)
    assert messages[0]["text"].startswith("📋 Iqamas expired or expiring within 30 days: 1 (0 expired)")
    photo, document = messages[1]["custom"], messages[2]["custom"]
    assert photo["caption"] == "Iqamas expired or expiring within 30 days"
    assert document["caption"] == "The same list as a CSV file (opens in Excel)"
    header = base64.b64decode(document["document_base64"]).decode("utf-8-sig").splitlines()[0]
    assert header == "Iqama number,Name,Iqama expiry date,Days left"
