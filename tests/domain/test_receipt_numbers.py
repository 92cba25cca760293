"""Receipt numbers ("رقم العملية") are per establishment: 1, 2, 3 ... of its own transactions, never
counting another establishment's work; given inside the execution's own database transaction, unique
under concurrency, and backfilled by migration 0003 for existing rows."""

import threading
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from residency import border, reports, services
from residency.activation import activate, issue_code
from residency.db import UnitOfWork, get_engine
from residency.errors import Refusal
from residency.migrate import upgrade
from residency.models import Base, Establishment, Transaction
from residency.services import Receipt
from residency.services.sponsorship import respond_transfer
from tests.domain import factories as f
from tests.domain.conftest import insert_rows
from tests.domain.visa_helpers import OWNER, execute, quote

OTHER_OWNER = 702


@pytest.fixture
def other(engine, world):
    """The world's second establishment (7999999990), with an owner of its own."""
    with UnitOfWork(engine) as uow:
        est = uow.repo.establishment_by_number("7999999990")
        f.user(uow, est, OTHER_OWNER)
        uow.commit()
        return est.id


def issue_for(engine, who, iqama, key) -> Receipt:
    with UnitOfWork(engine) as uow:
        q = services.quote(uow, who, "issue_exit_reentry", iqama_number=iqama, visa_type="single", duration="P1M")
    with UnitOfWork(engine) as uow:
        return services.execute(uow, who, q, key)


def numbers(engine, establishment_id) -> list[tuple[int, int]]:
    """(receipt_number, id) of the establishment's transactions in id order."""
    with UnitOfWork(engine) as uow:
        rows = uow.session.execute(
            select(Transaction.receipt_number, Transaction.id)
            .where(Transaction.establishment_id == establishment_id)
            .order_by(Transaction.id)
        ).all()
        return [tuple(r) for r in rows]


def counter(engine, establishment_id) -> int:
    with UnitOfWork(engine) as uow:
        return uow.session.scalar(select(Establishment.receipt_counter).where(Establishment.id == establishment_id))


def test_each_establishment_numbers_its_own_receipts(engine, world, other):
    ours = issue_for(engine, OWNER, world["iqama"], "a-1")
    theirs = issue_for(engine, OTHER_OWNER, world["foreign"], "b-1")
    with UnitOfWork(engine) as uow:
        departed = border.record_departure(uow, world["iqama"])
    with UnitOfWork(engine) as uow:
        update = services.quote(
            uow,
            OTHER_OWNER,
            "update_passport",
            iqama_number=world["foreign"],
            passport_number="C1234567",
            passport_expiry="2031-01-01",
        )
    with UnitOfWork(engine) as uow:
        theirs_again = services.execute(uow, OTHER_OWNER, update, "b-2")

    assert (ours.receipt_number, theirs.receipt_number, theirs_again.receipt_number) == (1, 1, 2)
    assert departed["receipt_number"] == 2  # a border event is one of the establishment's transactions too
    # The global id keeps counting everybody's work; it is not what a user is shown.
    first_id = ours.transaction_id
    assert (theirs.transaction_id, departed["transaction_id"]) == (first_id + 1, first_id + 2)
    assert [n for n, _ in numbers(engine, world["est"])] == [1, 2]
    assert [n for n, _ in numbers(engine, other)] == [1, 2]
    assert (counter(engine, world["est"]), counter(engine, other)) == (2, 2)
    with UnitOfWork(engine) as uow:
        history = reports.transaction_history(uow, OTHER_OWNER)
    assert [(r.receipt_number, r.service) for r in history] == [(2, "update_passport"), (1, "issue_exit_reentry")]
    # A replay shows the same number.
    with UnitOfWork(engine) as uow:
        assert services.execute(uow, OTHER_OWNER, update, "b-2").receipt_number == 2


def test_a_transfer_decision_is_numbered_by_the_receiving_establishment(engine, world, other):
    q = quote(engine, "transfer_sponsorship", iqama_number=world["iqama"], establishment_number="7999999990")
    request = execute(engine, q, "tr-1")
    assert request.receipt_number == 1
    issue_for(engine, OTHER_OWNER, world["foreign"], "b-1")  # the receiver's own receipt 1
    with UnitOfWork(engine) as uow:
        decision = respond_transfer(uow, OTHER_OWNER, request.result["request_id"], accept=True)
    assert decision.receipt_number == 2
    with UnitOfWork(engine) as uow:
        again = respond_transfer(uow, OTHER_OWNER, request.result["request_id"], accept=True)
    assert again.replayed and again.receipt_number == 2
    assert [n for n, _ in numbers(engine, other)] == [1, 2] and counter(engine, world["est"]) == 1


