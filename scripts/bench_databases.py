"""Throw-away databases for the domain benchmarks (scripts/bench_domain.py, scripts/bench_bulk.py): a fresh
SQLite file under var/bench, or a fresh PostgreSQL database on MUQEEM_BENCH_PG's server, each removed at
the end (the caller migrates it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from residency.db import get_engine

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO_ROOT / "var" / "bench"
PG_SERVER = os.environ.get("MUQEEM_BENCH_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def scratch_sqlite(name: str) -> Iterator[str]:
    """The URL of an empty SQLite file var/bench/<name>_<pid>.db, deleted afterwards."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"{name}_{os.getpid()}.db"
    _remove_sqlite(path)
    url = f"sqlite:///{path}"
    try:
        yield url
    finally:
        get_engine(url).dispose()
        _remove_sqlite(path)


@contextmanager
def scratch_postgres(name: str) -> Iterator[str]:
    """The URL of a new PostgreSQL database muqeem_<name>_<pid>, dropped afterwards."""
    database = f"muqeem_{name}_{os.getpid()}"
    admin = create_engine(PG_SERVER, future=True, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    url = PG_SERVER.rsplit("/", 1)[0] + "/" + database
    try:
        yield url
    finally:
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
