"""Bulk requests at their limit (SPEC 9.6): the combined quote over 1000 residents (< 2 s) and executing 1000
renewals (< 60 s, each exactly once), on SQLite and on PostgreSQL.

Builds one establishment with 1000 renewable residents in a fresh SQLite file under var/bench and in a
fresh PostgreSQL database (muqeem_bulk_<pid> on 127.0.0.1:5432, dropped at the end), migrated like
production, then through the public domain functions: quotes the renewal of all 1000 by their iqama
numbers (three times; the median is reported), executes the last quote, executes it again (every
resident replayed, nothing charged), and checks the ledger: 1000 transactions, the balance down by the
quoted total exactly. Writes results/bench_bulk.json.

    .venv/bin/python scripts/bench_bulk.py [--residents 1000] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("MUQEEM_TODAY", "2026-11-27")

from sqlalchemy import func, insert, select  # noqa: E402

from bench_databases import scratch_postgres, scratch_sqlite  # noqa: E402
from residency.db import UnitOfWork, get_engine  # noqa: E402
from residency.identifiers import luhn_valid  # noqa: E402
from residency.migrate import upgrade  # noqa: E402
from residency.models import Establishment, Resident, Transaction, User  # noqa: E402
from residency.services.bulk import execute_bulk, quote_bulk  # noqa: E402

RESULTS = REPO_ROOT / "results" / "bench_bulk.json"
OWNER = 900_000_101
TARGETS_S = {"quote": 2, "execute": 60}


def iqama_numbers(count: int) -> list[str]:
    numbers, body = [], 200_000_000
    while len(numbers) < count:
        body += 7
        for last in "0123456789":
            if luhn_valid(f"{body}{last}"):
                numbers.append(f"{body}{last}")
                break
    return numbers


def build(url: str, count: int) -> list[str]:
    upgrade(url)
    engine = get_engine(url)
    numbers = iqama_numbers(count)
    with engine.begin() as conn:
        est = conn.execute(
            insert(Establishment).values(
                number="7000000101",
                name_ar="شركة المقاولات الكبرى",
                plan="comprehensive",
                subscription_until=date(2027, 12, 31),
                balance=50_000_000,
                saudi_count=100,
                expat_count=count,
            )
        ).inserted_primary_key[0]
        conn.execute(insert(User).values(establishment_id=est, telegram_id=OWNER, role="owner", services=""))
        conn.execute(
            insert(Resident),
            [
                dict(
                    establishment_id=est,
                    iqama_number=number,
                    name_ar=f"عامل رقم {i}",
                    name_en=f"Worker {i}",
                    name_key=f"عامل رقم {i} worker {i}",
                    nationality="الهند",
                    occupation="عامل بناء",
                    birth_date=date(1990, 1, 1),
                    passport_number=f"P{i:07d}",
                    passport_expiry=date(2030, 1, 1),
                    iqama_expiry=date(2026, 12, 1) + timedelta(days=i % 25),
                    location="inside",
                    dependants=i % 3,
                    transfer_count=0,
                    late_renewal_offences=0,
                )
                for i, number in enumerate(numbers)
            ],
        )
    return numbers


def measure(url: str, count: int) -> dict:
    numbers = build(url, count)
    engine = get_engine(url)
    quote_s, offer = [], None
    for _ in range(3):
        started = time.perf_counter()
        with UnitOfWork(engine) as uow:
            offer = quote_bulk(uow, OWNER, "renew_iqama", iqama_numbers=numbers, duration="P12M")
        quote_s.append(time.perf_counter() - started)
    with UnitOfWork(engine) as uow:
        before = uow.repo.establishment_by_number("7000000101").balance
    started = time.perf_counter()
    with UnitOfWork(engine) as uow:
        outcome = execute_bulk(uow, OWNER, offer.id, "bench:bulk")
    execute_s = time.perf_counter() - started
    started = time.perf_counter()
    with UnitOfWork(engine) as uow:
        replay = execute_bulk(uow, OWNER, offer.id, "bench:bulk")
    replay_s = time.perf_counter() - started
    with UnitOfWork(engine) as uow:
        after = uow.repo.establishment_by_number("7000000101").balance
        transactions = uow.session.scalar(select(func.count()).select_from(Transaction))
    assert len(outcome.done) == count and not outcome.refused, "every resident renewed"
    assert replay.charged == 0 and transactions == count and before - after == offer.total, "each exactly once"
    return {
        "residents": count,
        "quote_s": round(statistics.median(quote_s), 3),
        "quote_runs_s": [round(s, 3) for s in quote_s],
        "execute_s": round(execute_s, 2),
        "replay_s": round(replay_s, 2),
        "total_riyals": offer.total,
        "transactions": transactions,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    with scratch_sqlite("bulk") as url:
        results = {"targets_s": TARGETS_S, "sqlite": measure(url, args.residents)}
    if not args.skip_postgres:
        with scratch_postgres("bulk") as url:
            results["postgresql"] = measure(url, args.residents)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
