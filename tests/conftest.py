"""Shared fixtures: a real, migrated database (SQLite by default; PostgreSQL when
MUQEEM_TEST_DATABASE_URL names a server) and a fixed "today"."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from residency.db import get_engine
from residency.migrate import upgrade
from residency.models import Base

TODAY = "2026-11-27"


def _fresh_database_url(tmp_path_factory) -> tuple[str, callable]:
    server = os.environ.get("MUQEEM_TEST_DATABASE_URL")
    if not server:
        path = tmp_path_factory.mktemp("db") / "muqeem.db"
        return f"sqlite:///{path}", lambda: None
    # A database of our own on the server, dropped at the end, so that runs never see each other's rows.
    name = f"muqeem_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = server.rsplit("/", 1)[0] + "/" + name

    def drop() -> None:
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url, drop = _fresh_database_url(tmp_path_factory)
    upgrade(url)
    yield url
    drop()


@pytest.fixture
def engine(database_url, monkeypatch):
    """The migrated test database, emptied before each test; also the process default (env)."""
    monkeypatch.setenv("MUQEEM_DATABASE_URL", database_url)
    monkeypatch.setenv("MUQEEM_TODAY", TODAY)
    eng = get_engine(database_url)
    with eng.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    return eng
