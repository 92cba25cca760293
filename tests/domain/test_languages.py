"""The reply language a user keeps with /lang (users.language, migration 0006)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
import pytest
from sqlalchemy import text

from residency.db import UnitOfWork, get_engine
from residency.errors import InvalidInput, Unauthorized
from residency.languages import set_language, stored_language
from residency.migrate import upgrade
from residency.models import Base
from tests.domain import factories as f
from tests.domain.conftest import insert_rows

OWNER, STRANGER = 961, 962


@pytest.fixture
def owner(engine):
    with UnitOfWork(engine) as uow:
        f.user(uow, f.establishment(uow), OWNER)
        uow.commit()
    return OWNER


def test_a_user_has_no_choice_until_they_make_one_and_then_keeps_it(engine, owner):
    with UnitOfWork(engine) as uow:
        assert stored_language(uow, owner) is None
        assert set_language(uow, owner, " EN ") == "en"
        uow.commit()
    with UnitOfWork(engine) as uow:
        assert stored_language(uow, owner) == "en"
        set_language(uow, owner, "ar")
        uow.commit()
    with UnitOfWork(engine) as uow:
        assert stored_language(uow, owner) == "ar"


def test_a_language_without_catalogue_is_refused_and_nothing_changes(engine, owner):
    with UnitOfWork(engine) as uow:
        with pytest.raises(InvalidInput) as refused:
            set_language(uow, owner, "fr")
    assert refused.value.code == "unknown_language" and "/lang en" in refused.value.message
    with UnitOfWork(engine) as uow:
        assert stored_language(uow, owner) is None


def test_a_stranger_cannot_choose_and_has_no_language(engine):
    with UnitOfWork(engine) as uow:
        assert stored_language(uow, STRANGER) is None
        with pytest.raises(Unauthorized) as refused:
            set_language(uow, STRANGER, "en")
    assert refused.value.code == "not_activated"


def test_upgrade_from_0005_leaves_every_user_without_a_choice(database_at):
    old_database = database_at("0005")
    engine = get_engine(old_database)
    insert_rows(
        engine,
        [
            "INSERT INTO establishments (id, number, name_ar, plan, subscription_until, balance, saudi_count,"
            " expat_count, receipt_counter, created_at, industrial) VALUES (1, '7000000261', 'أ', 'comprehensive',"
            " '2027-06-30', 5000, 0, 3, 0, '2026-01-01 00:00:00', false)",
            "INSERT INTO users (id, establishment_id, telegram_id, role, services, created_at)"
            f" VALUES (1, 1, {OWNER}, 'owner', '', '2026-01-01 00:00:00')",
        ],
        ("establishments", "users"),
    )
    upgrade(old_database)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT language FROM users")).scalar_one() is None
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    with UnitOfWork(engine) as uow:
        assert stored_language(uow, OWNER) is None
        set_language(uow, OWNER, "en")
        uow.commit()
