"""Form validation actions against the real database: each bad value gets its own Arabic answer and its
slot is emptied; good values are normalised; other intents reject the form; strangers end it."""

from __future__ import annotations

from actions import forms
from residency.db import UnitOfWork
from tests.dialogue.conftest import OWNER, STRANGER
from tests.dialogue.helpers import run, slot_events, texts, turn
from tests.domain import factories as f

ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def validate(action, tracker):
    events, messages = run(action, tracker)
    return slot_events(events), texts(messages), events


def test_iqama_in_arabic_digits_is_accepted_and_normalised(world):
    typed = world.iqama.translate(ARABIC_DIGITS)
    slots, said, _ = validate(
        forms.VALIDATIONS_BY_SERVICE["renew_iqama"],
        turn(OWNER, typed, entities={"iqama_number": typed}, slots={"requested_slot": "iqama_number"}),
    )
    assert slots["iqama_number"] == world.iqama
    assert said == ""


def test_wrong_check_digit_is_refused_without_lookup(world):
    bad = world.iqama[:-1] + str((int(world.iqama[-1]) + 1) % 10)
    slots, said, _ = validate(
        forms.VALIDATIONS_BY_SERVICE["renew_iqama"], turn(OWNER, bad, entities={"iqama_number": bad})
    )
    assert slots["iqama_number"] is None
    assert "رقم التحقق" in said


def test_national_id_is_explained(world):
    slots, said, _ = validate(
        forms.VALIDATIONS_BY_SERVICE["renew_iqama"], turn(OWNER, "1000000008", entities={"iqama_number": "1000000008"})
    )
    assert slots["iqama_number"] is None
    assert "هوية وطنية" in said


def test_other_establishments_resident_is_answered_like_an_unknown_number(world):
    unknown = "2000000006"
    _, foreign_said, _ = validate(
        forms.VALIDATIONS_BY_SERVICE["renew_iqama"],
        turn(OWNER, world.foreign, entities={"iqama_number": world.foreign}),
    )
    slots, unknown_said, _ = validate(
        forms.VALIDATIONS_BY_SERVICE["renew_iqama"], turn(OWNER, unknown, entities={"iqama_number": unknown})
    )
    assert slots["iqama_number"] is None
    assert foreign_said.replace(world.foreign, "N") == unknown_said.replace(unknown, "N")
    assert "لا يوجد مقيم" in unknown_said


def test_iqama_period_must_be_3_6_9_or_12_months(world):
    slots, said, _ = validate(
        forms.VALIDATIONS_BY_SERVICE["renew_iqama"],
        turn(OWNER, "5 شهور", entities={"duration": "P5M"}, slots={"iqama_number": world.iqama}),
    )
    assert slots["duration"] is None
    assert "3، 6، 9، 12" in said
    slots, said, _ = validate(
        forms.VALIDATIONS_BY_SERVICE["renew_iqama"],
        turn(OWNER, "سنة", entities={"duration": "P12M"}, slots={"iqama_number": world.iqama}),
    )
    assert slots["duration"] == "P12M"


def test_bare_number_answering_the_duration_question_means_months(world):
    tracker = turn(OWNER, "٦", slots={"iqama_number": world.iqama, "requested_slot": "duration"})
    slots, _, _ = validate(forms.VALIDATIONS_BY_SERVICE["renew_iqama"], tracker)
    assert slots["duration"] == "P6M"


def test_another_service_in_the_middle_rejects_the_form(world):
    tracker = turn(
        OWNER,
        "ابي خروج وعودة",
        intent="issue_exit_reentry",
        entities={"iqama_number": world.iqama},
        slots={"requested_slot": "duration"},
        form="renew_iqama_form",
    )
    _, _, events = validate(forms.VALIDATIONS_BY_SERVICE["renew_iqama"], tracker)
    assert events == [
        {
            "event": "action_execution_rejected",
            "name": "renew_iqama_form",
            "policy": None,
            "confidence": None,
            "timestamp": None,
        }
    ]


def test_form_resuming_after_a_question_is_not_rejected(world):
    tracker = turn(
        OWNER,
        "بيانات العامل",
        intent="inquire_resident",
        slots={"iqama_number": world.iqama, "requested_slot": "duration"},
        form="renew_iqama_form",
        after=["action_answer_question", "renew_iqama_form"],
    )
    _, _, events = validate(forms.VALIDATIONS_BY_SERVICE["renew_iqama"], tracker)
    assert all(e["event"] != "action_execution_rejected" for e in events)


