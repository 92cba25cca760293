"""Database engine and the unit of work.

`MUQEEM_DATABASE_URL` selects the database (default: a SQLite file under var/). One `UnitOfWork` is one
database transaction: services commit it once at the end, and anything that fails half-way rolls back.
On SQLite every writing transaction starts with BEGIN IMMEDIATE so that two executions serialise instead
of racing, and a read-only one with a plain (deferred) BEGIN (PostgreSQL uses row locks: the `lock=True`
reads of `Repository`, e.g. `resident_by_iqama`, `establishment`, `approval`; and `Repository.lock_resident`).

The session is the repository's and the read models': code reads and writes through `uow.repo`
(residency/repository.py) and `residency.queries` (the reports' and reminders' SELECTs), never through
`uow.session` (tests/domain/test_boundaries.py).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from residency.repository import Repository

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "muqeem.db"


def database_url() -> str:
    """The configured database URL (environment), or the default SQLite file."""
    return os.environ.get("MUQEEM_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url`, by default the configured database (read from the environment each call)."""
    return _engine_for(url or database_url())


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    """One engine per URL for the life of the process."""
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, future=True, connect_args={"check_same_thread": False, "timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - trivial
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (pysqlite's own BEGIN is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # pragma: no cover - trivial
        # A reader must not hold the write lock; a writer takes it first so that it never has to
        # upgrade a read transaction (which SQLite refuses under contention).
        read_only = connection.get_execution_options().get("muqeem_read_only", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class UnitOfWork:
    """A database transaction with its repository: `with UnitOfWork() as uow: ...; uow.commit()`.

    Leaving the block without `commit()` rolls everything back. `read_only=True` (inquiries, reports,
    quotes) lets SQLite readers run beside a writer instead of queueing for the write lock.
    """

    def __init__(self, engine: Engine | None = None, read_only: bool = False) -> None:
        self._engine = engine or get_engine()
        bind = self._engine.execution_options(muqeem_read_only=True) if read_only else self._engine
        self._factory = sessionmaker(bind=bind, future=True, expire_on_commit=False)
        self.session: Session
        self.repo: Repository

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def __enter__(self) -> "UnitOfWork":
        self.session = self._factory()
        self.repo = Repository(self.session, lock_rows=self.dialect == "postgresql")
        # Facts that do not change within one transaction, looked up once (the actor of a Telegram id).
        self.memo: dict = {}
        return self

    def __exit__(self, *exc_info) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
