"""Resident memory of every process of the stack, right after start and after sustained load (SPEC 9.6,
10.6), used by `scripts/bench.py memory`.

The stack as shipped, started by its own commands: `muqeem servers` (the supervisor, the action server and
the Rasa server, in-memory tracker store) on a fresh SQLite database holding the demo establishment and one
establishment of 100,000 residents (scripts/bench_domain.py), and `muqeem bot` relaying the fake Telegram Bot
API (tests/frontends/fake_telegram.py) to it. The resident memory (RSS) of each process, from /proc:
1. right after start: every server ready, the bot polling;
2. after BOT_MESSAGES messages through the bot (30/s, Telegram's overall send limit, from 30 demo agents);
3. after the big establishment's load over the REST channel: each of 20 agents asks at once for the
   expiring-iqamas report (about 10,000 rows), a name search and a bulk renewal quote; once that backlog
   is worked off, 60 messages/s for LOAD_SECONDS s (look-ups, name searches, the account, a renewal quote
   and its cancellation).

    .venv/bin/python scripts/bench_memory.py [--bot-messages 600] [--seconds 60]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from pathlib import Path

import aiohttp
from bench_bot import (
    RASA_TIMEOUT_SECONDS,
    SeededStack,
    TimedTelegram,
    _at_rate,
    _bot_process,
    _until,
    latency_summary,
)
from bench_domain import ESTABLISHMENT_NUMBER
from bench_overload import busy_texts
from bench_domain import build as build_big_establishment
from sqlalchemy import select

from runtime import servers as server_control
from runtime_stats import rss_megabytes
from residency.activation import add_user
from residency.db import UnitOfWork
from residency.models import Establishment, Resident
from tests.frontends.fake_telegram import TOKEN
from tests.loopback import MUQEEM

BIG_RESIDENTS = 100_000
BOT_MESSAGES = 600
BOT_RATE = 30.0
BIG_SENDERS = 20
FIRST_BIG_AGENT_ID = 3_000_000
BIG_SERVICES = "inquire_resident,inquire_resident_by_name,account_status,report_expiring_iqamas,renew_iqama"
LOAD_RATE = 60.0
LOAD_SECONDS = 60.0
SEARCHES = ("ابحث عن محمد خان", "ابحث عن أحمد", "ابحث عن راجيش كومار", "ابحث عن جون سانتوس")
READY_LINE = "The servers are ready"


class ShippedStack(SeededStack):
    """SeededStack with the big establishment, its servers started by `muqeem servers` (the supervisor)."""

    def _start(self) -> None:
        build_big_establishment(self.database_url, BIG_RESIDENTS)
        env = {
            **self.env,
            "MUQEEM_RASA_PORT": str(self.settings.rasa_port),
            "MUQEEM_ACTIONS_PORT": str(self.settings.actions_port),
            "MUQEEM_MODELS_DIR": str(self.settings.models_dir),
            "MUQEEM_VAR_DIR": str(self.settings.var_dir),
        }
        supervisor = server_control.ServerProcess(
            name="supervisor",
            argv=[MUQEEM, "servers"],
            ready_url="",
            env={**server_control.child_environment(self.settings), **env},
            log_path=self.work / "log" / "servers.log",
        )
        self.servers = [supervisor]
        supervisor.start()
        deadline = time.monotonic() + server_control.DEFAULT_START_TIMEOUT_SECONDS
        while READY_LINE not in supervisor.log_path.read_text(errors="replace"):
            if supervisor.exit_code() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"muqeem servers did not start:\n{supervisor.log_path.read_text()[-3000:]}")
            time.sleep(0.5)

    def processes(self) -> dict[str, int]:
        """The supervisor and each server it runs: name -> pid."""
        pid = self.servers[0].process.pid
        found = {"supervisor": pid}
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            command = Path(f"/proc/{child}/cmdline").read_bytes()
            name = "Rasa" if b"runtime.rasa_server" in command else "actions" if b"action_server" in command else child
            found[name] = int(child)
        return found

    def big_agents(self) -> tuple[list[int], list[str]]:
        """BIG_SENDERS agents of the big establishment, and iqama numbers of its residents."""
        agents = list(range(FIRST_BIG_AGENT_ID, FIRST_BIG_AGENT_ID + BIG_SENDERS))
        with UnitOfWork(self.engine) as uow:
            for agent in agents:
                add_user(uow, ESTABLISHMENT_NUMBER, agent, "agent", BIG_SERVICES)
            iqamas = list(
                uow.session.execute(
                    select(Resident.iqama_number)
                    .join(Establishment, Resident.establishment_id == Establishment.id)
                    .where(Establishment.number == ESTABLISHMENT_NUMBER, Resident.iqama_number.isnot(None))
                    .limit(2000)
                ).scalars()
            )
        return agents, iqamas


def memory(processes: dict[str, int]) -> dict[str, float]:
    """Each process's own resident memory in MB, and their total."""
    figures = {name: rss_megabytes(pid, descendants=False) for name, pid in processes.items()}
    return {**figures, "total": round(sum(figures.values()), 1)}


