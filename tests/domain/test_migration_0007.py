"""Migration 0007 on an existing database (at 0006): every user keeps its establishment, role, services and
language and is active; an account can then hold a role in a second establishment; the schema is the models'."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from residency import services
from residency.activation import add_user
from residency.db import UnitOfWork, get_engine
from residency.migrate import upgrade
from residency.models import Base
from tests.domain.conftest import insert_rows

OWNER, AGENT = 961, 962


def test_upgrade_from_0006_keeps_every_user(database_at, monkeypatch):
    monkeypatch.setenv("MUQEEM_TODAY", "2026-11-27")
    old_database = database_at("0006")
    engine = get_engine(old_database)
    statements = [
        "INSERT INTO establishments (id, number, name_ar, plan, subscription_until, balance, saudi_count,"
        " expat_count, receipt_counter, industrial, created_at) VALUES (1, '7000000301', 'مؤسسة النور',"
        " 'comprehensive', '2027-06-30', 5000, 0, 3, 0, false, '2026-01-01 00:00:00'),"
        " (2, '7000000302', 'مؤسسة الفجر', 'comprehensive', '2027-06-30', 5000, 0, 3, 0, false,"
        " '2026-01-01 00:00:00')",
        "INSERT INTO users (id, establishment_id, telegram_id, role, services, language, created_at) VALUES"
        f" (1, 1, {OWNER}, 'owner', '', 'en', '2026-01-01 00:00:00'),"
        f" (2, 1, {AGENT}, 'agent', 'renew_iqama,inquire_resident', NULL, '2026-01-01 00:00:00')",
        "INSERT INTO residents (id, establishment_id, iqama_number, name_ar, name_en, name_key, nationality,"
        " occupation, passport_number, passport_expiry, iqama_expiry, location, dependants, transfer_count,"
        " late_renewal_offences, updated_at) VALUES (1, 1, '2000000006', 'سالم', '', 'سالم', 'الهند', 'محاسب',"
        " 'A1234567', '2029-01-01', '2027-12-31', 'inside', 0, 0, 0, '2026-01-01 00:00:00')",
    ]
    insert_rows(engine, statements, ("establishments", "users", "residents"))

    upgrade(old_database)

    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, establishment_id, telegram_id, role, services, language, status, display_name FROM users")
        ).all()
        assert [tuple(row) for row in sorted(rows)] == [
            (1, 1, OWNER, "owner", "", "en", "active", None),
            (2, 1, AGENT, "agent", "renew_iqama,inquire_resident", None, "active", None),
        ]
        assert conn.execute(text("SELECT owner_operated FROM establishments WHERE id = 1")).scalar_one() in (False, 0)
        assert conn.execute(text("SELECT count(*) FROM accounts")).scalar_one() == 0
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []

    with UnitOfWork(engine) as uow:  # the single establishment is the current one without a choice
        actor = services.resolve_actor(uow, AGENT)
        assert (actor.establishment_number, actor.role, actor.services) == (
            "7000000301",
            "agent",
            frozenset({"renew_iqama", "inquire_resident"}),
        )
        add_user(uow, "7000000302", AGENT, "owner")  # telegram_id is no longer unique on its own
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM users WHERE telegram_id = {AGENT}")).scalar_one() == 2
