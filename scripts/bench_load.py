"""Sustained load on conversations already 200 turns long (SPEC 9.6), used by `scripts/bench.py load`.

20 agents of the seeded demo establishment each first hold a 200-turn conversation (their turns run
side by side), then messages are injected open-loop at 30, 45 and 60 messages/s for 60 s each, round
robin over the agents, over the REST channel (aiohttp client in this process, on the same 2 cores).
The messages cycle through resident look-ups, the account status, the residents-abroad report and a
greeting (SeededStack.probes); a reply must contain what was asked. Per rate: served rate, p50, p99,
failures, CPU milliseconds per message of each server process, and every process's resident memory.

    .venv/bin/python scripts/bench_load.py [--rates 30 45 60] [--seconds 60] [--warm-turns 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

import aiohttp
from bench_bot import RASA_TIMEOUT_SECONDS, SeededStack, latency_summary
from bench_overload import busy_texts

from runtime_stats import cpu_seconds, rss_megabytes

SENDERS = 20
WARM_TURNS = 200
RATES = (30.0, 45.0, 60.0)
SECONDS = 60.0


class Load:
    """Posts probes to the REST channel and keeps latencies of correct replies and failures (busy answers
    among them: the REST channel's answer to more than it can take)."""

    def __init__(self, stack: SeededStack) -> None:
        self.endpoint = f"{stack.rasa_url}/webhooks/rest/webhook"
        self.probes = stack.probes
        self.busy = busy_texts()
        self.latencies: list[float] = []
        self.failures = {"timeout_or_http_error": 0, "empty": 0, "busy": 0, "wrong_reply": 0}

    async def one(self, http: aiohttp.ClientSession, sender: int, index: int) -> str:
        """Send one probe; what became of it: ok or a failure kind."""
        probe = self.probes[index % len(self.probes)]
        started = time.perf_counter()
        try:
            async with http.post(self.endpoint, json={"sender": str(sender), "message": probe.text}) as reply:
                reply.raise_for_status()
                items = await reply.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            kind = "timeout_or_http_error"
        else:
            texts = [str(item.get("text")) for item in items]
            if not items:
                kind = "empty"
            elif any(text in self.busy for text in texts):
                kind = "busy"
            elif not any(probe.expect in text for text in texts):
                kind = "wrong_reply"
            else:
                self.latencies.append((time.perf_counter() - started) * 1000)
                return "ok"
        self.failures[kind] += 1
        return kind


def client() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=RASA_TIMEOUT_SECONDS), connector=aiohttp.TCPConnector(limit=0)
    )


async def warm(stack: SeededStack, senders: list[int], turns: int) -> dict:
    load = Load(stack)

    async def conversation(http, sender):
        for index in range(turns):
            while await load.one(http, sender, index) == "busy":  # the turn must happen: try again
                await asyncio.sleep(0.05)

    started = time.perf_counter()
    async with client() as http:
        await asyncio.gather(*(conversation(http, sender) for sender in senders))
    return {
        "turns_per_sender": turns,
        "seconds": round(time.perf_counter() - started, 1),
        "failures": sum(load.failures.values()) - load.failures["busy"],
        "busy_retried": load.failures["busy"],
    }


async def at_rate(stack: SeededStack, senders: list[int], rate: float, seconds: float) -> dict:
    load = Load(stack)
    pids = {server.name: server.process.pid for server in stack.all_processes()}
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    count = int(rate * seconds)
    async with client() as http:
        tasks = []
        started = time.perf_counter()
        for index in range(count):
            await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(load.one(http, senders[index % len(senders)], index)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - started
    return {
        "rate_per_s": rate,
        "seconds": seconds,
        "messages": count,
        "served_per_s": round(len(load.latencies) / elapsed, 1),
        "failures": sum(load.failures.values()),
        "failure_kinds": load.failures,
        **latency_summary(load.latencies),
        "cpu_ms_per_message": {
            name: round((cpu_seconds(pid) - cpu_before[name]) * 1000 / count, 1) for name, pid in pids.items()
        },
        "rss_mb": {name: rss_megabytes(pid) for name, pid in pids.items()},
    }


def bench_load(stack: SeededStack, rates=RATES, seconds: float = SECONDS, warm_turns: int = WARM_TURNS) -> dict:
    senders = stack.add_agents(SENDERS)
    warm_up = asyncio.run(warm(stack, senders, warm_turns))
    runs = []
    for rate in rates:
        stack.wait_idle()
        runs.append(asyncio.run(at_rate(stack, senders, rate, seconds)))
    return {"senders": SENDERS, "warm_up": warm_up, "runs": runs}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", type=float, nargs="+", default=list(RATES))
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--warm-turns", type=int, default=WARM_TURNS)
    arguments = parser.parse_args()
    with SeededStack() as stack:
        print(json.dumps(bench_load(stack, arguments.rates, arguments.seconds, arguments.warm_turns), indent=1))
