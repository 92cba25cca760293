"""`make bench`: every speed figure of SPEC section 8, written to results/bench.md and results/bench.json.

Parts (each also runnable alone: `python scripts/bench.py domain|nlu|rest|bot|train ...`):
- domain: resident look-up, name search and the expiring report on 100,000 residents (scripts/bench_domain.py).
- nlu: model load time (Agent.load) and NLU parse p50/p95 of the trained model (models/).
- rest: message-to-reply latency through Rasa's REST channel, Rasa and the action server, at 60 messages/second
  from 30 agents of the seeded demo establishment (a fresh SQLite database), p50/p99; and one message at a time.
- bot: the same through the real `muqeem bot` process and the fake Telegram Bot API (scripts/bench_bot.py),
  as shipped (python-telegram-bot's overall send limit, Telegram's 30/s) and with that limit raised.
- conversation: one conversation of 1000 turns (scripts/bench_conversation.py), in-memory and PostgreSQL
  tracker store: p50 of the last 100 turns over the first 100, CPU ms per turn per server process.
- load: 20 senders 200 turns into their conversations, then 30, 45 and 60 messages/s for 60 s each
  (scripts/bench_load.py): served rate, p50, p99, failures, CPU ms per message and RSS per process.
- overload: 100 messages/s for 10 s over the REST channel from 50 new agents (scripts/bench_overload.py): answered,
  busy answers, resets, timeouts.
- memory: resident memory of every process (`muqeem servers`: supervisor, action server, Rasa; `muqeem bot`) right
  after start, after messages through the bot and after load on an establishment of 100,000 residents
  (scripts/bench_memory.py).
- train: `rasa train` from scratch (empty training cache) into a temporary directory; models/ is not touched.
- passport: one passport photo read (frontends/passport/passport_ocr.py) at 1100 and 3000 pixels, and the share of the
  synthetic test pages read correctly (scripts/bench_passport.py).
rest and bot share one running stack (new agents, so new conversations, for each run). A part run alone
replaces its own section of results/bench.json; results/bench.md is rewritten from the whole file.
`--baseline COMMIT` records the parts as the figures before a change (the code under test being COMMIT's,
e.g. PYTHONPATH pointing at an export of it), shown beside the current ones.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from bench_bot import RASA_TIMEOUT_SECONDS, SeededStack, bench_bot, latency_summary
from bench_conversation import bench_conversation
from bench_passport import bench_passport
from bench_passport import report_lines as passport_report
from bench_load import bench_load
from bench_memory import bench_memory
from bench_overload import bench_overload
from train_if_changed import train_command

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
os.environ["RASA_TELEMETRY_ENABLED"] = "false"

PARTS = ["domain", "bulk", "nlu", "rest", "bot", "conversation", "load", "overload", "memory", "train", "passport"]
LOAD_RATE = 60.0  # messages/second: twice Telegram's overall send limit (SPEC section 8)
LOAD_SECONDS = 20.0
LOAD_USERS = 30
SATURATION_SECONDS = 10.0
LONG_CONVERSATION = 120  # messages of one user, one at a time
LONG_CONVERSATION_WINDOW = 20  # p50 of the first and of the last this many
RAISED_SEND_RATE = 1000.0  # python-telegram-bot's overall limit in the "raised" bot run: far above LOAD_RATE
TRAIN_TIMEOUT_SECONDS = 900

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


def conditions() -> dict:
    """When, and how busy the machine was, as a part starts."""
    return {"measured_at": time.strftime("%Y-%m-%d %H:%M"), "load_average": [round(x, 2) for x in os.getloadavg()]}


def bench_nlu(runs: int = 400) -> dict:
    """Import Rasa, load the trained model (Agent.load) and time NLU parses (milliseconds)."""
    started = time.perf_counter()
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    imported = time.perf_counter()
    configure_structlog(logging.WARNING)  # else every parse is logged
    from runtime.servers import find_model

    model = find_model(ROOT / "models")
    loading = time.perf_counter()
    agent = Agent.load(str(model))
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
        "model_load_s": round(loaded - loading, 2),
        "parse_p50_ms": round(statistics.median(times), 2),
        "parse_p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))], 2),
        "runs": runs,
    }


def bench_rest(
    stack: SeededStack, rate: float = LOAD_RATE, seconds: float = LOAD_SECONDS, users: int = LOAD_USERS
) -> dict:
    """Message-to-reply latency over the REST channel: one message at a time, at `rate` messages/second,
    the throughput when saturated, and how one long conversation slows down."""
    endpoint = f"{stack.rasa_url}/webhooks/rest/webhook"
    probes = stack.probes

    class Run:
        """Latencies of correct replies and failures by kind, of one run."""

        def __init__(self) -> None:
            self.latencies: list[float] = []
            self.failures = {"timeout_or_http_error": 0, "empty": 0, "wrong_reply": 0}

        async def one(self, client: aiohttp.ClientSession, sender: int, index: int) -> None:
            probe = probes[index % len(probes)]
            t0 = time.perf_counter()
            try:
                async with client.post(endpoint, json={"sender": str(sender), "message": probe.text}) as reply:
                    reply.raise_for_status()
                    items = await reply.json()
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                self.failures["timeout_or_http_error"] += 1
                return
            elapsed = (time.perf_counter() - t0) * 1000
            if not items:
                self.failures["empty"] += 1
            elif not any(probe.expect in str(item.get("text")) for item in items):
                self.failures["wrong_reply"] += 1
            else:
                self.latencies.append(elapsed)

        def summary(self, messages: int) -> dict:
            return {
                "messages": messages,
                "failures": sum(self.failures.values()),
                "failure_kinds": self.failures,
                **latency_summary(self.latencies),
            }

    def client() -> aiohttp.ClientSession:
        # aiohttp rather than httpx: less CPU in this process, which shares the 2 cores with the servers.
        return aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=RASA_TIMEOUT_SECONDS), connector=aiohttp.TCPConnector(limit=0)
        )

    async def one_at_a_time(sender: int, count: int) -> Run:
        run = Run()
        async with client() as http:
            for index in range(count):
                await run.one(http, sender, index)
        return run

    async def at_rate(agents: list[int]) -> dict:
        run = Run()
        async with client() as http:
            await asyncio.gather(*(Run().one(http, agent, index) for index, agent in enumerate(agents)))  # warm-up
            tasks = []
            count = int(rate * seconds)
            start = time.perf_counter()
            for index in range(count):
                await asyncio.sleep(max(0.0, start + index / rate - time.perf_counter()))
                tasks.append(asyncio.create_task(run.one(http, agents[index % len(agents)], index)))
            injected_s = time.perf_counter() - start
            await asyncio.gather(*tasks)
        return {
            "rate_per_s": rate,
            "achieved_rate_per_s": round(count / (injected_s + 1 / rate), 1),
            "seconds": seconds,
            "users": len(agents),
            **run.summary(count),
        }

    async def saturated(agents: list[int]) -> dict:
        """Each agent sends its next message as soon as the last is answered, for SATURATION_SECONDS."""
        run = Run()
        deadline = time.perf_counter() + SATURATION_SECONDS

        async def agent_loop(http: aiohttp.ClientSession, agent: int, offset: int) -> int:
            sent = 0
            while time.perf_counter() < deadline:
                await run.one(http, agent, offset + sent)
                sent += 1
            return sent

        started = time.perf_counter()
        async with client() as http:
            counts = await asyncio.gather(*(agent_loop(http, agent, i) for i, agent in enumerate(agents)))
        elapsed = time.perf_counter() - started
        return {
            "users": len(agents),
            "seconds": round(elapsed, 1),
            "throughput_per_s": round(len(run.latencies) / elapsed, 1),
            **run.summary(sum(counts)),
        }

    unloaded = asyncio.run(one_at_a_time(stack.add_agents(1)[0], len(probes))).summary(len(probes))
    loaded = asyncio.run(at_rate(stack.add_agents(users)))
    idle_wait = stack.wait_idle()
    saturation = asyncio.run(saturated(stack.add_agents(users)))
    stack.wait_idle()
    long_run = asyncio.run(one_at_a_time(stack.add_agents(1)[0], LONG_CONVERSATION))
    head, tail = long_run.latencies[:LONG_CONVERSATION_WINDOW], long_run.latencies[-LONG_CONVERSATION_WINDOW:]
    long_conversation = {
        "messages": LONG_CONVERSATION,
        "failures": sum(long_run.failures.values()),
        "first_p50_ms": round(statistics.median(head), 1) if head else None,
        "last_p50_ms": round(statistics.median(tail), 1) if tail else None,
        "window": LONG_CONVERSATION_WINDOW,
    }
    return {
        "unloaded": unloaded,
        "loaded": loaded,
        "idle_wait_after_s": idle_wait,
        "saturated": saturation,
        "long_conversation": long_conversation,
    }


def bench_bot_both(stack: SeededStack) -> dict:
    """The bot as shipped, then with python-telegram-bot's overall send limit raised."""
    return {
        "as_shipped": bench_bot(stack, rate=LOAD_RATE, seconds=LOAD_SECONDS, users=LOAD_USERS),
        "raised_send_limit": bench_bot(
            stack, rate=LOAD_RATE, seconds=LOAD_SECONDS, users=LOAD_USERS, max_send_rate=RAISED_SEND_RATE
        ),
    }


