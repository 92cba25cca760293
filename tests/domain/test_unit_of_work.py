"""The unit of work: all or nothing, and on SQLite readers are not queued behind a writer."""

import threading

import pytest
from sqlalchemy import select

from residency.db import UnitOfWork
from residency.models import Establishment
from tests.domain import factories as f


def test_leaving_without_commit_changes_nothing(engine):
    with UnitOfWork(engine) as uow:
        f.establishment(uow, number="7000000055")
    with UnitOfWork(engine) as uow:
        assert uow.repo.establishment_by_number("7000000055") is None


def test_a_reader_is_not_blocked_by_a_writer_holding_the_lock(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite locking; PostgreSQL readers never wait for writers")
    with UnitOfWork(engine) as uow:
        f.establishment(uow, number="7000000066", balance=10)
        uow.commit()
    seen = []
    with UnitOfWork(engine) as writer:
        writer.repo.establishment_by_number("7000000066").balance = 20  # holds the write lock
        writer.session.flush()

        def read():
            with UnitOfWork(engine, read_only=True) as reader:
                seen.append(reader.session.scalar(select(Establishment.balance)))

        thread = threading.Thread(target=read)
        thread.start()
        thread.join(timeout=5)
        assert not thread.is_alive() and seen == [10]  # the committed value, at once
        writer.commit()
