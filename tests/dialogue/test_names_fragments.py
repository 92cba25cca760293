"""Issue 13 in the dialogue: a single-name search lists up to 5 matches with «المزيد» (or asks for a
narrower name when many match), a lone name sent after the name prompt is searched even when the NLU
did not know it, and a bare iqama number outside a form answers with a short card and buttons for the
resident's likely services."""

from __future__ import annotations

import json
from datetime import date

import pytest

from actions import conversation, inquiries
from replies import _ as translated
from residency import inquiries as domain_inquiries
from residency.db import UnitOfWork
from residency.models import Establishment
from residency.names import name_key_for
from tests.dialogue.conftest import OWNER
from tests.dialogue.helpers import run, texts, turn
from tests.domain import factories as f

FAMILY = [
    "حسين",
    "شريف",
    "اقبال",
    "رضا",
    "نواز",
    "جاويد",
    "اختر",
    "سليم",
    "عارف",
    "بشير",
    "رشيد",
    "ظفر",
    "طارق",
    "ناصر",
    "كريم",
    "ماجد",
    "صادق",
    "فاروق",
]


def add_residents(engine, world, given: str, families: list[str]) -> list[str]:
    with UnitOfWork(engine) as uow:
        est = uow.session.get(Establishment, world.establishment_id)
        added = []
        for family in families:
            name_ar = f"{given} {family}"
            added.append(
                f.resident(uow, est, name_ar=name_ar, name_en="", name_key=name_key_for(name_ar, "")).iqama_number
            )
        uow.commit()
    domain_inquiries.NAME_INDEX.clear()
    return added


def search(text: str, name: str, page: str | None = None):
    entities = {"person_name": name} | ({"search_page": page} if page else {})
    return run(
        inquiries.ActionSearchResidents(), turn(OWNER, text, intent="inquire_resident_by_name", entities=entities)
    )[1]


def test_single_name_with_several_matches_lists_five_and_offers_more(engine, world):
    add_residents(engine, world, "محمد", FAMILY[:6])  # 7 Mohammeds with the world's «محمد عبدالله خان»
    messages = search("ابحث عن محمد", "محمد")
    buttons = messages[0]["buttons"]
    assert len(buttons) == 6 and buttons[-1]["title"].startswith("المزيد")
    assert "النتائج 1-5 من 7" in texts(messages)
    payload = buttons[-1]["payload"]
    assert payload.startswith("/inquire_resident_by_name")
    assert json.loads(payload[len("/inquire_resident_by_name") :]) == {
        "person_name": "محمد",
        "search_page": "2",
        "pick_list": "search",
    }

    second = search(payload, "محمد", page="2")
    assert len(second[0]["buttons"]) == 2  # the last two, no «المزيد»
    assert "النتائج 6-7 من 7" in texts(second)
    first_page = {b["payload"] for b in buttons[:5]}
    assert not first_page & {b["payload"] for b in second[0]["buttons"]}


def test_many_matches_ask_for_a_narrower_name(engine, world):
    add_residents(engine, world, "محمد", FAMILY)  # 19 Mohammeds
    messages = search("دور لي على محمد", "محمد")
    assert len(messages[0]["buttons"]) == 5  # the five closest, no «المزيد»
    assert "لتضييق البحث" in texts(messages)


def test_a_few_matches_are_listed_without_more(world):
    messages = search("search for Rajesh", "Rajesh")
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        f'/inquire_resident{{"iqama_number": "{world.traveller}", "pick_list": "search"}}'
    ]
    assert "المزيد" not in texts(messages)


def test_more_button_in_a_form_pages_the_iqama_question(engine, world):
    add_residents(engine, world, "محمد", FAMILY[:6])
    tracker = turn(
        OWNER,
        "",
        intent="inquire_resident_by_name",
        entities={"person_name": "محمد", "search_page": "2"},
        form="renew_iqama_form",
    )
    _, messages = run(conversation.ActionAskIqamaNumber(), tracker)
    assert len(messages[0]["buttons"]) == 2


