"""A resident named by his place in the latest list shown (SPEC 10.2), over the REST channel: after the
expiring-iqamas report, «جدد اقامة الثاني سنة» quotes the second of the list, «وريني الاول» shows the first,
"show me the last one" the last; a place past the list's end names nobody (the form asks for the number,
never the worker in focus). Nothing is executed along the way (read from the database)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from residency.db import UnitOfWork
from tests.conftest import TODAY
from tests.domain import factories as f
from tests.e2e.test_confirm_step_e2e import executed, payloads, say, text

pytestmark = pytest.mark.e2e

OWNER = 560  # this module's own owner and establishment (7000000560): the e2e tests share one database
NAMES = ("ثامر الأول", "ثابت الثاني", "ثاقب الثالث")
LATIN = ("Thamer Alawwal", "Thabet Althani", "Thaqeb Althalith")
YEAR_RENEWAL = 650 + 12 * 800  # 2 Saudis, 10 expatriates: levy 800 a month


@pytest.fixture(scope="module")
def listed(stack):
    """An establishment whose three residents' iqamas end in 5, 10 and 20 days: the report's order."""
    today = date.fromisoformat(TODAY)
    with UnitOfWork(stack.engine) as uow:
        est = f.establishment(uow, number="7000000560", balance=1_000_000, saudi_count=2, expat_count=10)
        f.user(uow, est, OWNER)
        residents = [
            f.resident(
                uow, est, name_ar=ar, name_en=en, name_key=f"{ar} {en.lower()}", iqama_expiry=today + timedelta(days)
            )
            for ar, en, days in zip(NAMES, LATIN, (5, 10, 20))
        ]
        uow.commit()
        return {"id": est.id, "iqamas": [r.iqama_number for r in residents]}


def test_a_place_in_the_report_names_that_resident(stack, listed):
    report = text(say(stack, OWNER, "مين اقاماتهم بتخلص خلال شهر؟"))
    assert report.index(NAMES[0]) < report.index(NAMES[1]) < report.index(NAMES[2])

    quote = text(say(stack, OWNER, "جدد اقامة الثاني سنة"))
    assert listed["iqamas"][1] in quote and f"الإجمالي: {YEAR_RENEWAL} ريال" in quote
    assert "لم يُخصم" in text(say(stack, OWNER, "لا"))

    card = say(stack, OWNER, "وريني الاول")
    assert listed["iqamas"][0] in text(card) and not any(p.startswith("/affirm") for p in payloads(card))

    card = text(say(stack, OWNER, "show me the last one"))
    assert listed["iqamas"][2] in card and LATIN[2] in card
    assert executed(stack, listed["id"]) == (0, 1_000_000)


def test_a_place_past_the_end_of_the_list_asks_for_the_number(stack, listed):
    say(stack, OWNER, "مين اقاماتهم بتخلص خلال شهر؟")
    say(stack, OWNER, "وريني الاول")  # the first is now the worker in focus
    reply = say(stack, OWNER, "جدد اقامة الخامس سنة")
    assert not any(p.startswith("/affirm") for p in payloads(reply))
    assert not any(iqama in text(reply) for iqama in listed["iqamas"])
    assert "رقم إقامة" in text(reply)
    say(stack, OWNER, "الغاء")
    assert executed(stack, listed["id"]) == (0, 1_000_000)
