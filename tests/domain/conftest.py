"""The `world` of the visa and border tests (test_exit_reentry, test_final_exit, test_border); a module
defining its own `world` fixture uses that one instead."""

from datetime import date

import pytest
from sqlalchemy import text

from residency.migrate import upgrade
from tests.conftest import _fresh_database_url

from residency.db import UnitOfWork
from tests.domain import factories as f
from tests.domain.visa_helpers import BALANCE, OWNER


@pytest.fixture
def world(engine):
    """An establishment with an owner and one resident inside (iqama to 2027-12-31, passport to 2029),
    and another establishment's resident. Today is 2026-11-27."""
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, balance=BALANCE)
        f.user(uow, est, OWNER)
        res = f.resident(uow, est, iqama_expiry=date(2027, 12, 31), passport_expiry=date(2029, 1, 1))
        other = f.establishment(uow, number="7999999990")
        foreign = f.resident(uow, other)
        uow.commit()
        return {"est": est.id, "iqama": res.iqama_number, "resident": res.id, "foreign": foreign.iqama_number}


@pytest.fixture
def database_at(tmp_path_factory):
    """`database_at(revision)`: the URL of a database of its own migrated only to `revision` (a
    migration's test fills it the old way, then upgrades it); dropped at the end."""
    drops = []

    def make(revision: str) -> str:
        url, drop = _fresh_database_url(tmp_path_factory)
        drops.append(drop)
        upgrade(url, revision)
        return url

    yield make
    for drop in drops:
        drop()


def insert_rows(engine, statements, tables) -> None:
    """Run raw INSERTs with explicit ids, then move PostgreSQL's id sequences of `tables` past them."""
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
        if engine.dialect.name == "postgresql":
            for table in tables:
                conn.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
