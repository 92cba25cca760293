"""Message-to-reply latency through the running stack (SPEC section 8), used by `scripts/bench.py rest|bot`.

`SeededStack`: a fresh SQLite database with the demo establishment (residency.administration.seed, today's reminders
marked sent so that none is pushed during a run), the real action server and Rasa server (a copy of the
newest model in models/) on free loopback ports; `add_agents` registers fresh agents of the demo
establishment, so that every run starts new Rasa conversations.

`bench_bot`: the real `muqeem bot` process long-polling the fake Telegram Bot API
(tests/frontends/fake_telegram.py) and relaying to that stack. Text updates from the agents are injected at a
fixed rate; a message's latency is the time from its update becoming available to getUpdates until the
bot's first sendMessage to that chat answering it. Every message used is answered by exactly one message
(checked first, one message at a time: the "unloaded" figures), so the replies of a chat are matched to
its messages in order; a reply must contain what its message asked for (the card's iqama number, ...),
anything else is a failure.

    .venv/bin/python scripts/bench_bot.py [--rate 60] [--seconds 20] [--max-send-rate 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MUQEEM_TODAY", "2026-11-27")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import httpx
from sqlalchemy import select

from runtime import servers as server_control
from runtime_stats import rss_megabytes
from frontends.telegram_bot.sending import UNAVAILABLE
from residency.activation import add_user
from residency.db import UnitOfWork, get_engine
from residency.migrate import upgrade
from residency.models import Establishment, Resident
from residency.reminders import (
    mark_notification_sent,
    pending_notifications,
    queue_due_reminders,
)
from residency.administration.seed import MAIN, seed_demo
from tests.frontends.fake_telegram import TOKEN
from tests.frontends.fake_telegram import FakeTelegram
from tests.loopback import MUQEEM, free_port

AGENT_SERVICES = "inquire_resident,account_status,report_residents_abroad"
FIRST_AGENT_ID = 2_000_000
IDLE_PROBE_SENDER = "1999999"  # not a user: answered "not activated" after a full Rasa + action turn
START_TIMEOUT_SECONDS = 240
BOT_READY_SECONDS = 60
REPLY_SECONDS = 30  # one message, nothing else running
QUIET_SECONDS = 0.4  # after a reply: time for a second message that would break the reply matching
DRAIN_SECONDS = 45  # after the last injected message: how long the missing replies are awaited
RASA_TIMEOUT_SECONDS = 10.0  # the REST client's timeout, as the bot's (frontends.rasa_client)


@dataclass(frozen=True)
class Probe:
    """A user message and a text its (single-message) reply must contain."""

    text: str
    expect: str


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latency_summary(latencies: list[float]) -> dict[str, float | None]:
    """p50 / p99 / max in milliseconds (None when nothing was answered)."""
    if not latencies:
        return {"p50_ms": None, "p99_ms": None, "max_ms": None}
    return {
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
    }


class SeededStack:
    """Context manager: the seeded database and both servers, stopped and removed on exit; Rasa's
    tracker and lock stores as given (default: in memory)."""

    def __init__(self, tracker_store_url: str | None = None, lock_store_url: str | None = None) -> None:
        self.tracker_store_url = tracker_store_url
        self.lock_store_url = lock_store_url

    def __enter__(self) -> SeededStack:  # noqa: PYI034
        model = server_control.find_model(ROOT / "models")
        if model is None:
            raise SystemExit("No trained model in models/: run `make train` first.")
        self.work = Path(tempfile.mkdtemp(prefix="muqeem-bench-"))
        self.database_url = f"sqlite:///{self.work / 'bench.db'}"
        self.engine = get_engine(self.database_url)
        upgrade(self.database_url)
        with UnitOfWork(self.engine) as uow:
            seed_demo(uow)
        self._mark_reminders_sent()
        self.probes = self._probes()
        self._agent_ids = itertools.count(FIRST_AGENT_ID)
        models = self.work / "models"
        models.mkdir()
        shutil.copy(model, models)  # a retraining during the run does not change the model served
        self.settings = server_control.ServerSettings(
            rasa_port=free_port(),
            actions_port=free_port(),
            models_dir=models,
            var_dir=self.work / "var",
            start_timeout=START_TIMEOUT_SECONDS,
            tracker_store_url=self.tracker_store_url,
            lock_store_url=self.lock_store_url,
        )
        self.env = {"MUQEEM_DATABASE_URL": self.database_url, "MUQEEM_TODAY": os.environ["MUQEEM_TODAY"]}
        started = time.perf_counter()
        try:
            self._start()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        self.start_seconds = round(time.perf_counter() - started, 1)
        return self

    def _start(self) -> None:
        """The action server and the Rasa server as children of this process, until both are ready."""
        endpoints = server_control.write_endpoints_file(self.settings)
        log_dir = self.work / "log"
        self.servers = [
            server_control.actions_process(self.settings, log_dir),
            server_control.rasa_process(self.settings, endpoints, log_dir),
        ]
        for server in self.servers:
            server.env = {**server.env, **self.env}
        server_control.start_all(self.servers)
        server_control.wait_until_ready(self.servers, START_TIMEOUT_SECONDS)

    def __exit__(self, *exc_info: object) -> None:
        server_control.stop_all(getattr(self, "servers", []))
        if exc_info[0] is None:
            shutil.rmtree(self.work, ignore_errors=True)
        else:
            print(f"bench: servers' logs kept in {self.work / 'log'}", file=sys.stderr)

    def all_processes(self) -> list:
        """The stack's server processes (ServerProcess: name, process)."""
        return list(self.servers)

    @property
    def rasa_url(self) -> str:
        return self.settings.rasa_url

    def _mark_reminders_sent(self) -> None:
        with UnitOfWork(self.engine) as uow:
            queue_due_reminders(uow)
        with UnitOfWork(self.engine) as uow:
            pending = pending_notifications(uow, limit=1000)
        for notification in pending:
            with UnitOfWork(self.engine) as uow:
                mark_notification_sent(uow, notification.id)

    def _probes(self) -> list[Probe]:
        with UnitOfWork(self.engine) as uow:
            iqamas = list(
                uow.session.execute(
                    select(Resident.iqama_number)
                    .join(Establishment, Resident.establishment_id == Establishment.id)
                    .where(Establishment.number == MAIN["number"], Resident.iqama_number.isnot(None))
                    .order_by(Resident.iqama_number)
                    .limit(8)
                ).scalars()
            )
        return [Probe(f"استعلام عن مقيم {number}", number) for number in iqamas] + [
            Probe("كم رصيدنا؟", MAIN["number"]),
            Probe("مين برا المملكة؟", "خارج المملكة"),
            Probe("مرحبا", "أهل"),
        ]

    def add_agents(self, count: int, services: str = AGENT_SERVICES) -> list[int]:
        """Register `count` new agents of the demo establishment; their Telegram ids."""
        ids = [next(self._agent_ids) for _ in range(count)]
        with UnitOfWork(self.engine) as uow:
            for telegram_id in ids:
                add_user(uow, MAIN["number"], telegram_id, "agent", services)
        return ids

    def wait_idle(self, threshold_s: float = 1.0, timeout_s: float = 120.0) -> float:
        """Wait until Rasa answers a message within `threshold_s` (the backlog of an overloaded run is
        worked off); returns the seconds waited."""
        started = time.perf_counter()
        with httpx.Client(timeout=RASA_TIMEOUT_SECONDS) as client:
            while time.perf_counter() - started < timeout_s:
                t0 = time.perf_counter()
                try:
                    client.post(
                        f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": IDLE_PROBE_SENDER, "message": "مرحبا"}
                    )
                    if time.perf_counter() - t0 < threshold_s:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(1)
        return round(time.perf_counter() - started, 1)


