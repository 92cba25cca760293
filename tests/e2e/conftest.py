"""The full stack for the end-to-end tests (tests/stack.py) on a fresh migrated database seeded with
tests/domain/factories, started once for the whole tests/e2e package and stopped at its end (even on
failure). SQLite by default, PostgreSQL when MUQEEM_TEST_DATABASE_URL is set (as tests/conftest.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from runtime import servers as server_control
from residency.db import UnitOfWork, get_engine
from residency.migrate import upgrade
from residency.models import Establishment, LedgerEntry, Resident, Transaction, Visa
from residency.reminders import (
    mark_notification_sent,
    pending_notifications,
    queue_due_reminders,
)
from tests.conftest import TODAY, _fresh_database_url
from tests.domain import factories as f
from tests.stack import Stack as SharedStack

ROOT = Path(__file__).resolve().parents[2]

# Telegram ids: one user per scenario, so that Rasa conversations never mix.
RENEWAL_OWNER = 501
TWICE_OWNER = 502
SLASH_OWNER = 503
OUTAGE_OWNER = 504
CHAT_OWNER = 505
REPORT_OWNER = 520
NEW_USER = 601
WRONG_CODE_USER = 602
STRANGER = 999

LEVY_PER_MONTH = 800  # fewer Saudis than expatriates (see rules.yml): a year's renewal is 650 + 12 * 800
YEAR_RENEWAL_TOTAL = 650 + 12 * LEVY_PER_MONTH
REPORT_RESIDENTS = 45  # more than the 40 lines a report lists, so the text also says how many more

_FIRST = ["عبدالرحمن", "عبدالعزيز", "محمد", "عبدالله", "سليمان", "إبراهيم", "عبدالكريم", "مصطفى", "خالد"]
_FATHER = ["عبدالمجيد", "عبداللطيف", "عبدالرزاق", "عبدالحميد", "عبدالوهاب"]
_FAMILY = ["آل الشيخ الحسيني", "البنغالي الهندي", "الفلبيني الكبير", "الباكستاني الأزهري", "المصري القاهري"]


@dataclass(frozen=True)
class World:
    establishment_id: int
    establishment_number: str
    establishment_name: str
    # residents of the main establishment, iqama valid until 2027-03-01, inside the Kingdom
    renewal: str
    twice: str
    twice_typed: str
    slash: str
    outage: str
    chat: str
    report_establishment_id: int
    report_iqamas: tuple[str, ...]  # the report establishment's residents in the report's order
    report_expired: int  # how many of them have expired


def _seed(engine: Engine) -> World:
    today = date.fromisoformat(TODAY)
    with UnitOfWork(engine) as uow:
        main = f.establishment(uow, name_ar="مؤسسة النخبة للمقاولات", balance=100_000, saudi_count=2, expat_count=10)
        for owner in (RENEWAL_OWNER, TWICE_OWNER, SLASH_OWNER, OUTAGE_OWNER, CHAT_OWNER):
            f.user(uow, main, owner)
        residents = [f.resident(uow, main, iqama_expiry=date(2027, 3, 1)) for _ in range(6)]

        big = f.establishment(uow, name_ar="شركة البناء الكبرى", balance=10_000, saudi_count=5, expat_count=500)
        f.user(uow, big, REPORT_OWNER)
        expiring = []
        for index in range(REPORT_RESIDENTS):
            name = (
                f"{_FIRST[index % len(_FIRST)]} بن {_FATHER[index % len(_FATHER)]} "
                f"بن {_FIRST[(index + 3) % len(_FIRST)]} {_FAMILY[index % len(_FAMILY)]}"
            )
            # from 5 days ago to 24 days ahead: all within the report's default 30 days
            expiry = today + timedelta(days=index * 30 // REPORT_RESIDENTS - 5)
            expiring.append(f.resident(uow, big, name_ar=name, name_key=name, iqama_expiry=expiry))
        uow.commit()
        world = World(
            main.id,
            main.number,
            main.name_ar,
            *(r.iqama_number for r in residents),
            report_establishment_id=big.id,
            report_iqamas=tuple(
                r.iqama_number for r in sorted(expiring, key=lambda r: (r.iqama_expiry, r.iqama_number))
            ),
            report_expired=sum(1 for r in expiring if r.iqama_expiry < today),
        )
    # Today's reminders already went out: the bot started below queues none, so that no reminder
    # message interleaves with the answers the tests wait for.
    with UnitOfWork(engine) as uow:
        queue_due_reminders(uow, today)
    with UnitOfWork(engine) as uow:
        pending = pending_notifications(uow, limit=1000)
    for notification in pending:
        with UnitOfWork(engine) as uow:
            mark_notification_sent(uow, notification.id)
    return world


class Stack(SharedStack):
    """The running servers on the seeded database (tests/stack.py), and what the tests check in it."""

    def __init__(self, database_url: str, world: World, work: Path) -> None:
        # Rasa's SQL tracker store keeps every session of a conversation (the in-memory one keeps only the
        # latest), so that the tests can read all that reached Rasa.
        super().__init__(database_url, work, tracker_store_url=f"sqlite:///{work / 'tracker.db'}")
        self.world = world
        self.engine = get_engine(database_url)

    # ---- the database, as the tests check it ------------------------------------------------

    def balance(self, establishment_id: int) -> int:
        with UnitOfWork(self.engine) as uow:
            return uow.session.get(Establishment, establishment_id).balance

    def iqama_expiry(self, iqama: str) -> date:
        with UnitOfWork(self.engine) as uow:
            return uow.session.execute(select(Resident.iqama_expiry).where(Resident.iqama_number == iqama)).scalar_one()

    def transactions_of(self, iqama: str) -> list:
        """(id, service, total) rows of the resident's transactions, oldest first."""
        with UnitOfWork(self.engine) as uow:
            return list(
                uow.session.execute(
                    select(Transaction.id, Transaction.service, Transaction.total)
                    .join(Resident, Transaction.resident_id == Resident.id)
                    .where(Resident.iqama_number == iqama)
                    .order_by(Transaction.id)
                ).all()
            )

    def ledger_of(self, transaction_id: int) -> list[int]:
        """The balance changes tied to a transaction."""
        with UnitOfWork(self.engine) as uow:
            return list(
                uow.session.execute(
                    select(LedgerEntry.amount).where(LedgerEntry.transaction_id == transaction_id)
                ).scalars()
            )

    def visas_of(self, iqama: str) -> list:
        """(kind, entry_type, status, issued_on, valid_until) rows of the resident's visas, oldest first."""
        with UnitOfWork(self.engine) as uow:
            return list(
                uow.session.execute(
                    select(Visa.kind, Visa.entry_type, Visa.status, Visa.issued_on, Visa.valid_until)
                    .join(Resident, Visa.resident_id == Resident.id)
                    .where(Resident.iqama_number == iqama)
                    .order_by(Visa.id)
                ).all()
            )


@pytest.fixture(scope="package")
def stack(tmp_path_factory):
    """The servers on a fresh, seeded database, for every test of tests/e2e; stopped at the end."""
    url, drop = _fresh_database_url(tmp_path_factory)
    running = None
    try:
        upgrade(url)
        running = Stack(url, _seed(get_engine(url)), tmp_path_factory.mktemp("e2e"))
        try:
            running.start()
        except server_control.ServersError as error:
            pytest.fail(f"{error}\n{running.log_tail()}")
        yield running
    finally:
        if running is not None:
            running.stop()
        drop()


@pytest.fixture
def world(stack) -> World:
    return stack.world
