"""The daily reminder job: when it runs, and that queueing twice the same day sends one message."""

from datetime import date, datetime

from sqlalchemy import select

from frontends.telegram_bot.reminders import queue_today, seconds_until_next_run
from residency.calendar import RIYADH
from residency.db import UnitOfWork
from residency.models import Notification
from tests.domain import factories as f


def test_waits_until_nine_riyadh_then_runs_at_once():
    assert seconds_until_next_run(datetime(2026, 11, 27, 8, 30, tzinfo=RIYADH), 9) == 1800
    assert seconds_until_next_run(datetime(2026, 11, 27, 9, 0, tzinfo=RIYADH), 9) == 0
    assert seconds_until_next_run(datetime(2026, 11, 27, 15, 0, tzinfo=RIYADH), 9) == 0


def test_queueing_twice_the_same_day_queues_one_message(engine):
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow)
        f.user(uow, est, 900)
        f.resident(uow, est, iqama_expiry=date(2026, 12, 4))  # 7 days left
        uow.commit()
    assert queue_today() == 1
    assert queue_today() == 0  # e.g. the bot restarted after 09:00
    with UnitOfWork(engine) as uow:
        [note] = uow.session.execute(select(Notification)).scalars().all()
        assert note.telegram_id == 900 and "محمد" in note.text
