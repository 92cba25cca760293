"""A conversation's cost against its length (SPEC 9.6), used by `scripts/bench.py conversation`.

One agent of the seeded demo establishment talks to the real stack (REST channel, Rasa, action server),
one message at a time: "جدد اقامة <iqama> سنة" (a quote with buttons) then "الغي" (cancelled), again
and again, TURNS messages in all. Reported: p50 of the first and of the last WINDOW turns and their
ratio (target <= 1.2), and the CPU milliseconds per turn of each server process over the last WINDOW
turns, with the in-memory tracker store and with Rasa's SQL tracker store on PostgreSQL (a fresh
database on MUQEEM_BENCH_PG, default postgresql://postgres@127.0.0.1:5432/test's server).

    .venv/bin/python scripts/bench_conversation.py [--turns 1000] [--store memory|postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import uuid

import httpx
from bench_bot import RASA_TIMEOUT_SECONDS, SeededStack
from sqlalchemy import create_engine, text

from runtime_stats import cpu_seconds, rss_megabytes

TURNS = 1000
WINDOW = 100
PG_SERVER = os.environ.get("MUQEEM_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")
RENEW_SERVICES = "renew_iqama,inquire_resident"


def fresh_postgres_database() -> tuple[str, callable]:
    """A new database on the PostgreSQL server for Rasa's tracker store, and a function dropping it."""
    name = f"muqeem_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_SERVER.replace("postgresql://", "postgresql+psycopg2://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return PG_SERVER.rsplit("/", 1)[0] + "/" + name, drop


def converse(stack: SeededStack, turns: int) -> dict:
    sender = str(stack.add_agents(1, RENEW_SERVICES)[0])
    iqama = stack.probes[0].expect
    messages = [f"جدد اقامة {iqama} سنة", "الغي"]
    pids = {server.name: server.process.pid for server in stack.servers}
    latencies: list[float] = []
    cpu_at_window = {}
    with httpx.Client(timeout=RASA_TIMEOUT_SECONDS) as client:
        for number in range(turns):
            if number == turns - WINDOW:
                cpu_at_window = {name: cpu_seconds(pid) for name, pid in pids.items()}
            message = messages[number % 2]
            started = time.perf_counter()
            answer = client.post(f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message})
            latencies.append((time.perf_counter() - started) * 1000)
            replies = answer.json()
            if not replies:
                raise SystemExit(f"turn {number + 1}: empty answer to {message!r}")
    first = statistics.median(latencies[:WINDOW])
    last = statistics.median(latencies[-WINDOW:])
    return {
        "turns": turns,
        "first_p50_ms": round(first, 1),
        "last_p50_ms": round(last, 1),
        "ratio": round(last / first, 2),
        "cpu_ms_per_turn_last": {
            name: round((cpu_seconds(pid) - cpu_at_window[name]) * 1000 / WINDOW, 1) for name, pid in pids.items()
        },
        "rss_mb": {name: rss_megabytes(pid) for name, pid in pids.items()},
    }


def bench_conversation(store: str, turns: int = TURNS) -> dict:
    drop = None
    tracker_store_url = None
    if store == "postgresql":
        tracker_store_url, drop = fresh_postgres_database()
    try:
        with SeededStack(tracker_store_url=tracker_store_url) as stack:
            return {"store": store, **converse(stack, turns)}
    finally:
        if drop:
            drop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=TURNS)
    parser.add_argument("--store", choices=["memory", "postgresql"], default="memory")
    arguments = parser.parse_args()
    print(json.dumps(bench_conversation(arguments.store, arguments.turns), ensure_ascii=False, indent=1))