def bench_train() -> dict:
    """`rasa train` (what `make train` runs) from scratch: fresh output directory and training cache."""
    work = Path(tempfile.mkdtemp(prefix="muqeem-bench-train-"))
    command = train_command(ROOT)
    out = command.index("--out") + 1
    shown = " ".join(["rasa", *command[1:out], "<tmp>", *command[out + 1 :]])
    command[out] = str(work / "models")
    env = {**os.environ, "RASA_CACHE_DIRECTORY": str(work / "cache"), "TF_CPP_MIN_LOG_LEVEL": "2"}
    try:
        started = time.perf_counter()
        finished = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TRAIN_TIMEOUT_SECONDS,
            check=False,
        )
        seconds = round(time.perf_counter() - started, 1)
        if finished.returncode != 0:
            raise RuntimeError(f"rasa train failed:\n{finished.stderr[-3000:]}")
        return {"train_s": seconds, "command": shown}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench_domain() -> dict:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_domain.py")], check=True, cwd=ROOT)
    return json.loads((RESULTS / "bench_domain.json").read_text())


def bench_bulk() -> dict:
    subprocess.run([sys.executable, str(ROOT / "scripts" / "bench_bulk.py")], check=True, cwd=ROOT)
    return json.loads((RESULTS / "bench_bulk.json").read_text())


