"""More messages than the stack can answer (issue 24 item 9), used by `scripts/bench.py overload`.

SeededStack (the demo establishment, the real servers, in-memory tracker store); SENDERS new agents send
RATE messages/s for SECONDS s over the REST channel, open loop (aiohttp, no connection limit), the probes
of SeededStack round robin. Each message ends as one of: answered (the reply contains what was asked),
busy (the REST channel's short "busy, try again in a moment", in either language), another answer (wrong
or empty), a reset (the connection refused, reset or closed without an answer), a timeout (no answer in
TIMEOUT_SECONDS) or another HTTP error. Latency p50/p99 of the answered and of the busy answers.

    .venv/bin/python scripts/bench_overload.py [--rate 100] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter

import aiohttp
from bench_bot import SeededStack, latency_summary

from runtime import rest_channel
from replies import _, language

RATE = 100.0
SECONDS = 10.0
SENDERS = 50
TIMEOUT_SECONDS = 30.0


def busy_texts() -> set[str]:
    """The busy answer in every language (none before the channel had one)."""
    busy = getattr(rest_channel, "BUSY", None)
    if busy is None:
        return set()
    texts = set()
    for code in ("ar", "en"):
        with language(code):
            texts.add(_(busy))
    return texts


class Overload:
    """Messages posted open loop, and how each ended."""

    def __init__(self, stack: SeededStack) -> None:
        self.endpoint = f"{stack.rasa_url}/webhooks/rest/webhook"
        self.probes = stack.probes
        self.busy = busy_texts()
        self.outcomes: Counter[str] = Counter()
        self.latencies: dict[str, list[float]] = {"answered": [], "busy": []}

    def outcome(self, index: int, items: object) -> str:
        texts = [str(item.get("text")) for item in items] if isinstance(items, list) else []
        if any(text in self.busy for text in texts):
            return "busy"
        return "answered" if any(self.probes[index % len(self.probes)].expect in text for text in texts) else "other"

    async def one(self, http: aiohttp.ClientSession, sender: int, index: int) -> None:
        probe = self.probes[index % len(self.probes)]
        started = time.perf_counter()
        try:
            async with http.post(self.endpoint, json={"sender": str(sender), "message": probe.text}) as reply:
                if reply.status != 200:
                    self.outcomes[f"http_{reply.status}"] += 1
                    return
                items = await reply.json()
        except asyncio.TimeoutError:
            self.outcomes["timeout"] += 1
            return
        except aiohttp.ClientError:
            self.outcomes["reset"] += 1
            return
        kind = self.outcome(index, items)
        self.outcomes[kind] += 1
        if kind in self.latencies:
            self.latencies[kind].append((time.perf_counter() - started) * 1000)

    async def run(self, senders: list[int], rate: float, seconds: float) -> None:
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as http:
            tasks = []
            started = time.perf_counter()
            for index in range(int(rate * seconds)):
                await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
                tasks.append(asyncio.create_task(self.one(http, senders[index % len(senders)], index)))
            await asyncio.gather(*tasks)


def bench_overload(stack: SeededStack, rate: float = RATE, seconds: float = SECONDS) -> dict:
    overload = Overload(stack)
    asyncio.run(overload.run(stack.add_agents(SENDERS), rate, seconds))
    outcomes = {kind: overload.outcomes.get(kind, 0) for kind in ("answered", "busy", "other", "reset", "timeout")}
    return {
        "rate_per_s": rate,
        "seconds": seconds,
        "senders": SENDERS,
        "messages": int(rate * seconds),
        **outcomes,
        "http_errors": sum(count for kind, count in overload.outcomes.items() if kind.startswith("http_")),
        "answered_latency": latency_summary(overload.latencies["answered"]),
        "busy_latency": latency_summary(overload.latencies["busy"]),
        "idle_wait_after_s": stack.wait_idle(),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=RATE)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    arguments = parser.parse_args()
    with SeededStack() as stack:
        print(json.dumps(bench_overload(stack, arguments.rate, arguments.seconds), indent=1))
