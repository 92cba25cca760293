"""`make bench`: every speed figure of SPEC section 8, written to results/bench.md (quoted in the README).

Parts (each also runnable alone: `python scripts/bench.py nlu|rest|domain`):
- domain: resident look-up, name search and the expiring report on 100,000 residents (scripts/bench_domain.py).
- nlu: model load time and NLU parse p50/p95 of the trained model (models/).
- rest: message-to-reply latency through the REST channel, Rasa and the action server, at 60 messages/second
  from 30 users of a seeded establishment (a fresh SQLite database), p50/p99.
"""
from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
sys.path.insert(0, str(ROOT))

NLU_MESSAGES = [
    "جدد اقامة ٢١٨٠٩٦٧٩٢٥ سنة",
    "ابي خروج وعودة متعددة لمحمد ٣ شهور",
    "مين اقاماتهم تخلص هالشهر؟",
    "عايز اعرف رصيد المنشأة",
    "cancel the exit re-entry visa 6012345678",
    "نقل كفالة 2000000008 للمنشأة 7001234567",
    "شكرا",
    "بدي غير مهنة العامل لمحاسب",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def bench_nlu(runs: int = 400) -> dict:
    """Load the trained model and time NLU parses (milliseconds)."""
    started = time.perf_counter()
    from rasa.core.agent import Agent
    from rasa.model import get_latest_model

    imported = time.perf_counter()
    model = get_latest_model(str(ROOT / "models"))
    agent = Agent.load(model)
    loaded = time.perf_counter()

    async def parse_all() -> list[float]:
        for text in NLU_MESSAGES:  # warm-up
            await agent.parse_message(text)
        times = []
        for i in range(runs):
            t0 = time.perf_counter()
            await agent.parse_message(NLU_MESSAGES[i % len(NLU_MESSAGES)])
            times.append((time.perf_counter() - t0) * 1000)
        return times

    times = asyncio.run(parse_all())
    return {
        "import_rasa_s": round(imported - started, 2),
        "model_load_s": round(loaded - imported, 2),
        "parse_p50_ms": round(statistics.median(times), 2),
        "parse_p95_ms": round(percentile(times, 0.95), 2),
        "runs": runs,
    }


def bench_rest(rate: float = 60.0, seconds: float = 20.0) -> dict:
    """Message-to-reply latency over the REST channel at `rate` messages/second."""
    import httpx

    from bot.servers import BackgroundServers, ServerSettings
    from residency.activation import add_user
    from residency.db import UnitOfWork, get_engine
    from residency.migrate import upgrade
    from residency.seed import seed_demo

    tmp = Path(tempfile.mkdtemp(prefix="muqeem-bench-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    os.environ["MUQEEM_DATABASE_URL"] = url
    os.environ.setdefault("MUQEEM_TODAY", "2026-11-27")
    upgrade(url)
    with UnitOfWork(get_engine(url)) as uow:
        seed_demo(uow)
    users = [2_000_000 + i for i in range(30)]
    with UnitOfWork(get_engine(url)) as uow:
        for user in users:
            add_user(uow, "7001234567", user, "agent", "inquire_resident,account_status,report_residents_abroad")
    from residency.models import Resident
    from sqlalchemy import select

    with UnitOfWork(get_engine(url)) as uow:
        iqamas = [
            n
            for n in uow.session.execute(
                select(Resident.iqama_number).where(Resident.iqama_number.isnot(None)).limit(20)
            ).scalars()
        ]
    messages = [f"استعلام عن مقيم {n}" for n in iqamas] + ["كم رصيدنا؟", "مين برا المملكة؟", "مرحبا"]
    settings = ServerSettings(rasa_port=5105, actions_port=5155, var_dir=tmp)

    async def load() -> tuple[list[float], int]:
        latencies: list[float] = []
        failures = 0
        async with httpx.AsyncClient(timeout=10) as client:
            endpoint = f"{settings.rasa_url}/webhooks/rest/webhook"

            async def one(i: int) -> None:
                nonlocal failures
                body = {"sender": str(users[i % len(users)]), "message": messages[i % len(messages)]}
                t0 = time.perf_counter()
                try:
                    reply = await client.post(endpoint, json=body)
                    ok = reply.status_code == 200 and reply.json()
                except httpx.HTTPError:
                    ok = False
                if ok:
                    latencies.append((time.perf_counter() - t0) * 1000)
                else:
                    failures += 1

            for i in range(len(users)):  # warm-up, one message per user
                await one(i)
            latencies.clear()
            tasks = []
            start = time.perf_counter()
            for i in range(int(rate * seconds)):
                await asyncio.sleep(max(0.0, start + i / rate - time.perf_counter()))
                tasks.append(asyncio.create_task(one(i)))
            await asyncio.gather(*tasks)
        return latencies, failures

    with BackgroundServers(settings, progress=lambda m: print(m, file=sys.stderr)):
        latencies, failures = asyncio.run(load())
    return {
        "rate_per_s": rate,
        "seconds": seconds,
        "messages": len(latencies) + failures,
        "failures": failures,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
    }


def bench_domain() -> dict:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_domain.py")], check=True, cwd=ROOT)
    path = RESULTS / "bench_domain.json"
    return json.loads(path.read_text()) if path.exists() else {}


def write_report(results: dict) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    lines = ["# Benchmarks (`make bench`)", "", f"Machine: {os.cpu_count()} cores. Generated {time.strftime('%Y-%m-%d %H:%M')}.", ""]
    if "nlu" in results:
        n = results["nlu"]
        lines += [
            "## NLU",
            "",
            "| import rasa | model load | parse p50 | parse p95 | target |",
            "|---|---|---|---|---|",
            f"| {n['import_rasa_s']} s | {n['model_load_s']} s | {n['parse_p50_ms']} ms | {n['parse_p95_ms']} ms "
            "| load < 15 s, p50 < 15 ms |",
            "",
        ]
    if "rest" in results:
        r = results["rest"]
        lines += [
            "## Message to reply (REST channel -> Rasa -> actions -> database)",
            "",
            "| rate | messages | failures | p50 | p99 | target |",
            "|---|---|---|---|---|---|",
            f"| {r['rate_per_s']}/s for {r['seconds']} s | {r['messages']} | {r['failures']} | {r['p50_ms']} ms "
            f"| {r['p99_ms']} ms | p50 < 100 ms, p99 < 400 ms |",
            "",
        ]
    if "domain" in results:
        lines += ["## Domain (100,000 residents)", "", "See results/bench_domain.md.", ""]
    (RESULTS / "bench.md").write_text("\n".join(lines))


def main(parts: list[str]) -> None:
    parts = parts or ["domain", "nlu", "rest"]
    results: dict = {}
    existing = RESULTS / "bench.json"
    if existing.exists():
        results = json.loads(existing.read_text())
    for part in parts:
        print(f"== bench {part}", file=sys.stderr)
        results[part] = {"domain": bench_domain, "nlu": bench_nlu, "rest": bench_rest}[part]()
        print(json.dumps(results[part], ensure_ascii=False), file=sys.stderr)
    write_report(results)
    print((RESULTS / "bench.md").read_text())


if __name__ == "__main__":
    main(sys.argv[1:])
