"""Fines prevented (SPEC 10.4): each item of the morning message that a service can save from a fine carries
that service's request as a button (title, payload, fix as data); pressed, it is an ordinary request, quoted
with the facts of the day it is pressed, and nothing executes without that quote's confirmation. A fix the
quote would refuse is not offered. Today is 2026-11-27. Real database, SQLite and PostgreSQL."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from residency import accounts, services
from residency.db import UnitOfWork
from residency.errors import NotFound
from residency.languages import set_language
from residency.models import Notification, Transaction
from residency.reminders import queue_due_reminders
from residency.services import SERVICES
from tests.domain import factories as f

OWNER, ENGLISH_OWNER = 1301, 1302
TODAY = date(2026, 11, 27)
RENEWAL_12 = 650 + 12 * 800


@pytest.fixture
def world(engine):
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, name_ar="مؤسسة الواحة", balance=50_000)
        f.user(uow, est, OWNER)
        soon = f.resident(uow, est, name_ar="قريب", iqama_expiry=TODAY + timedelta(days=14))
        f.resident(uow, est, name_ar="بعيد", iqama_expiry=TODAY + timedelta(days=30))
        in_grace = f.resident(uow, est, name_ar="في المهلة", iqama_expiry=TODAY - timedelta(days=2))
        f.resident(uow, est, name_ar="متأخر", iqama_expiry=TODAY - timedelta(days=10))
        leaving = f.resident(uow, est, name_ar="مغادر", iqama_expiry=TODAY + timedelta(days=7))
        f.visa(uow, leaving, kind="final_exit", entry_type=None, valid_until=TODAY + timedelta(days=50))
        unused = f.resident(uow, est, name_ar="تأشيرة معلقة", iqama_expiry=date(2027, 12, 1))
        visa = f.visa(uow, unused, issued_on=date(2026, 11, 1), valid_until=TODAY + timedelta(days=8))
        old = f.resident(uow, est, name_ar="تأشيرة قديمة", iqama_expiry=date(2027, 12, 1))
        f.visa(uow, old, issued_on=date(2026, 8, 1), valid_until=TODAY + timedelta(days=6))  # 118 days: no cancel
        abroad = f.resident(uow, est, name_ar="مسافر", location="outside", iqama_expiry=date(2027, 12, 1))
        f.visa(uow, abroad, status="used", valid_until=TODAY + timedelta(days=5))
        uow.commit()
        return {
            "est": est.id,
            "number": est.number,
            "soon": soon.iqama_number,
            "in_grace": in_grace.iqama_number,
            "visa": visa.number,
            "leaving": leaving.iqama_number,
        }


def morning(engine, telegram_id=OWNER):
    with UnitOfWork(engine) as uow:
        queue_due_reminders(uow)
    with UnitOfWork(engine) as uow:
        stmt = select(Notification.buttons).where(Notification.telegram_id == telegram_id)
        return uow.session.scalars(stmt).one()


def press(engine, fix, who=OWNER):
    """What the front end does with a pressed fix: an ordinary request of its service, which is quoted."""
    handler = SERVICES[fix["service"]]
    with UnitOfWork(engine) as uow:
        return services.quote(uow, who, fix["service"], **handler.quote_inputs(fix.get))


def test_each_item_about_to_cost_a_fine_carries_its_fix(engine, world):
    buttons = morning(engine)
    soon, in_grace, visa = world["soon"], world["in_grace"], world["visa"]
    assert buttons == [
        {
            "title": f"🔁 جدّد الإقامة {in_grace} الآن: غرامة التأخير تبدأ في 2026-11-29",
            "payload": f'/renew_iqama{{"iqama_number": "{in_grace}", "duration": "P12M"}}',
            "fix": {"service": "renew_iqama", "iqama_number": in_grace, "duration": "P12M"},
        },
        {
            "title": f"🔁 جدّد الإقامة {soon} 12 شهرًا",
            "payload": f'/renew_iqama{{"iqama_number": "{soon}", "duration": "P12M"}}',
            "fix": {"service": "renew_iqama", "iqama_number": soon, "duration": "P12M"},
        },
        {
            "title": f"❌ ألغِ التأشيرة {visa} (تتجنب غرامة 1000 ريال)",
            "payload": f'/cancel_exit_reentry{{"visa_number": "{visa}"}}',
            "fix": {"service": "cancel_exit_reentry", "visa_number": visa},
        },
    ]
    # Listed without a fix: 30 days left, past the grace days, a final exit (the renewal is refused), a
    # visa issued more than 90 days ago (it cannot be cancelled), a resident abroad.


def test_the_buttons_are_in_the_owners_language(engine, world):
    with UnitOfWork(engine) as uow:
        f.user(uow, uow.repo.establishment(world["est"]), ENGLISH_OWNER)
        set_language(uow, ENGLISH_OWNER, "en")
        uow.commit()
    titles = [button["title"] for button in morning(engine, ENGLISH_OWNER)]
    assert titles == [
        f"🔁 Renew iqama {world['in_grace']} now: the late fine starts on 2026-11-29",
        f"🔁 Renew iqama {world['soon']} for 12 months",
        f"❌ Cancel visa {world['visa']} (avoids the 1000 SAR fine)",
    ]


def test_a_fix_pressed_is_quoted_with_the_facts_of_that_day_and_executes_nothing(engine, world, monkeypatch):
    renew_now, renew_soon, cancel = (button["fix"] for button in morning(engine))
    quoted = press(engine, renew_now)
    assert (quoted.total, [line.code for line in quoted.lines]) == (RENEWAL_12, ["iqama_fee", "levy"])
    assert press(engine, cancel).effects["visa_number"] == world["visa"]
    assert press(engine, renew_soon).effects["new_expiry"] == "2027-12-11"
    monkeypatch.setenv("MUQEEM_TODAY", "2026-11-29")  # pressed two days later: past the grace days
    late = press(engine, renew_now)
    assert (late.total, late.lines[-1].code, late.lines[-1].amount) == (RENEWAL_12 + 500, "fine", 500)
    with UnitOfWork(engine) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Transaction)) == 0
        assert uow.repo.establishment(world["est"]).balance == 50_000


def test_a_fix_of_another_of_the_owners_establishments_asks_to_switch(engine, world):
    buttons = morning(engine)
    with UnitOfWork(engine) as uow:
        f.user(uow, f.establishment(uow, number="7000000801", name_ar="مؤسسة الصفا"), OWNER)
        accounts.work_on(uow, OWNER, uow.repo.establishment_by_number("7000000801").id)
        uow.commit()
    with pytest.raises(NotFound) as err:
        press(engine, buttons[1]["fix"])
    assert err.value.details == {"switch_to": {"number": world["number"], "name": "مؤسسة الواحة"}}