# ---------------------------------------------------------------------------------------------
# Through the bot


@dataclass
class Sent:
    """A message injected as an update, and what answered it."""

    probe: Probe
    at: float
    latency_ms: float | None = None
    reply: str | None = None
    fetched_ms: float | None = None  # until getUpdates returned it to the bot

    @property
    def ok(self) -> bool:
        return self.reply is not None and self.probe.expect in self.reply


class TimedTelegram(FakeTelegram):
    """The fake Bot API that matches each chat's sendMessage calls, in order, to the messages awaiting a
    reply in that chat, timing them."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.awaiting: dict[int, deque[Sent]] = defaultdict(deque)
        self.unmatched = 0  # messages sent to a chat with nothing awaiting a reply
        self._unfetched: dict[int, Sent] = {}

    async def send(self, user_id: int, probe: Probe) -> Sent:
        """Make `probe` from `user_id` available to getUpdates, now."""
        sent = Sent(probe, time.perf_counter())
        self.awaiting[user_id].append(sent)
        # push_text does not yield once the update is queued: getUpdates cannot return it unregistered.
        self._unfetched[await self.push_text(user_id, probe.text)] = sent
        return sent

    async def _api_getUpdates(self, params: dict, files: dict) -> Any:
        updates = await super()._api_getUpdates(params, files)
        returned = time.perf_counter()
        for update in updates:
            sent = self._unfetched.pop(update["update_id"], None)
            if sent is not None:
                sent.fetched_ms = (returned - sent.at) * 1000
        return updates

    async def _api_sendMessage(self, params: dict, files: dict) -> Any:
        arrived = time.perf_counter()
        waiting = self.awaiting.get(params.get("chat_id"))
        if waiting:
            sent = waiting.popleft()
            sent.latency_ms = (arrived - sent.at) * 1000
            sent.reply = str(params.get("text"))
        else:
            self.unmatched += 1
        return await super()._api_sendMessage(params, files)


async def _until(condition, timeout: float) -> bool:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def _bot_process(stack: SeededStack, base_url: str, max_send_rate: float | None) -> server_control.ServerProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "MUQEEM_"))}
    env.update(
        stack.env,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_BASE_URL=base_url,
        MUQEEM_RASA_URL=stack.rasa_url,
        MUQEEM_VAR_DIR=str(stack.work / "bot"),
    )
    argv = [MUQEEM, "bot"]
    if max_send_rate is not None:
        env = {**env, "MUQEEM_MAX_SEND_RATE": str(max_send_rate)}
    name = "bot" if max_send_rate is None else f"bot-{max_send_rate:g}"
    return server_control.ServerProcess(
        name=name, argv=argv, ready_url="", env=env, cwd=ROOT, log_path=stack.work / "log" / f"{name}.log"
    )


async def _one_at_a_time(fake: TimedTelegram, user_id: int, probes: list[Probe]) -> dict:
    """Each probe alone: its latency, and that it is answered by exactly one message."""
    sent_all = []
    for probe in probes:
        sent = await fake.send(user_id, probe)
        await _until(lambda sent=sent: sent.reply is not None, REPLY_SECONDS)
        await asyncio.sleep(QUIET_SECONDS)
        sent_all.append(sent)
    answered = [sent.latency_ms for sent in sent_all if sent.ok]
    return {
        "messages": len(sent_all),
        "failures": len(sent_all) - len(answered),
        "extra_messages": fake.unmatched,
        **latency_summary(answered),
        **_fetch_summary(sent_all),
    }


async def _at_rate(fake: TimedTelegram, users: list[int], probes: list[Probe], rate: float, seconds: float) -> dict:
    sent_all: list[Sent] = []
    count = int(rate * seconds)
    start = time.perf_counter()
    for index in range(count):
        await asyncio.sleep(max(0.0, start + index / rate - time.perf_counter()))
        sent_all.append(await fake.send(users[index % len(users)], probes[index % len(probes)]))
    injected_s = time.perf_counter() - start
    await _until(lambda: all(sent.reply is not None for sent in sent_all), DRAIN_SECONDS)
    answered = [sent.latency_ms for sent in sent_all if sent.ok]
    apologies = sum(1 for sent in sent_all if sent.reply == UNAVAILABLE)
    no_reply = sum(1 for sent in sent_all if sent.reply is None)
    return {
        "rate_per_s": rate,
        "achieved_rate_per_s": round(count / (injected_s + 1 / rate), 1),
        "seconds": seconds,
        "users": len(users),
        "messages": count,
        "failures": count - len(answered),
        "apologies": apologies,
        "no_reply_within_s": {"count": no_reply, "drain_s": DRAIN_SECONDS},
        "wrong_reply": count - len(answered) - apologies - no_reply,
        **latency_summary(answered),
        **_fetch_summary(sent_all),
    }


def _fetch_summary(sent_all: list[Sent]) -> dict:
    """How long the updates waited for the bot's getUpdates (part of the latency)."""
    fetched = [sent.fetched_ms for sent in sent_all if sent.fetched_ms is not None]
    return {
        "fetch_p50_ms": round(percentile(fetched, 0.5), 1) if fetched else None,
        "fetch_p99_ms": round(percentile(fetched, 0.99), 1) if fetched else None,
    }