class BigLoad:
    """Messages of the big establishment's agents over the REST channel: answered, failed, latencies."""

    def __init__(self, stack: ShippedStack, agents: list[int], iqamas: list[str]) -> None:
        self.endpoint = f"{stack.rasa_url}/webhooks/rest/webhook"
        self.agents, self.iqamas = agents, iqamas
        self.random = random.Random(24)
        self.busy_texts = busy_texts()
        self.answered, self.busy, self.failed, self.latencies = 0, 0, 0, []

    def light_message(self, index: int) -> str:
        kind = index % 10
        if kind < 7:
            return f"استعلام عن مقيم {self.random.choice(self.iqamas)}"
        if kind == 7:
            return self.random.choice(SEARCHES)
        if kind == 8:
            return f"جدد اقامة {self.random.choice(self.iqamas)} سنة" if index % 20 < 10 else "الغي"
        return "كم رصيدنا؟"

    async def one(self, http: aiohttp.ClientSession, sender: int, text: str) -> None:
        started = time.perf_counter()
        try:
            async with http.post(self.endpoint, json={"sender": str(sender), "message": text}) as reply:
                reply.raise_for_status()
                items = await reply.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            self.failed += 1
            return
        busy = any(str(item.get("text")) in self.busy_texts for item in items)
        self.busy += busy
        self.answered += bool(items) and not busy
        self.failed += not items
        self.latencies.append((time.perf_counter() - started) * 1000)

    async def big_answers(self, http: aiohttp.ClientSession) -> None:
        """Every agent at once: the expiring-iqamas report, a name search, a bulk quote and its cancellation."""

        async def agent(sender: int) -> None:
            for text in (
                "مين اقاماتهم تخلص هالشهر؟",
                SEARCHES[0],
                "جدد الاقامات اللي تخلص خلال 3 يوم لمدة سنة",
                "الغي",
            ):
                await self.one(http, sender, text)

        await asyncio.gather(*(agent(sender) for sender in self.agents))

    async def at_rate(self, http: aiohttp.ClientSession, rate: float, seconds: float) -> None:
        tasks = []
        started = time.perf_counter()
        for index in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
            sender = self.agents[index % len(self.agents)]
            tasks.append(asyncio.create_task(self.one(http, sender, self.light_message(index))))
        await asyncio.gather(*tasks)

    async def run(self, stack: ShippedStack, rate: float, seconds: float) -> dict:
        """The big answers, then (once their backlog is worked off) `rate` messages/s for `seconds`."""
        timeout = aiohttp.ClientTimeout(total=RASA_TIMEOUT_SECONDS * 3)
        async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as http:
            started = time.perf_counter()
            await self.big_answers(http)
            big_answers_s = round(time.perf_counter() - started, 1)
            idle_wait_s = await asyncio.to_thread(stack.wait_idle)
            await self.at_rate(http, rate, seconds)
        return {
            "big_answers_s": big_answers_s,
            "idle_wait_s": idle_wait_s,
            "answered": self.answered,
            "busy": self.busy,
            "failed": self.failed,
            **latency_summary(self.latencies),
        }


def bench_memory(bot_messages: int = BOT_MESSAGES, seconds: float = LOAD_SECONDS) -> dict:
    with ShippedStack() as stack:

        async def run() -> dict:
            fake = TimedTelegram(TOKEN)
            bot = _bot_process(stack, await fake.start(), max_send_rate=None)
            try:
                bot.start()
                if not await _until(lambda: bool(fake.calls_of("deleteWebhook")), 60):
                    raise RuntimeError(f"the bot did not start polling:\n{bot.log_path.read_text()[-3000:]}")
                processes = {**stack.processes(), "bot": bot.process.pid}
                after_start = memory(processes)
                through_bot = await _at_rate(
                    fake, stack.add_agents(30), stack.probes, BOT_RATE, bot_messages / BOT_RATE
                )
                after_bot = memory(processes)
                big = await BigLoad(stack, *stack.big_agents()).run(stack, LOAD_RATE, seconds)
                return {
                    "residents": BIG_RESIDENTS,
                    "after_start": after_start,
                    "bot": {
                        "messages": bot_messages,
                        "rate_per_s": BOT_RATE,
                        **{key: through_bot[key] for key in ("failures", "apologies", "wrong_reply")},
                    },
                    "after_bot": after_bot,
                    "load": {"rate_per_s": LOAD_RATE, "seconds": seconds, "senders": BIG_SENDERS, **big},
                    "after_load": memory(processes),
                }
            finally:
                await asyncio.to_thread(server_control.stop_all, [bot])
                await fake.stop()

        return asyncio.run(run())


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--bot-messages", type=int, default=BOT_MESSAGES)
    parser.add_argument("--seconds", type=float, default=LOAD_SECONDS)
    arguments = parser.parse_args()
    print(json.dumps(bench_memory(arguments.bot_messages, arguments.seconds), ensure_ascii=False, indent=1))
