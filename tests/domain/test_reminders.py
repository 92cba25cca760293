"""Daily reminders: what is listed, one message per owner, no duplicate the same day even after a restart,
and the outbox the bot drains (today is 2026-11-27)."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from residency.db import UnitOfWork
from residency.models import Notification, ReminderItem
from residency.reminders import mark_notification_sent, pending_notifications, queue_due_reminders
from tests.domain import factories as f

OWNER, AGENT, OTHER_OWNER = 801, 802, 803
TODAY = date(2026, 11, 27)


@pytest.fixture
def world(engine):
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, name_ar="مؤسسة الواحة")
        f.user(uow, est, OWNER)
        f.user(uow, est, AGENT, role="agent", services="inquire_resident")
        for name, days in [
            ("ثلاثون", 30),
            ("أربعة عشر", 14),
            ("سبعة", 7),
            ("ثلاثة", 3),
            ("اليوم", 0),
            ("عشرون", 20),
            ("عشرة", 10),
            ("منتهية", -1),
        ]:
            f.resident(
                uow, est, name_ar=f"إقامة {name}", name_en=f"Iqama {days}", iqama_expiry=TODAY + timedelta(days=days)
            )
        soon_back = f.resident(uow, est, name_ar="مسافر يعود قريبا", location="outside")
        f.visa(uow, soon_back, status="used", valid_until=TODAY + timedelta(days=5))
        late_back = f.resident(uow, est, name_ar="مسافر يعود لاحقا", location="outside")
        f.visa(uow, late_back, status="used", valid_until=TODAY + timedelta(days=40))
        unused = f.resident(uow, est, name_ar="تأشيرة غير مستخدمة")
        unused_visa = f.visa(uow, unused, status="issued", valid_until=TODAY + timedelta(days=10))
        fresh = f.resident(uow, est, name_ar="تأشيرة جديدة")
        f.visa(uow, fresh, status="issued", valid_until=TODAY + timedelta(days=60))
        quiet = f.establishment(uow, name_ar="منشأة هادئة")
        f.user(uow, quiet, OTHER_OWNER)
        f.resident(uow, quiet, iqama_expiry=TODAY + timedelta(days=100))
        uow.commit()
        return {"est": est.id, "unused_visa": unused_visa.number}


def run(engine, today=None):
    with UnitOfWork(engine) as uow:
        return queue_due_reminders(uow, today=today)


def notifications(engine):
    with UnitOfWork(engine) as uow:
        found = list(uow.session.execute(select(Notification).order_by(Notification.id)).scalars())
        uow.session.expunge_all()
        return found


def test_one_message_for_the_owner_listing_what_is_due(engine, world):
    assert run(engine) == 1
    [note] = notifications(engine)
    assert note.telegram_id == OWNER and note.sent_at is None
    # Each item about to cost a fine carries its fix (tests/domain/test_reminder_fixes.py).
    assert [button["fix"]["service"] for button in note.buttons] == ["renew_iqama"] * 5 + ["cancel_exit_reentry"]
    text = note.text
    for listed in [
        "إقامة ثلاثون",
        "إقامة أربعة عشر",
        "إقامة سبعة",
        "إقامة ثلاثة",
        "إقامة اليوم",
        "مسافر يعود قريبا",
        "تأشيرة غير مستخدمة",
        world["unused_visa"],
        "إقامة منتهية",
    ]:
        assert listed in text
    for not_listed in ["إقامة عشرون", "إقامة عشرة", "مسافر يعود لاحقا", "تأشيرة جديدة", "هادئة"]:
        assert not_listed not in text
    assert "غرامة" in text and "ألغها" in text
    for line in text.split("\n"):
        first = line.strip()[0]
        assert not first.isdigit() and not (first.isascii() and first.isalpha()), line


def test_running_twice_the_same_day_queues_nothing_new(engine, world):
    assert run(engine) == 1
    with UnitOfWork(engine) as uow:
        items = uow.session.execute(select(func.count(ReminderItem.id))).scalar_one()
    assert items == 8  # 1 expired iqama, 5 iqamas, 1 return, 1 unused visa
    assert run(engine) == 0  # a fresh unit of work, as after a restart
    assert len(notifications(engine)) == 1
    with UnitOfWork(engine) as uow:
        assert uow.session.execute(select(func.count(ReminderItem.id))).scalar_one() == items


def test_next_day_brings_a_new_message(engine, world):
    assert run(engine) == 1
    assert run(engine, TODAY + timedelta(days=1)) == 1
    first, second = notifications(engine)
    assert first.dedupe_key != second.dedupe_key
    assert "إقامة ثلاثة" in second.text  # 2 days left: still in the last week
    assert "إقامة ثلاثون" not in second.text  # 29 days left: not a reminder day


def test_every_owner_gets_the_message(engine, world):
    with UnitOfWork(engine) as uow:
        f.user(uow, uow.repo.establishment(world["est"]), 804)
        uow.commit()
    assert run(engine, "2026-11-27") == 2
    assert sorted(n.telegram_id for n in notifications(engine)) == [OWNER, 804]


def test_outbox_pending_then_marked_sent(engine, world):
    run(engine)
    with UnitOfWork(engine) as uow:
        [pending] = pending_notifications(uow)
    assert pending.telegram_id == OWNER and "تذكير" in pending.text  # readable after the unit of work
    pending_id = pending.id
    with UnitOfWork(engine) as uow:
        mark_notification_sent(uow, pending_id)
    with UnitOfWork(engine) as uow:
        assert pending_notifications(uow) == []
        assert uow.session.get(Notification, pending_id).sent_at is not None


def test_each_owner_reads_the_reminder_in_the_language_they_chose(engine, world):
    with UnitOfWork(engine) as uow:
        english = f.user(uow, uow.repo.establishment(world["est"]), 805)
        english.language = "en"
        uow.commit()
    assert run(engine) == 2
    by_owner = {n.telegram_id: n.text for n in notifications(engine)}
    arabic, text = by_owner[OWNER], by_owner[805]
    assert arabic.startswith("⏰ تذكير اليوم لمنشأة")
    lines = text.split("\n")
    assert lines[0].startswith("⏰ Today's reminder for ") and "مؤسسة الواحة" in lines[0]
    assert "⛔ Expired iqamas not renewed yet (they stay in the reminder until renewed):" in lines
    assert "✈️ Residents outside the Kingdom who are due back soon:" in lines
    three = next(line for line in lines if "Iqama 3\u2069" in line)  # the Latin name in English (SPEC 10.3)
    assert three.endswith(" — expires 2026-11-30 (20 Jumada al-Akhirah 1448 AH) — 3 days left")
    today = next(line for line in lines if "Iqama 0\u2069" in line)
    assert today.endswith(" — expires today")