def test_stranger_ends_the_form_at_once(world):
    tracker = turn(
        STRANGER,
        "جدد اقامة",
        intent="renew_iqama",
        entities={"iqama_number": world.iqama},
        after=["action_start_request"],
    )
    slots, said, _ = validate(forms.VALIDATIONS_BY_SERVICE["renew_iqama"], tracker)
    assert slots == {"requested_slot": None}
    assert said == ""


def test_agent_without_the_service_ends_the_form_at_once(engine, world):
    with UnitOfWork(engine) as uow:
        f.user(uow, uow.repo.establishment(world.establishment_id), 502, role="agent", services="renew_iqama")
        uow.commit()
    tracker = turn(
        502,
        "خروج نهائي",
        intent="issue_final_exit",
        entities={"iqama_number": world.iqama},
        after=["action_start_request"],
    )
    slots, _, _ = validate(forms.VALIDATIONS_BY_SERVICE["issue_final_exit"], tracker)
    assert slots == {"requested_slot": None}
    granted = turn(502, world.iqama, entities={"iqama_number": world.iqama})
    slots, _, _ = validate(forms.VALIDATIONS_BY_SERVICE["renew_iqama"], granted)
    assert slots["iqama_number"] == world.iqama


def test_visa_number_is_accepted_where_an_iqama_or_visa_is_asked(world):
    tracker = turn(
        OWNER,
        world.visa,
        entities={"visa_number": world.visa},
        slots={"requested_slot": "iqama_number"},
        form="extend_exit_reentry_form",
    )
    slots, said, _ = validate(forms.VALIDATIONS_BY_SERVICE["extend_exit_reentry"], tracker)
    assert said == ""
    assert slots["visa_number"] == world.visa
    assert slots["requested_slot"] == "duration"


def test_unknown_visa_number_is_refused(world):
    tracker = turn(OWNER, "6000000001", entities={"visa_number": "6000000001"}, form="cancel_exit_reentry_form")
    slots, said, _ = validate(forms.VALIDATIONS_BY_SERVICE["cancel_exit_reentry"], tracker)
    assert slots["visa_number"] is None
    assert "6000000001" in said
    assert slots["requested_slot"] == "iqama_number"


def test_unknown_border_number_is_refused(world):
    tracker = turn(OWNER, "3999999999", entities={"border_number": "3999999999"})
    slots, said, _ = validate(forms.VALIDATIONS_BY_SERVICE["issue_iqama"], tracker)
    assert slots["border_number"] is None
    assert "رقم الحدود" in said


def test_same_occupation_is_asked_again_when_the_request_is_complete(world):
    tracker = turn(OWNER, "محاسب", entities={"occupation": "محاسب"}, slots={"iqama_number": world.iqama})
    slots, said, _ = validate(forms.VALIDATIONS_BY_SERVICE["change_occupation"], tracker)
    assert slots["occupation"] is None
    assert "مهنة المقيم الحالية" in said


def test_occupation_alias_becomes_the_canonical_title(world):
    tracker = turn(OWNER, "كهربجي", entities={"occupation": "كهربجي"}, slots={"requested_slot": "occupation"})
    slots, said, _ = validate(forms.VALIDATIONS_BY_SERVICE["change_occupation"], tracker)
    assert slots["occupation"] == "فني كهرباء"
    assert said == ""


def test_unsure_occupation_is_asked_again_with_suggestions_as_buttons(world):
    tracker = turn(OWNER, "مهندز", entities={"occupation": "مهندز"}, slots={"requested_slot": "occupation"})
    events, messages = run(forms.VALIDATIONS_BY_SERVICE["change_occupation"], tracker)
    assert slot_events(events)["occupation"] is None
    [message] = [m for m in messages if m.get("buttons")]
    assert "تحتمل أكثر من مهنة" in message["text"]
    assert [b["title"] for b in message["buttons"]] == [
        "مهندس مدني",
        "مهندس كهربائي",
        "مهندس ميكانيكي",
        "مهندس معماري",
        "مهندس برمجيات",
    ]
    assert message["buttons"][0]["payload"] == '/inform{"occupation": "مهندس مدني"}'


def test_occupation_reserved_for_saudis_is_refused_at_once(world):
    tracker = turn(
        OWNER, "موظف استقبال", entities={"occupation": "موظف استقبال"}, slots={"requested_slot": "occupation"}
    )
    slots, said, _ = validate(forms.VALIDATIONS_BY_SERVICE["change_occupation"], tracker)
    assert slots["occupation"] is None
    assert said == "مهنة «موظف استقبال» مقصورة على السعوديين، فلا تُعدَّل مهنة مقيم إليها. اختر مهنة أخرى."


