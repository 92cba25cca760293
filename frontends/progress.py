"""How far a long bulk execution is, as both front ends show it while they wait for the reply (SPEC 10.4:
"تم 350 من 1000"). The action server writes it as it goes (residency.services.bulk); here it is read, in a
unit of work of its own, every PROGRESS_POLL_SECONDS."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from replies import N_, _
from residency.db import UnitOfWork
from residency.services.bulk import Progress, progress_of

PROGRESS_POLL_SECONDS = 1.5
PROGRESS = N_("⏳ Done {done} of {total}…")

logger = logging.getLogger(__name__)


def read_progress(telegram_id: int) -> Progress | None:
    """The sender's bulk execution under way, if any (None too when the database cannot be read)."""
    try:
        with UnitOfWork(read_only=True) as uow:
            return progress_of(uow, telegram_id)
    except SQLAlchemyError:
        logger.warning("cannot read the progress of %s", telegram_id)
        return None


def progress_text(progress: Progress) -> str:
    return _(PROGRESS).format(done=progress.done, total=progress.total)
