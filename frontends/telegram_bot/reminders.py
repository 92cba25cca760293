"""The daily reminder job: at `reminders.hour` (09:00) Riyadh time, queue each owner's reminder.

The domain (`residency.reminders.queue_due_reminders`) writes one notification per owner and records
each reminded item for the day in the database, so running it again the same day -- after a restart,
or because the bot started after 09:00 -- queues nothing new. The outbox relay then sends the message.
A plain asyncio task, not PTB's JobQueue: its extra needs apscheduler>=3.10, which Rasa 3.6 forbids.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, timedelta

from telegram.ext import Application

from residency import calendar
from residency.db import UnitOfWork
from residency.reminders import queue_due_reminders
from residency.rules import RULES

log = logging.getLogger(__name__)


def seconds_until_next_run(now: datetime, hour: int) -> float:
    """Seconds from `now` (aware, Riyadh) to the next `hour`:00; 0 when today's run time has passed
    (today's reminders are queued at once, the database keeps it to once a day)."""
    run_at = datetime.combine(now.date(), time(hour), tzinfo=now.tzinfo)
    if now >= run_at:
        return 0.0
    return (run_at - now).total_seconds()


def queue_today() -> int:
    with UnitOfWork() as uow:
        return queue_due_reminders(uow, calendar.today())


async def daily_reminders(application: Application) -> None:
    """Background task of the bot: queue today's reminders at 09:00 Riyadh, every day."""
    hour = int(RULES["reminders"]["hour"])
    while True:
        await asyncio.sleep(seconds_until_next_run(calendar.now(), hour))
        try:
            queued = await asyncio.to_thread(queue_today)
            log.info("reminders queued: %d", queued)
        except Exception:  # the database may be down: try again at the next run
            log.exception("queueing reminders failed")
        now = calendar.now()
        tomorrow = datetime.combine(now.date() + timedelta(days=1), time(hour), tzinfo=now.tzinfo)
        await asyncio.sleep((tomorrow - now).total_seconds())
