"""Daily reminders name the fines (SPEC 9.2): an unused exit/re-entry near its date names the 1000 SAR
fine; iqamas already expired stay listed every day, with the late-renewal fine they now carry, until
renewed (today is 2026-11-27)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from residency import services
from residency.db import UnitOfWork
from residency.models import Notification
from residency.reminders import queue_due_reminders
from tests.domain import factories as f

OWNER = 811
TODAY = date(2026, 11, 27)


def fmt(d):
    from residency.calendar import format_date

    return format_date(d)


@pytest.fixture
def world(engine):
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, name_ar="مؤسسة الغرامات", balance=50_000)
        f.user(uow, est, OWNER)
        grace = f.resident(uow, est, name_ar="في المهلة", iqama_expiry=TODAY - timedelta(days=2))
        first = f.resident(uow, est, name_ar="مخالفة أولى", iqama_expiry=TODAY - timedelta(days=10))
        second = f.resident(
            uow, est, name_ar="مخالفة ثانية", iqama_expiry=TODAY - timedelta(days=40), late_renewal_offences=1
        )
        third = f.resident(
            uow, est, name_ar="مخالفة ثالثة", iqama_expiry=TODAY - timedelta(days=5), late_renewal_offences=2
        )
        gone = f.resident(uow, est, name_ar="غادر نهائيا", iqama_expiry=TODAY - timedelta(days=20), location="outside")
        f.visa(
            uow,
            gone,
            kind="final_exit",
            entry_type=None,
            status="used",
            issued_on=date(2026, 10, 1),
            valid_until=date(2026, 11, 30),
            departed_on=date(2026, 10, 5),
        )
        traveller = f.resident(uow, est, name_ar="تأشيرة لم تستخدم", iqama_expiry=date(2027, 12, 31))
        visa = f.visa(uow, traveller, status="issued", valid_until=TODAY + timedelta(days=3))
        uow.commit()
        return {
            "grace": grace.iqama_number,
            "first": first.iqama_number,
            "second": second.iqama_number,
            "third": third.iqama_number,
            "gone": gone.iqama_number,
            "visa": visa.number,
            "est": est.id,
        }


def run(engine, today=TODAY):
    with UnitOfWork(engine) as uow:
        return queue_due_reminders(uow, today=today)


def last_text(engine):
    with UnitOfWork(engine) as uow:
        return uow.session.execute(select(Notification.text).order_by(Notification.id.desc())).scalars().first()


def line_of(text, number):
    return next(line for line in text.split("\n") if number in line)


def test_expired_iqamas_are_listed_with_the_fine_they_now_carry(engine, world):
    assert run(engine) == 1
    text = last_text(engine)
    assert "⛔ إقامات منتهية لم تُجدَّد بعد (تبقى في التذكير حتى تجديدها):" in text
    assert line_of(text, world["first"]).endswith(
        f"انتهت {fmt(date(2026, 11, 17))} — منتهية منذ 10 أيام — غرامة تأخير التجديد الآن 500 ريال (المخالفة رقم 1)"
    )
    assert line_of(text, world["second"]).endswith("غرامة تأخير التجديد الآن 1000 ريال (المخالفة رقم 2)")
    assert line_of(text, world["third"]).endswith("تأخير ثالث: لا تُجدَّد إلكترونيًا، راجع مكتب الجوازات")
    assert line_of(text, world["grace"]).endswith(f"جدّدها حتى {fmt(date(2026, 11, 28))} تجنبًا لغرامة التأخير 500 ريال")
    assert world["gone"] not in text  # left on a final exit
    # Oldest first.
    order = [text.index(world[k]) for k in ("second", "first", "third", "grace")]
    assert order == sorted(order)


def test_the_reminder_fine_is_the_renewal_quote_fine(engine, world):
    run(engine)
    text = last_text(engine)
    for key, fine in (("first", 500), ("second", 1000)):
        with UnitOfWork(engine) as uow:
            q = services.quote(uow, OWNER, "renew_iqama", iqama_number=world[key], duration="P12M")
        assert {line.code: line.amount for line in q.lines}["fine"] == fine
        assert f"الآن {fine} ريال" in line_of(text, world[key])


def test_an_expired_iqama_is_listed_every_day_until_renewed(engine, world):
    run(engine)
    assert run(engine, TODAY + timedelta(days=1)) == 1
    text = last_text(engine)
    assert world["first"] in text and "منتهية منذ 11 يومًا" in line_of(text, world["first"])
    # Expired 2026-11-25: 2026-11-28 is the last day without a fine ...
    assert line_of(text, world["grace"]).endswith(f"جدّدها حتى {fmt(date(2026, 11, 28))} تجنبًا لغرامة التأخير 500 ريال")
    with UnitOfWork(engine) as uow:
        q = services.quote(uow, OWNER, "renew_iqama", iqama_number=world["first"], duration="P12M")
    with UnitOfWork(engine) as uow:
        services.execute(uow, OWNER, q, "renew-first")
    assert run(engine, TODAY + timedelta(days=2)) == 1
    text = last_text(engine)
    assert world["first"] not in text  # renewed: no longer listed
    assert world["second"] in text
    # ... and from 2026-11-29 the line names the fine.
    assert line_of(text, world["grace"]).endswith("غرامة تأخير التجديد الآن 500 ريال (المخالفة رقم 1)")


def test_an_unused_visa_near_its_date_names_the_1000_fine(engine, world):
    run(engine)
    text = last_text(engine)
    assert "(تركها تنتهي دون استخدام عليه غرامة 1000 ريال: ألغها إن لم يعد السفر قائمًا)" in text
    assert line_of(text, world["visa"]).endswith("باقي 3 أيام — غرامة 1000 ريال إن انتهت دون استخدام")