def test_simultaneous_executions_get_distinct_consecutive_numbers(engine, world):
    with UnitOfWork(engine) as uow:
        est = uow.repo.establishment(world["est"])
        iqamas = [f.resident(uow, est).iqama_number for _ in range(5)] + [world["iqama"]]
        uow.commit()
    barrier = threading.Barrier(len(iqamas))
    receipts = []

    def run(i, iqama):
        with UnitOfWork(engine) as uow:
            q = services.quote(uow, OWNER, "issue_exit_reentry", iqama_number=iqama, visa_type="single", duration="P1M")
        barrier.wait()
        with UnitOfWork(engine) as uow:
            receipts.append(services.execute(uow, OWNER, q, f"race-{i}"))

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(iqamas)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(r.receipt_number for r in receipts) == [1, 2, 3, 4, 5, 6]
    assert sorted(n for n, _ in numbers(engine, world["est"])) == [1, 2, 3, 4, 5, 6]
    assert counter(engine, world["est"]) == 6


def test_a_refused_execution_uses_no_number(engine, world):
    q = quote(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="single", duration="P1M")
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(world["est"]).balance = 10  # the confirmation comes too late
        uow.commit()
    with UnitOfWork(engine) as uow, pytest.raises(Refusal):
        services.execute(uow, OWNER, q, "refused")
    assert numbers(engine, world["est"]) == [] and counter(engine, world["est"]) == 0
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(world["est"]).balance = 10_000
        uow.commit()
    assert execute(engine, q, "accepted").receipt_number == 1 and counter(engine, world["est"]) == 1


# migration 0003 -----------------------------------------------------------------------------------


def test_migration_numbers_existing_transactions_per_establishment_in_id_order(database_at, monkeypatch):
    monkeypatch.setenv("MUQEEM_TODAY", "2026-11-27")
    old_database = database_at("0002")
    engine = get_engine(old_database)
    insert = [
        (
            "INSERT INTO establishments (id, number, name_ar, plan, subscription_until, balance, saudi_count,"
            " expat_count, created_at) VALUES (1, '7000000101', 'أ', 'comprehensive', '2027-06-30', 5000, 0, 3,"
            " '2026-01-01 00:00:00'), (2, '7000000102', 'ب', 'comprehensive', '2027-06-30', 7000, 0, 3,"
            " '2026-01-01 00:00:00'), (3, '7000000103', 'ج', 'comprehensive', '2027-06-30', 0, 0, 0,"
            " '2026-01-01 00:00:00')"
        ),
    ]
    # Transactions of establishments 1 and 2, interleaved: ids 1..5 -> est 1, 2, 1, 1, 2.
    for tid, est in [(1, 1), (2, 2), (3, 1), (4, 1), (5, 2)]:
        insert.append(
            "INSERT INTO transactions (id, idempotency_key, establishment_id, service, inputs, fee_lines, total,"
            f" result, created_at) VALUES ({tid}, 'old-{tid}', {est}, 'change_occupation', '{{}}', '[]', 1000,"
            " '{}', '2026-02-01 00:00:00')"
        )
    insert.append(
        "INSERT INTO ledger (establishment_id, transaction_id, amount, balance_after, reason, created_at)"
        " VALUES (1, 3, -1000, 6000, 'change_occupation', '2026-02-01 00:00:00'),"
        " (2, 5, -1000, 7000, 'change_occupation', '2026-02-01 00:00:00')"
    )
    insert.append(
        "INSERT INTO activation_codes (establishment_id, code_hash, role, services, expires_at, created_at)"
        " VALUES (3, 'x', 'owner', '', '2099-01-01 00:00:00', '2026-01-01 00:00:00')"
    )
    insert_rows(engine, insert, ("establishments", "transactions"))

    upgrade(old_database)

    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, establishment_id, receipt_number, balance_after FROM transactions ORDER BY id")
        ).all()
        assert [tuple(r) for r in rows] == [
            (1, 1, 1, None),
            (2, 2, 1, None),
            (3, 1, 2, 6000),
            (4, 1, 3, None),
            (5, 2, 2, 7000),
        ]
        counters = conn.execute(text("SELECT id, receipt_counter FROM establishments ORDER BY id")).all()
        assert [tuple(r) for r in counters] == [(1, 3), (2, 2), (3, 0)]
        assert conn.execute(text("SELECT failed_attempts FROM activation_codes")).scalar_one() == 0
        # The schema is exactly the models' (nothing autogenerate would still add or drop).
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []

    # Existing data keeps working: the next receipt of establishment 1 is its 4th; old codes activate.
    with UnitOfWork(engine) as uow:
        est = uow.repo.establishment(1)
        f.user(uow, est, 901)
        res = f.resident(uow, est, iqama_expiry=date(2027, 12, 31))
        uow.commit()
        iqama = res.iqama_number
    receipt = issue_for(engine, 901, iqama, "new-1")
    assert receipt.receipt_number == 4 and receipt.transaction_id == 6
    with UnitOfWork(engine) as uow:
        code = issue_code(uow, "7000000103")
    with UnitOfWork(engine) as uow:
        assert activate(902, code, uow).establishment_number == "7000000103"