def test_free_answer_to_the_occupation_question_is_matched(world):
    tracker = turn(OWNER, "عامل مباني", slots={"iqama_number": world.iqama, "requested_slot": "occupation"})
    slots, said, _ = validate(forms.VALIDATIONS_BY_SERVICE["change_occupation"], tracker)
    assert slots["occupation"] == "عامل بناء"
    tracker = turn(OWNER, "رائد فضاء", slots={"iqama_number": world.iqama, "requested_slot": "occupation"})
    slots, said, _ = validate(forms.VALIDATIONS_BY_SERVICE["change_occupation"], tracker)
    assert slots.get("occupation") is None and "ليست في تصنيف المهن" in said
    # Not while another slot is asked for, nor for a message of another intent.
    tracker = turn(OWNER, "عامل مباني", slots={"requested_slot": "iqama_number"})
    slots, _, _ = validate(forms.VALIDATIONS_BY_SERVICE["change_occupation"], tracker)
    assert "occupation" not in slots
    tracker = turn(OWNER, "مرحبا", intent="greet", slots={"iqama_number": world.iqama, "requested_slot": "occupation"})
    slots, _, _ = validate(forms.VALIDATIONS_BY_SERVICE["change_occupation"], tracker)
    assert "occupation" not in slots


def test_unknown_target_establishment_is_asked_again(world):
    tracker = turn(
        OWNER, "7000000001", entities={"establishment_number": "7000000001"}, slots={"iqama_number": world.iqama}
    )
    slots, said, _ = validate(forms.VALIDATIONS_BY_SERVICE["transfer_sponsorship"], tracker)
    assert slots["establishment_number"] is None
    assert "لا توجد منشأة" in said


def test_exit_reentry_longer_than_the_iqama_is_asked_again(world):
    tracker = turn(
        OWNER, "6 شهور", entities={"duration": "P6M"}, slots={"iqama_number": world.iqama, "visa_type": "single"}
    )
    slots, said, _ = validate(forms.VALIDATIONS_BY_SERVICE["issue_exit_reentry"], tracker)
    assert slots["duration"] is None
    assert said


def test_passport_number_and_expiry_are_normalised(world):
    tracker = turn(
        OWNER,
        "a1234567 ٢٠٣١-٠٥-٠١",
        entities={"passport_number": "a1234567", "date": "2031-05-01"},
        slots={"iqama_number": world.iqama},
    )
    slots, said, _ = validate(forms.VALIDATIONS_BY_SERVICE["update_passport"], tracker)
    assert slots["passport_number"] == "A1234567"
    assert slots["date"] == "2031-05-01"
    assert said == ""


def test_passport_expiry_in_the_past_is_asked_again(world):
    tracker = turn(
        OWNER,
        "2020-01-01",
        entities={"date": "2020-01-01"},
        slots={"iqama_number": world.iqama, "passport_number": "A1234567"},
    )
    slots, said, _ = validate(forms.VALIDATIONS_BY_SERVICE["update_passport"], tracker)
    assert slots["date"] is None
    assert "ليس في المستقبل" in said


def test_slots_emptied_by_a_new_request_are_not_reported_as_errors(world):
    tracker = turn(OWNER, "جدد اقامة", intent="renew_iqama", after=["action_start_request"])
    tracker.events += [
        {"event": "slot", "name": "iqama_number", "value": None},
        {"event": "slot", "name": "duration", "value": None},
    ]
    slots, said, _ = validate(forms.VALIDATIONS_BY_SERVICE["renew_iqama"], tracker)
    assert said == ""
    assert slots["iqama_number"] is None and slots["duration"] is None


def test_an_inquiry_giving_only_the_asked_number_answers_the_question(world):
    """ "اقامة 2XXXXXXXXX" is an inquiry outside a form; asked for the iqama number, it is the answer."""
    tracker = turn(
        OWNER,
        f"اقامة {world.iqama}",
        intent="inquire_resident",
        entities={"iqama_number": world.iqama},
        slots={"requested_slot": "iqama_number"},
        form="renew_iqama_form",
    )
    tracker.slots["iqama_number"] = None  # inquiries' entities do not fill slots (domain.yml)
    slots, said, events = validate(forms.VALIDATIONS_BY_SERVICE["renew_iqama"], tracker)
    assert slots["iqama_number"] == world.iqama and not any(
        e.get("event") == "action_execution_rejected" for e in events
    )
    other = turn(
        OWNER,
        "متى تنتهي اقامته؟",
        intent="inquire_resident",
        slots={"requested_slot": "iqama_number"},
        form="renew_iqama_form",
    )
    _, _, rejected = validate(forms.VALIDATIONS_BY_SERVICE["renew_iqama"], other)
    assert [e.get("event") for e in rejected] == ["action_execution_rejected"]  # a real question: answered first
