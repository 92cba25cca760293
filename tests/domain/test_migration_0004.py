"""Migration 0004 on an existing database (at 0003): every establishment is not industrial, no violations
yet; a visa that lapsed unused before the upgrade is fined when next seen, and the schema is the models'."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from residency import services
from residency.db import UnitOfWork, get_engine
from residency.migrate import upgrade
from tests.domain.conftest import insert_rows
from residency.models import Base

OWNER = 951


def test_upgrade_from_0003_keeps_existing_data_working(database_at, monkeypatch):
    monkeypatch.setenv("MUQEEM_TODAY", "2026-11-27")
    old_database = database_at("0003")
    engine = get_engine(old_database)
    statements = [
        "INSERT INTO establishments (id, number, name_ar, plan, subscription_until, balance, saudi_count,"
        " expat_count, receipt_counter, created_at) VALUES (1, '7000000201', 'أ', 'comprehensive', '2027-06-30',"
        " 5000, 0, 3, 0, '2026-01-01 00:00:00')",
        "INSERT INTO users (id, establishment_id, telegram_id, role, services, created_at)"
        f" VALUES (1, 1, {OWNER}, 'owner', '', '2026-01-01 00:00:00')",
        "INSERT INTO residents (id, establishment_id, iqama_number, name_ar, name_en, name_key, nationality,"
        " occupation, passport_number, passport_expiry, iqama_expiry, location, dependants, transfer_count,"
        " late_renewal_offences, updated_at) VALUES (1, 1, '2000000006', 'سالم', '', 'سالم', 'الهند', 'محاسب',"
        " 'A1234567', '2029-01-01', '2027-12-31', 'inside', 0, 0, 0, '2026-01-01 00:00:00')",
        "INSERT INTO visas (id, number, resident_id, kind, entry_type, issued_on, valid_until, status)"
        " VALUES (1, '6000000777', 1, 'exit_reentry', 'single', '2026-09-01', '2026-11-01', 'issued')",
    ]
    insert_rows(engine, statements, ("establishments", "users", "residents", "visas"))

    upgrade(old_database)

    with engine.connect() as conn:
        assert conn.execute(text("SELECT industrial FROM establishments")).scalar_one() in (False, 0)
        assert conn.execute(text("SELECT count(*) FROM violations")).scalar_one() == 0
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []

    with UnitOfWork(engine) as uow:
        q = services.quote(uow, OWNER, "issue_final_exit", iqama_number="2000000006")
    assert [(line.code, line.amount) for line in q.lines] == [("unused_visa_fine", 1000)]
    with UnitOfWork(engine) as uow:
        receipt = services.execute(uow, OWNER, q, "after-0004")
    assert receipt.total == 1000 and receipt.balance_after == 4000
    with engine.connect() as conn:
        row = conn.execute(text("SELECT resident_id, kind, amount, visa_id, paid_transaction_id FROM violations")).one()
        assert tuple(row) == (1, "unused_exit_reentry", 1000, 1, receipt.transaction_id)
        assert conn.execute(text("SELECT status FROM visas WHERE id = 1")).scalar_one() == "expired"
