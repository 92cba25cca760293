"""Exactly once under one idempotency key, also when the confirmations arrive at the same moment
(a double tap, a retried request, two replicas): every duplicate gets the FIRST receipt and is charged
nothing -- on the real database, SQLite and PostgreSQL."""

import threading
import time
from dataclasses import replace

from sqlalchemy import func, select, text

from residency import services
from residency.db import UnitOfWork
from residency.errors import QuoteChanged, Refusal
from residency.models import LedgerEntry, Transaction, Visa
from residency.services import Receipt
from tests.domain.visa_helpers import BALANCE, OWNER, balance, execute, quote

SAME_KEY = "confirm:double-tap"
FEE = 200  # single exit/re-entry, 2 months


def count(engine, model) -> int:
    with UnitOfWork(engine) as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def issue_quote(engine, world, duration="P2M"):
    return quote(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="single", duration=duration)


def wait_until_blocked(engine, waiting: int) -> None:
    """Until `waiting` sessions wait for a lock (PostgreSQL; seen in pg_stat_activity). SQLite shows no
    waiters: a moment lets the threads reach their busy wait on the write lock."""
    if engine.dialect.name != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + 20
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            blocked = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            conn.rollback()
            if blocked >= waiting:
                return
            time.sleep(0.02)
    raise AssertionError(f"{waiting} executions never waited for the lock")


def simultaneous(engine, world, q, keys) -> list:
    """Start one execution per key while the resident's row is held by another transaction, so that every
    one of them gets past its first look for the key before any can finish; then let go. Outcomes in the
    order the executions finished."""
    outcomes = []
    started = threading.Barrier(len(keys) + 1)

    def run(key):
        with UnitOfWork(engine) as uow:
            started.wait()
            try:
                outcomes.append(services.execute(uow, OWNER, q, key))
            except (Refusal, QuoteChanged) as err:
                outcomes.append(err)

    with UnitOfWork(engine) as holder:
        # FOR UPDATE on PostgreSQL; on SQLite the write lock (BEGIN IMMEDIATE) of the holder's transaction.
        holder.repo.resident_by_iqama(world["est"], world["iqama"], lock=True)
        threads = [threading.Thread(target=run, args=(key,)) for key in keys]
        for t in threads:
            t.start()
        started.wait()
        wait_until_blocked(engine, len(keys))
        holder.rollback()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return outcomes


def test_four_simultaneous_confirms_with_one_key_execute_once(engine, world):
    q = issue_quote(engine, world)
    outcomes = simultaneous(engine, world, q, [SAME_KEY] * 4)

    assert [type(o) for o in outcomes] == [Receipt] * 4, outcomes  # no QuoteChanged, no refusal
    # One executed; the others replay its receipt. Which thread appends first is the scheduler's choice.
    (first,) = [o for o in outcomes if not o.replayed]
    duplicates = [o for o in outcomes if o.replayed]
    assert [replace(d, replayed=False) for d in duplicates] == [first] * 3  # the first receipt, field for field
    assert first.receipt_number == 1 and first.total == FEE and first.balance_after == BALANCE - FEE
    assert balance(engine, world) == BALANCE - FEE
    assert count(engine, Transaction) == count(engine, LedgerEntry) == count(engine, Visa) == 1
    with UnitOfWork(engine) as uow:
        row = uow.session.execute(select(Transaction)).scalar_one()
        assert (row.id, row.receipt_number, row.idempotency_key) == (first.transaction_id, 1, SAME_KEY)
        ledger = uow.session.execute(select(LedgerEntry)).scalar_one()
        assert (ledger.transaction_id, ledger.amount) == (row.id, -FEE)


def test_simultaneous_confirms_with_different_keys_still_exclude_each_other(engine, world):
    """Two different requests for one resident: one visa; the other is told why (nothing replayed)."""
    outcomes = simultaneous(engine, world, issue_quote(engine, world), ["first", "second"])
    receipts = [o for o in outcomes if isinstance(o, Receipt)]
    refused = [o for o in outcomes if not isinstance(o, Receipt)]
    assert len(receipts) == 1 and not receipts[0].replayed
    assert [e.code for e in refused] in (["exit_reentry_active"], ["quote_changed"])
    assert balance(engine, world) == BALANCE - FEE and count(engine, Transaction) == 1


def test_a_later_duplicate_gets_the_first_receipt_unchanged(engine, world):
    """Even after the balance moved, a replay shows the first receipt's balance, not today's."""
    q = issue_quote(engine, world)
    first = execute(engine, q, SAME_KEY)
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(world["est"]).balance += 5000  # a top-up
        uow.commit()
    again = execute(engine, q, SAME_KEY)  # the retry of the first confirmation
    assert again.replayed and replace(again, replayed=False) == first
    assert again.balance_after == BALANCE - FEE and again.receipt_number == 1
    assert balance(engine, world) == BALANCE - FEE + 5000 and count(engine, Transaction) == 1


def test_a_failed_execution_leaves_nothing_and_frees_the_key(engine, world):
    q = issue_quote(engine, world)
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(world["est"]).balance = 100  # the quote no longer holds
        uow.commit()
    with UnitOfWork(engine) as uow:
        try:
            services.execute(uow, OWNER, q, SAME_KEY)
        except (Refusal, QuoteChanged) as err:
            assert err.code in ("insufficient_balance", "quote_changed")
        else:  # pragma: no cover
            raise AssertionError("executed without the balance")
        # The same unit of work is usable at once, and the key was not kept.
        assert uow.repo.transaction_by_key(SAME_KEY) is None
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(world["est"]).balance = BALANCE
        uow.commit()
    receipt = execute(engine, q, SAME_KEY)
    assert not receipt.replayed and receipt.receipt_number == 1 and count(engine, Transaction) == 1
