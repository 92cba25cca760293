"""A long bulk execution's progress in the chat (SPEC 10.4): one message, edited as the execution goes, read
from the real database the action server writes it to."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from residency.db import UnitOfWork
from residency.models import BulkQuote
from residency.services.bulk import record_progress
from tests.domain import factories as f

from frontends import progress as shared
from frontends.telegram_bot import progress


class RecordingBot:
    """Just what the progress needs of telegram.Bot: it sends one message and edits it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    async def send_message(self, chat_id: int, text: str):
        self.calls.append(("send", text))
        return SimpleNamespace(message_id=7)

    async def edit_message_text(self, text: str, chat_id: int, message_id: int):
        assert message_id == 7
        self.calls.append(("edit", text))


def test_one_message_edited_as_the_execution_goes(engine, monkeypatch):
    monkeypatch.setattr(progress, "PROGRESS_POLL_SECONDS", 0.05)
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow)
        owner = f.user(uow, est, 811)
        bulk = BulkQuote(establishment_id=est.id, user_id=owner.id, service="renew_iqama", items=[], total=0)
        uow.repo.add(bulk)
        uow.commit()
        bulk_id = bulk.id

    async def scenario(bot: RecordingBot) -> None:
        async with progress.showing_progress(bot, 1, 811, "ar"):
            for done in (5, 350, 1000):
                with UnitOfWork(engine) as uow:
                    record_progress(uow, 811, bulk_id, done, 1000)
                await asyncio.sleep(0.3)

    bot = RecordingBot()
    asyncio.run(scenario(bot))
    assert bot.calls == [("send", "⏳ تم 5 من 1000…"), ("edit", "⏳ تم 350 من 1000…"), ("edit", "⏳ تم 1000 من 1000…")]
    assert shared.read_progress(999) is None  # nobody else's