# ---------------------------------------------------------------------------------------------
# The report


def _ms(value) -> str:
    return "–" if value is None else f"{value:g} ms"


def _met(value, limit) -> str:
    return "no" if value is None or value >= limit else "yes"


def _when(part: dict) -> str:
    load = part.get("conditions", {})
    return f"Measured {load.get('measured_at', '?')}, load average at the start {load.get('load_average', '?')}."


def _per_process(figures: dict) -> str:
    """ "actions 6.1, Rasa 13.9": one figure per server process."""
    return ", ".join(f"{name} {value:g}" for name, value in figures.items())


def _latency_rows(label: str, run: dict) -> list[str]:
    unloaded, loaded = run["unloaded"], run["loaded"]
    met = loaded["failures"] == 0 and _met(loaded["p50_ms"], 100) == _met(loaded["p99_ms"], 400) == "yes"
    return [
        (
            f"| {label}, one message at a time | {unloaded['messages']} | {unloaded['failures']} "
            f"| {_ms(unloaded['p50_ms'])} | {_ms(unloaded['p99_ms'])} | | |"
        ),
        (
            f"| {label}, {loaded['rate_per_s']:g}/s (achieved {loaded['achieved_rate_per_s']:g}/s) for {loaded['seconds']:g} s "
            f"from {loaded['users']} users | {loaded['messages']} | {loaded['failures']} | {_ms(loaded['p50_ms'])} "
            f"| {_ms(loaded['p99_ms'])} | p50 < 100 ms, p99 < 400 ms, no failure "
            f"| {'yes' if met else 'no'} |"
        ),
    ]