def test_unknown_lone_name_after_the_name_prompt_is_searched(world):
    tracker = turn(OWNER, "Rajesh", intent="nlu_fallback")
    tracker.events.insert(-1, {"event": "bot", "text": translated(inquiries.ASK_NAME)})
    _, messages = run(conversation.ActionSmallTalk(), tracker)
    assert world.traveller in texts(messages)
    # Without the prompt just before, it is small talk as usual.
    _, messages = run(conversation.ActionSmallTalk(), turn(OWNER, "Rajesh", intent="nlu_fallback"))
    assert world.traveller not in texts(messages)


def test_bare_iqama_outside_a_form_answers_a_short_card_with_service_buttons(world):
    _, messages = run(
        conversation.ActionHandleInform(), turn(OWNER, world.iqama, entities={"iqama_number": world.iqama})
    )
    text = texts(messages)
    assert "محمد عبدالله خان" in text and world.iqama in text and "ماذا تريد أن تنجز له" in text
    assert len(text.splitlines()) <= 6  # short
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert f'/issue_exit_reentry{{"iqama_number": "{world.iqama}"}}' in payloads
    assert f'/renew_iqama{{"iqama_number": "{world.iqama}"}}' in payloads
    assert payloads[-2:] == [
        f'/inquire_resident{{"iqama_number": "{world.iqama}"}}',
        f'/inquire_visa{{"iqama_number": "{world.iqama}"}}',
    ]


def test_bare_iqama_of_a_resident_with_an_unused_visa_offers_its_cancellation_first(world):
    _, messages = run(
        conversation.ActionHandleInform(), turn(OWNER, world.traveller, entities={"iqama_number": world.traveller})
    )
    assert messages[0]["buttons"][0]["payload"] == f'/cancel_exit_reentry{{"iqama_number": "{world.traveller}"}}'


def test_bare_iqama_of_another_establishment_looks_unknown(world):
    _, messages = run(
        conversation.ActionHandleInform(), turn(OWNER, world.foreign, entities={"iqama_number": world.foreign})
    )
    assert not any(m.get("buttons") for m in messages)
    assert "لا يوجد مقيم" in texts(messages)


def _card(**kw) -> domain_inquiries.ResidentCard:
    values = dict(
        iqama_number="2000000006",
        name_ar="س",
        name_en="",
        nationality="الهند",
        occupation="نجار",
        iqama_expiry=date(2027, 6, 1),
        iqama_days_left=180,
        passport_number="A1",
        passport_expiry=date(2030, 1, 1),
        passport_days_left=1000,
        location="inside",
        dependants=0,
        active_visas=[],
    )
    return domain_inquiries.ResidentCard(**(values | kw))


@pytest.mark.parametrize(
    ("card", "first"),
    [
        (_card(), "issue_exit_reentry"),
        (_card(iqama_days_left=20), "renew_iqama"),
        (_card(location="outside"), "extend_exit_reentry"),
        (_card(iqama_expiry=None, iqama_days_left=None), "issue_iqama"),
    ],
)
def test_likely_services_put_the_soonest_need_first(card, first):
    services = domain_inquiries.likely_services(card)
    assert services[0] == first and len(services) <= 4 and len(set(services)) == len(services)


def test_a_passport_about_to_expire_offers_its_update():
    assert "update_passport" in domain_inquiries.likely_services(_card(passport_days_left=30))


def test_a_worker_inside_with_an_unused_visa_is_not_offered_an_extension():
    """Only a resident abroad can extend (SPEC 9.2): the button was always refused."""
    visa = domain_inquiries.VisaInfo(
        "6000000001", "exit_reentry", "single", "issued", date(2026, 11, 20), date(2027, 1, 20), "2", "x"
    )
    services = domain_inquiries.likely_services(_card(active_visas=[visa]))
    assert services[0] == "cancel_exit_reentry" and "extend_exit_reentry" not in services
