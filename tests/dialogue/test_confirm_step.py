"""The confirm step's answers (actions/confirm_step.py) against the real database: what each kind of
message does to an open renewal quote of 10250 riyals (650 + 12 x 800), and the words that decide it."""

from __future__ import annotations

import pytest
import yaml

from actions import confirm_step, services
from actions.confirm_step import WORDS_FILE, begins_with_no, is_hedge, is_plain_yes, asks_about_quote
from actions.render import confirm_buttons
from replies import _ as translated
from tests.dialogue.conftest import OWNER
from tests.dialogue.helpers import run, slot_events, texts, turn
from tests.dialogue.test_confirmation import balance, quoted, transactions

WORDS = yaml.load(WORDS_FILE.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


@pytest.mark.parametrize("yes", WORDS["yes"])
def test_every_yes_of_the_list_is_a_plain_yes(yes):
    assert is_plain_yes(yes) and is_plain_yes(f"{yes}!") and is_plain_yes(f"{yes} please")


@pytest.mark.parametrize(
    "text", ["تمااام", "Yesss", "OK.", "اوكي لو سمحت", "ايوه تمام", "نعم أكّد", "na3am", "تــمام", "yes, go ahead"]
)
def test_written_as_people_write_yes(text):
    assert is_plain_yes(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "❌",
        "👍",
        "?",
        "؟",
        "ok?",
        "نعم؟",
        "x",
        "wait",
        "hmm",
        "الله",
        "شكرا",
        "please",
        "yes no",
        "ايوه بس",
        "طيب كم المجموع بالضبط؟",
        "تمام بس غير المدة",
        "3",
        "2158813994",
        "/affirm",
        "لا",
        "yes but later",
        "k?",
    ],
)
def test_anything_else_is_not_a_plain_yes(text):
    assert not is_plain_yes(text)


def test_no_hedge_and_question_words():
    assert begins_with_no("لا") and begins_with_no("لا شكرا") and begins_with_no("No, thanks")
    assert not begins_with_no("لازم اجددها") and not begins_with_no("not sure")
    assert is_hedge("لا بس كنت ابغى اعرف السعر") and is_hedge("مو الحين") and is_hedge("not now, thanks")
    assert asks_about_quote("كم المجموع") and asks_about_quote("what's the total") and asks_about_quote("؟")
    assert not asks_about_quote("تمام") and not asks_about_quote("hmm")


def answer(pending, text, intent="inform", entities=None):
    return run(confirm_step.ActionConfirmStep(), turn(OWNER, text, intent=intent, entities=entities, slots=pending))


@pytest.fixture
def pending(world):
    slots, _ = quoted(OWNER, "renew_iqama", iqama_number=world.iqama, duration="P12M")
    return {**slots, "iqama_number": world.iqama, "duration": "P12M"}


def test_a_question_shows_the_quote_again_with_its_buttons(engine, world, pending):
    events, messages = answer(pending, "طيب كم المجموع بالضبط؟", intent="affirm")
    assert "الإجمالي: 10250 ريال" in texts(messages) and events == []
    assert messages[-1]["buttons"] == confirm_buttons(pending["pending_quote_id"])
    assert transactions(engine) == 0 and balance(engine, world.establishment_id) == 50_000


def test_a_hedge_and_a_no_close_the_quote(engine, world, pending):
    for text, said in (("مو الحين", confirm_step.HEDGED), ("لا", services.CANCELLED)):
        events, messages = answer(pending, text, intent="deny")
        assert texts(messages) == translated(said)
        assert slot_events(events)["pending_quote"] is None and slot_events(events)["pending_quote_id"] is None
    assert transactions(engine) == 0


def test_a_changed_period_is_quoted_again(engine, world, pending):
    events, messages = answer({**pending, "duration": "P6M"}, "خليها 6 شهور", entities={"duration": "P6M"})
    assert "الإجمالي: 5125 ريال" in texts(messages)  # 325 + 6 x 800
    assert slot_events(events)["pending_quote"]["total"] == 5125 and transactions(engine) == 0


def test_another_request_closes_the_quote_and_is_answered(engine, world, pending):
    events, messages = answer(pending, "كم رصيدي؟", intent="account_status")
    said = texts(messages)
    assert said.startswith("أغلقت العرض المفتوح (تجديد إقامة)") and "50000 ريال" in said
    assert slot_events(events)["pending_quote_id"] is None and transactions(engine) == 0


@pytest.mark.parametrize("text, intent", [("hmm", "inform"), ("❌", "affirm"), ("شكرا", "thank"), ("3", "inform")])
def test_anything_else_asks_again_with_the_buttons(engine, world, pending, text, intent):
    events, messages = answer(pending, text, intent=intent)
    assert texts(messages) == translated(confirm_step.WAITING) and events == []
    assert messages[-1]["buttons"] == confirm_buttons(pending["pending_quote_id"])
    assert transactions(engine) == 0


def test_a_plain_yes_executes_once(engine, world, pending):
    _, messages = answer(pending, "ايوه تمام", intent="affirm")
    assert "المبلغ المخصوم: 10250 ريال" in texts(messages)
    assert transactions(engine) == 1 and balance(engine, world.establishment_id) == 39_750