def report(results: dict) -> str:
    machine = results.get("machine", {})
    lines = [
        "# Benchmarks (`make bench`)",
        "",
        (
            f"Machine: {machine.get('cpus')} CPU cores ({machine.get('cpu')}), {machine.get('platform')}. "
            f"Run started {machine.get('started')} with load average {machine.get('load_average')}: other work "
            "(other engineers' tests, trainings, evaluations) may have been running on the same 2 cores, and each "
            "part notes the load average at its start. Busy processes at the start (CPU % over their lifetime): "
            f"{'; '.join(machine.get('busy_processes') or ['none'])}. Regenerate with `make bench` "
            "(or `.venv/bin/python scripts/bench.py PART ...`)."
        ),
        "",
    ]
    if "nlu" in results:
        n = results["nlu"]
        lines += [
            "## NLU (in process, models/muqeem.tar.gz)",
            "",
            _when(n),
            "",
            "| figure | measured | target | met |",
            "|---|---|---|---|",
            f"| model load (Agent.load) | {n['model_load_s']} s | < 15 s | {_met(n['model_load_s'], 15)} |",
            f"| import of rasa before it (once per process) | {n['import_rasa_s']} s | | |",
            f"| parse p50 ({n['runs']} parses) | {n['parse_p50_ms']} ms | < 15 ms | {_met(n['parse_p50_ms'], 15)} |",
            f"| parse p95 | {n['parse_p95_ms']} ms | | |",
            "",
        ]
        if "servers_ready_s" in results:
            lines += [
                (
                    "Starting the action server and the Rasa server until both answer (`muqeem servers`: each "
                    f"process imports its libraries, Rasa loads the model): {results['servers_ready_s']} s."
                ),
                "",
            ]
    if "train" in results:
        t = results["train"]
        lines += [
            "## Training from scratch",
            "",
            _when(t) + f" Command: `{t['command']}` with an empty training cache (RASA_CACHE_DIRECTORY) "
            "into a temporary directory.",
            "",
            "| figure | measured | target | met |",
            "|---|---|---|---|",
            f"| full training (NLU + dialogue) | {t['train_s']} s | < 300 s | {_met(t['train_s'], 300)} |",
            "",
        ]
    if "rest" in results or "bot" in results:
        lines += [
            "## Message to reply",
            "",
            (
                "A fresh SQLite database with the demo establishment; the real action server and Rasa server (in-memory "
                "tracker store, as `muqeem servers` by default). Messages cycle through 8 resident look-ups, the "
                "account status, the residents-abroad report and a greeting, each answered by one message; a reply "
                "must contain what was asked (else it is a failure). Latencies are of correct replies only. "
                "Through the REST channel: HTTP request to response, client timeout 10 s in all. Through the bot: "
                "from the update becoming available to getUpdates of the fake Telegram Bot API until the bot's "
                "first sendMessage to that chat; the bot's Rasa client gives up after 10 s without an answer and "
                "apologises (a failure)."
            ),
            "",
        ]
        if "rest" in results:
            r = results["rest"]
            lines += [
                "### REST channel -> Rasa -> actions -> database",
                "",
                _when(r),
                "",
                "| run | messages | failures | p50 | p99 | target | met |",
                "|---|---|---|---|---|---|---|",
                *_latency_rows("REST", r),
                "",
                f"Failures at load: {r['loaded']['failure_kinds']}.",
                "",
                "Capacity, for reading the figures above (no target of its own):",
                "",
                "| run | messages | failures | figure |",
                "|---|---|---|---|",
                (
                    f"| saturated: {r['saturated']['users']} new users, each sending its next message as soon as the "
                    f"last is answered, {r['saturated']['seconds']:g} s | {r['saturated']['messages']} "
                    f"| {r['saturated']['failures']} | {r['saturated']['throughput_per_s']:g} correct replies/s "
                    f"(p50 {_ms(r['saturated']['p50_ms'])}) |"
                ),
                (
                    f"| one conversation of {r['long_conversation']['messages']} messages, one at a time "
                    f"| {r['long_conversation']['messages']} | {r['long_conversation']['failures']} "
                    f"| p50 of the first {r['long_conversation']['window']}: {_ms(r['long_conversation']['first_p50_ms'])}, "
                    f"of the last {r['long_conversation']['window']}: {_ms(r['long_conversation']['last_p50_ms'])} |"
                ),
                "",
            ]
        if "bot" in results:
            b = results["bot"]
            shipped, raised = b["as_shipped"], b["raised_send_limit"]
            lines += [
                "### Telegram (fake Bot API) -> `muqeem bot` -> REST channel -> Rasa -> actions -> database",
                "",
                _when(b),
                "",
                (
                    '"As shipped": `muqeem bot` as is; its AIORateLimiter caps all sends at 30 messages/second '
                    "(Telegram's overall limit), so 60 messages/second cannot all be answered at once by design. "
                    f"\"Raised\": the same CLI with MUQEEM_MAX_SEND_RATE={raised['max_send_rate']:g}, the bot's own capacity without Telegram's limit."
                ),
                "",
                "| run | messages | failures | p50 | p99 | target | met |",
                "|---|---|---|---|---|---|---|",
                *_latency_rows("as shipped (30/s send limit)", shipped),
                *_latency_rows(f"raised send limit ({raised['max_send_rate']:g}/s)", raised),
                "",
            ]
            for label, run in (("as shipped", shipped), ("raised", raised)):
                loaded = run["loaded"]
                lines.append(
                    f"Failures at load, {label}: {loaded['apologies']} apologies (Rasa not answering within 10 s), "
                    f"{loaded['no_reply_within_s']['count']} without a reply {loaded['no_reply_within_s']['drain_s']} s "
                    f"after the last message, {loaded['wrong_reply']} wrong replies; "
                    f"{loaded['unmatched_messages']} messages the bot sent that answered nothing. Time the updates "
                    f"waited for the bot's getUpdates: p50 {_ms(loaded.get('fetch_p50_ms'))}, "
                    f"p99 {_ms(loaded.get('fetch_p99_ms'))}."
                )
            if "rss_mb" in shipped:
                lines.append(
                    f"Resident memory of every process of the stack after the load (as shipped): "
                    f"{_per_process(shipped['rss_mb'])}; total {shipped['rss_total_mb']:g} MB (target < 1000 MB)."
                )
            saturated = results.get("rest", {}).get("saturated", {}).get("throughput_per_s")
            if saturated is not None and saturated < shipped["loaded"]["rate_per_s"]:
                lines.append(
                    f"Reading: Rasa and the action server answered at most {saturated:g} messages/s when saturated "
                    "(REST, above), less than the rate offered; messages queue in each chat (the bot handles a "
                    "chat's messages in order) and the latency grows through the run, so the send limit is not "
                    "what binds here."
                )
            lines.append("")
    if "conversation" in results:
        c = results["conversation"]
        lines += [
            "## A conversation's cost against its length (SPEC 9.6)",
            "",
            _when(c) + " One agent, one message at a time: a renewal quote, then «الغي», again and again.",
            "",
            "| tracker store | turns | p50 first 100 | p50 last 100 | ratio | target | met | CPU ms/turn (last 100) | RSS MB |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for run in c["runs"]:
            cpu, rss = _per_process(run["cpu_ms_per_turn_last"]), _per_process(run["rss_mb"])
            lines.append(
                f"| {run['store']} | {run['turns']} | {_ms(run['first_p50_ms'])} | {_ms(run['last_p50_ms'])} "
                f"| {run['ratio']:g} | <= 1.2 | {'yes' if run['ratio'] <= 1.2 else 'no'} | {cpu} | {rss} |"
            )
        lines += _baseline_line(results.get("conversation_baseline"), _conversation_figures)
        lines.append("")
    if "load" in results:
        lo = results["load"]
        lines += [
            "## Sustained load on long conversations (SPEC 9.6)",
            "",
            _when(lo)
            + (
                f" {lo['senders']} agents, each first {lo['warm_up']['turns_per_sender']} turns into its "
                f"conversation ({lo['warm_up']['seconds']:g} s, {lo['warm_up']['failures']} failures); then "
                "open-loop injection over the REST channel, load generator on the same 2 cores, in-memory "
                "tracker store."
            ),
            "",
            "| offered | served | messages | failures | p50 | p99 | target | met | CPU ms/message | RSS MB |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for run in lo["runs"]:
            met = run["failures"] == 0 and _met(run["p50_ms"], 100) == _met(run["p99_ms"], 400) == "yes"
            cpu, rss = _per_process(run["cpu_ms_per_message"]), _per_process(run["rss_mb"])
            lines.append(
                f"| {run['rate_per_s']:g}/s for {run['seconds']:g} s | {run['served_per_s']:g}/s | {run['messages']} "
                f"| {run['failures']} | {_ms(run['p50_ms'])} | {_ms(run['p99_ms'])} | p50 < 100 ms, p99 < 400 ms "
                f"| {'yes' if met else 'no'} | {cpu} | {rss} (total {sum(run['rss_mb'].values()):g}) |"
            )
        lines += _baseline_line(results.get("load_baseline"), _load_figures)
        lines.append("")
    if "overload" in results:
        lines += overload_report(results["overload"], results.get("overload_baseline"))
    if "memory" in results:
        lines += memory_report(results["memory"], results.get("memory_baseline"))
    if "passport" in results:
        lines += passport_report(results["passport"], _when(results["passport"]))
    if "domain" in results:
        d = results["domain"]
        lines += [
            "## Domain (100,000 residents in one establishment)",
            "",
            (
                f"Measured by scripts/bench_domain.py (details: results/bench_domain.md), load average at its start "
                f"{d.get('load_average')}. Each call in its own unit of work, including authorisation."
            ),
            "",
            "| database | call | p50 | p95 | target | met |",
            "|---|---|---|---|---|---|",
        ]
        for database in ("sqlite", "postgresql"):
            for call, label in (("resident_card", "resident look-up"), ("search_residents", "name search")):
                figures = d.get(database, {}).get(call)
                if figures:
                    lines.append(
                        f"| {database} | {label} | {figures['p50_ms']} ms | {figures['p95_ms']} ms "
                        f"| p50 < 20 ms | {_met(figures['p50_ms'], 20)} |"
                    )
        lines.append("")
    if "bulk" in results:
        b = results["bulk"]
        lines += [
            "## Bulk requests (1000 residents, SPEC 9.6)",
            "",
            _when(b) + " Measured by scripts/bench_bulk.py through the domain functions, one process: the combined "
            "quote of 1000 renewals by iqama number (median of 3), then their execution, each resident in its own "
            "database transaction, then the same confirmation again (every resident replayed, nothing charged). "
            "The run checks 1000 transactions and the balance down by exactly the quoted total.",
            "",
            "| database | quote 1000 | target | met | execute 1000 | target | met | confirmation again |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for database in ("sqlite", "postgresql"):
            f = b.get(database)
            if f:
                lines.append(
                    f"| {database} | {f['quote_s']} s | < 2 s | {_met(f['quote_s'], 2)} | {f['execute_s']} s | < 60 s "
                    f"| {_met(f['execute_s'], 60)} | {f['replay_s']} s |"
                )
        lines.append("")
    return "\n".join(lines)


def _load_figures(run: dict) -> str:
    return (
        f"{run['rate_per_s']:g}/s: served {run['served_per_s']:g}/s, p50 {_ms(run['p50_ms'])}, p99 {_ms(run['p99_ms'])}, "
        f"{run['failures']} failures"
    )


def _conversation_figures(run: dict) -> str:
    return (
        f"{run['store']}: p50 {_ms(run['first_p50_ms'])} -> {_ms(run['last_p50_ms'])} over {run['turns']} turns, "
        f"ratio {run['ratio']:g}"
    )


def _baseline_line(baseline: dict | None, figures) -> list[str]:
    """The same part measured before a change (bench.py --baseline), in one line."""
    if not baseline:
        return []
    runs = "; ".join(figures(run) for run in baseline["runs"])
    return ["", f"Before ({baseline.get('commit', '?')}; {_when(baseline)}): {runs}."]


def _overload_row(run: dict, label: str) -> str:
    answered, busy = run["answered_latency"], run["busy_latency"]
    return (
        f"| {label} | {run['answered']} | {run['busy']} | {run['reset']} | {run['timeout']} "
        f"| {run['other'] + run['http_errors']} | {_ms(answered['p50_ms'])} / {_ms(answered['p99_ms'])} "
        f"| {_ms(busy['p50_ms'])} / {_ms(busy['p99_ms'])} | {run['conditions']['load_average']} |"
    )


def overload_report(run: dict, baseline: dict | None) -> list[str]:
    lines = [
        "## Overload over the REST channel (issue 24)",
        "",
        _when(run)
        + (
            f" {run['rate_per_s']:g} messages/s for {run['seconds']:g} s ({run['messages']} messages) from "
            f"{run['senders']} new agents, open loop, SeededStack's probes; client timeout 30 s. Past the bound on "
            "the messages in Rasa at once the REST channel answers at once with a short busy answer."
        ),
        "",
        "| run | answered | busy answers | resets | timeouts | other | answered p50 / p99 | busy p50 / p99 "
        "| load average |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    if baseline:
        lines.append(_overload_row(baseline, f"before ({baseline.get('commit', '?')})"))
    lines.append(_overload_row(run, "now"))
    return [*lines, ""]


MEMORY_PHASES = (
    ("after_start", "right after start"),
    ("after_bot", "after the bot's messages"),
    ("after_load", "after load"),
)


def _memory_rows(run: dict, label: str) -> list[str]:
    return [
        f"| {label} {phase} | "
        + " | ".join(f"{run[key].get(name, 0):g}" for name in ("supervisor", "actions", "Rasa", "bot"))
        + f" | **{run[key]['total']:g}** |"
        for key, phase in MEMORY_PHASES
    ]


def memory_report(run: dict, baseline: dict | None) -> list[str]:
    lines = [
        "## Memory of the whole stack (SPEC 9.6, 10.6)",
        "",
        _when(run)
        + (
            f" `muqeem servers` and `muqeem bot` (fake Telegram Bot API) on the demo establishment and one of "
            f"{run['residents']:,} residents; resident memory (RSS, MB) of each process from /proc. The bot's "
            f"phase: {run['bot']['messages']} messages at {run['bot']['rate_per_s']:g}/s ({run['bot']['failures']} "
            f"failures). The load: {run['load']['senders']} agents of the big establishment each asking at once for "
            "the expiring-iqamas report (about 10,000 rows: chart, CSV), a name search and a bulk quote "
            f"({run['load']['big_answers_s']:g} s), then {run['load']['rate_per_s']:g} messages/s for "
            f"{run['load']['seconds']:g} s: {run['load']['answered']} answered, {run['load'].get('busy', '?')} busy, "
            f"{run['load']['failed']} failed (timeouts of an overloaded machine count here), p50 "
            f"{_ms(run['load']['p50_ms'])}."
        ),
        "",
        "| stack | supervisor | action server | Rasa | bot | total (target < 1000, aim 700) |",
        "|---|---|---|---|---|---|",
    ]
    if baseline:
        lines += _memory_rows(baseline, f"before ({baseline.get('commit', '?')}),")
    lines += _memory_rows(run, "now,")
    if baseline:
        lines += [
            "",
            f"Before: {_when(baseline)} Its load: {baseline['load']['answered']} answered, "
            f"{baseline['load']['failed']} failed, p50 {_ms(baseline['load']['p50_ms'])}.",
        ]
    return [*lines, ""]


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "platform": f"{platform.system()} {platform.machine()}, Python {platform.python_version()}",
        "started": time.strftime("%Y-%m-%d %H:%M"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "busy_processes": busy_processes(),
    }


def busy_processes(threshold: float = 20.0) -> list[str]:
    """Other processes using more than `threshold` % CPU (ps: averaged over each one's lifetime)."""
    listing = subprocess.run(["ps", "-eo", "pid=,pcpu=,args="], capture_output=True, text=True, check=False).stdout
    busy = []
    for line in listing.splitlines():
        pid, cpu, command = line.split(None, 2)
        if int(pid) != os.getpid() and float(cpu) > threshold:
            busy.append(f"{float(cpu):g}% {command[:80]}")
    return busy


def main(parts: list[str]) -> None:
    baseline = None
    if "--baseline" in parts:
        at = parts.index("--baseline")
        baseline, parts = parts[at + 1], parts[:at] + parts[at + 2 :]
    parts = parts or PARTS
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise SystemExit(f"unknown part(s) {unknown}; parts: {' '.join(PARTS)}")
    existing = RESULTS / "bench.json"
    results: dict = json.loads(existing.read_text()) if existing.exists() else {}
    results["machine"] = machine()

    def record(part: str, measure) -> None:
        print(f"== bench {part}", file=sys.stderr, flush=True)
        started = conditions()
        key = part if baseline is None else f"{part}_baseline"
        results[key] = {**measure(), "conditions": started, **({"commit": baseline} if baseline else {})}
        print(json.dumps(results[key], ensure_ascii=False), file=sys.stderr, flush=True)

    for part in ("domain", "bulk", "nlu"):
        if part in parts:
            record(part, {"domain": bench_domain, "bulk": bench_bulk, "nlu": bench_nlu}[part])
    if "rest" in parts or "bot" in parts:
        with SeededStack() as stack:
            results["servers_ready_s"] = stack.start_seconds
            if "rest" in parts:
                record("rest", lambda: bench_rest(stack))
            if "bot" in parts:
                record("bot", lambda: bench_bot_both(stack))
    if "conversation" in parts:
        record("conversation", lambda: {"runs": [bench_conversation(store) for store in ("memory", "postgresql")]})
    if "load" in parts:
        with SeededStack() as stack:
            record("load", lambda: bench_load(stack))
    if "overload" in parts:
        with SeededStack() as stack:
            record("overload", lambda: bench_overload(stack))
    if "memory" in parts:
        record("memory", bench_memory)
    if "train" in parts:
        record("train", bench_train)
    if "passport" in parts:
        record("passport", bench_passport)
    RESULTS.mkdir(exist_ok=True)
    existing.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "bench.md").write_text(report(results))
    print((RESULTS / "bench.md").read_text())


if __name__ == "__main__":
    main(sys.argv[1:])