def bench_bot(
    stack: SeededStack,
    *,
    rate: float = 60.0,
    seconds: float = 20.0,
    users: int = 30,
    max_send_rate: float | None = None,
) -> dict:
    """The bot's message-to-reply latency at `rate` messages/second from `users` new agents.

    `max_send_rate` None runs `muqeem bot` as shipped (python-telegram-bot's AIORateLimiter at its
    default overall limit); a number runs it with that overall limit instead.
    """
    agents = stack.add_agents(users + 1)
    lone, agents = agents[0], agents[1:]

    async def run() -> dict:
        fake = TimedTelegram(TOKEN)
        base_url = await fake.start()
        process = _bot_process(stack, base_url, max_send_rate)
        try:
            process.start()
            ready = await _until(
                lambda: bool(fake.calls_of("deleteWebhook")) or process.exit_code() is not None, BOT_READY_SECONDS
            )
            if not ready or process.exit_code() is not None:
                raise RuntimeError(f"the bot did not start polling:\n{process.log_path.read_text()[-3000:]}")
            unloaded = await _one_at_a_time(fake, lone, stack.probes)
            warm = [
                await fake.send(agent, stack.probes[index % len(stack.probes)]) for index, agent in enumerate(agents)
            ]
            await _until(lambda: all(sent.reply is not None for sent in warm), 60)
            loaded = await _at_rate(fake, agents, stack.probes, rate, seconds)
            loaded["unmatched_messages"] = fake.unmatched
            # Every process of the stack after the load: the bot, Rasa, the action server.
            rss = {server.name: rss_megabytes(server.process.pid) for server in [process, *stack.all_processes()]}
            return {"unloaded": unloaded, "loaded": loaded, "rss_mb": rss, "rss_total_mb": round(sum(rss.values()), 1)}
        finally:
            await asyncio.to_thread(server_control.stop_all, [process])
            await fake.stop()

    result = asyncio.run(run())
    result["max_send_rate"] = max_send_rate  # None: as shipped
    result["idle_wait_after_s"] = stack.wait_idle()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=60.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--max-send-rate",
        type=float,
        default=None,
        help="python-telegram-bot's overall send limit (default: the bot as shipped)",
    )
    args = parser.parse_args()
    with SeededStack() as stack:
        result = bench_bot(stack, rate=args.rate, seconds=args.seconds, max_send_rate=args.max_send_rate)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
