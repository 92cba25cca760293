"""`muqeem servers`: the generated endpoints (memory vs PostgreSQL + Redis), what Rasa builds from
them, and the supervision of the two child processes (with stand-in servers, no model needed)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import yaml

from runtime.servers import (
    LOCK_STORE_PASSWORD_VARIABLE,
    PROJECT_ROOT,
    TRACKER_STORE_PASSWORD_VARIABLE,
    ServerProcess,
    ServersError,
    ServerSettings,
    child_environment,
    supervise,
    write_endpoints_file,
)
from tests.loopback import MUQEEM, free_port

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"


def settings_for(tmp_path: Path, **env: str) -> ServerSettings:
    return ServerSettings.from_env({"MUQEEM_VAR_DIR": str(tmp_path), **env})


def generated(settings: ServerSettings) -> dict:
    return yaml.safe_load(write_endpoints_file(settings).read_text(encoding="utf-8"))


def test_default_endpoints_keep_everything_in_memory(tmp_path):
    settings = settings_for(tmp_path, MUQEEM_ACTIONS_PORT="6123", MUQEEM_RASA_PORT="6124")
    path = write_endpoints_file(settings)
    assert path == tmp_path / "endpoints-6124.yml"
    assert yaml.safe_load(path.read_text()) == {
        "action_endpoint": {"url": "http://127.0.0.1:6123/webhook", "token": "${MUQEEM_HOP_TOKEN}"}
    }


def test_store_urls_become_sql_tracker_store_and_redis_lock_store(tmp_path):
    settings = settings_for(
        tmp_path,
        MUQEEM_TRACKER_STORE_URL="postgresql://postgres@127.0.0.1:5432/test",
        MUQEEM_LOCK_STORE_URL="redis://127.0.0.1:6379/0",
    )
    endpoints = generated(settings)
    assert endpoints["action_endpoint"] == {"url": "http://127.0.0.1:5055/webhook", "token": "${MUQEEM_HOP_TOKEN}"}
    assert endpoints["tracker_store"] == {
        "type": "SQL",
        "dialect": "postgresql",
        "url": "127.0.0.1",
        "port": 5432,
        "db": "test",
        "username": "postgres",
    }
    assert endpoints["lock_store"] == {"type": "redis", "url": "127.0.0.1", "port": 6379, "db": 0}


def test_store_passwords_go_to_the_environment_not_the_file(tmp_path):
    settings = settings_for(
        tmp_path,
        MUQEEM_TRACKER_STORE_URL="postgresql+psycopg2://rasa:s%40cret@db.internal:6543/rasa",
        MUQEEM_LOCK_STORE_URL="rediss://:redis-pw@cache.internal:6380/2",
    )
    text = write_endpoints_file(settings).read_text()
    assert "s@cret" not in text and "s%40cret" not in text and "redis-pw" not in text
    endpoints = yaml.safe_load(text)
    assert endpoints["tracker_store"] == {
        "type": "SQL",
        "dialect": "postgresql",
        "url": "db.internal",
        "port": 6543,
        "db": "rasa",
        "username": "rasa",
        "password": "${MUQEEM_TRACKER_STORE_PASSWORD}",
    }
    assert endpoints["lock_store"] == {
        "type": "redis",
        "url": "cache.internal",
        "port": 6380,
        "db": 2,
        "password": "${MUQEEM_LOCK_STORE_PASSWORD}",
        "use_ssl": True,
    }
    env = child_environment(settings, base={"MUQEEM_TODAY": "2026-11-27", "RASA_TELEMETRY_ENABLED": "true"})
    assert env[TRACKER_STORE_PASSWORD_VARIABLE] == "s@cret"
    assert env[LOCK_STORE_PASSWORD_VARIABLE] == "redis-pw"
    assert env["MUQEEM_TODAY"] == "2026-11-27"
    assert env["RASA_TELEMETRY_ENABLED"] == "false"


@pytest.mark.parametrize(
    "variable, url",
    [
        ("MUQEEM_TRACKER_STORE_URL", "mongodb://127.0.0.1/rasa"),
        ("MUQEEM_LOCK_STORE_URL", "memcached://127.0.0.1"),
        ("MUQEEM_LOCK_STORE_URL", "redis://127.0.0.1:6379/zero"),
    ],
)
def test_unsupported_store_url_is_refused_with_a_clear_message(tmp_path, variable, url):
    with pytest.raises(ServersError, match=variable):
        write_endpoints_file(settings_for(tmp_path, **{variable: url}))


def test_bad_port_is_refused(tmp_path):
    with pytest.raises(ServersError, match="MUQEEM_RASA_PORT"):
        settings_for(tmp_path, MUQEEM_RASA_PORT="50x5")


def test_the_operator_messages_are_bilingual_in_arabic_and_english_alone_in_english(tmp_path):
    from replies import language

    with pytest.raises(ServersError) as arabic:
        settings_for(tmp_path, MUQEEM_RASA_PORT="50x5")
    with language("en"), pytest.raises(ServersError) as english:
        settings_for(tmp_path, MUQEEM_RASA_PORT="50x5")
    assert (
        str(arabic.value)
        == "قيمة MUQEEM_RASA_PORT ليست رقم منفذ صحيحًا: '50x5'\nMUQEEM_RASA_PORT is not a valid port: '50x5'"
    )
    assert str(english.value) == "MUQEEM_RASA_PORT is not a valid port: '50x5'"


@pytest.mark.postgres
def test_rasa_builds_working_stores_from_the_generated_file(tmp_path, monkeypatch):
    """Rasa itself reads the generated file: a tracker saved in PostgreSQL comes back, Redis answers."""
    psycopg2 = pytest.importorskip("psycopg2")
    from rasa.core.lock_store import LockStore, RedisLockStore
    from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import read_endpoint_config

    database = f"muqeem_tracker_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(f"{PG_SERVER}/test")
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{database}"')
    try:
        settings = settings_for(
            tmp_path,
            MUQEEM_TRACKER_STORE_URL=f"postgresql://postgres:unused-pw@127.0.0.1:5432/{database}",
            MUQEEM_LOCK_STORE_URL="redis://127.0.0.1:6379/0",
        )
        path = write_endpoints_file(settings)
        for name, value in child_environment(settings, base={}).items():
            monkeypatch.setenv(name, value)

        tracker_store = TrackerStore.create(read_endpoint_config(str(path), "tracker_store"), Domain.empty())
        lock_store = LockStore.create(read_endpoint_config(str(path), "lock_store"))
        assert isinstance(tracker_store, SQLTrackerStore)
        assert isinstance(lock_store, RedisLockStore)
        assert lock_store.red.ping()

        async def round_trip():
            tracker = DialogueStateTracker("1000001", slots=[])
            tracker.update(UserUttered("مرحبا"))
            await tracker_store.save(tracker)
            return await tracker_store.retrieve("1000001")

        retrieved = asyncio.run(round_trip())
        assert [event.text for event in retrieved.events if isinstance(event, UserUttered)] == ["مرحبا"]
        tracker_store.engine.dispose()
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()


# --- supervision, with small stand-in servers -------------------------------------------------


def http_server(name: str, port: int) -> ServerProcess:
    return ServerProcess(
        name=name,
        argv=[sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        ready_url=f"http://127.0.0.1:{port}/",
        env=os.environ,
    )


def test_supervise_stops_both_on_request():
    servers = [http_server("actions", free_port()), http_server("Rasa", free_port())]
    stop = threading.Event()
    announced = []

    def announce(started):
        announced.append([server.process.pid for server in started])
        threading.Timer(0.3, stop.set).start()

    code = supervise(servers, stop, timeout=20, announce=announce, report=pytest.fail)
    assert code == 0
    assert len(announced) == 1
    assert all(server.process.poll() is not None for server in servers)


def test_a_server_that_dies_is_restarted_with_back_off_and_said_so():
    survivor = http_server("actions", free_port())
    dying = http_server("Rasa", free_port())
    stop, reports, pids = threading.Event(), [], []

    def announce(started):
        pids.append(dying.process.pid)
        dying.process.kill()  # kill -9 once ready

    def report(message):
        reports.append(message)
        threading.Timer(2.0, stop.set).start()

    code = supervise([survivor, dying], stop, timeout=20, announce=announce, report=report)
    assert code == 0
    assert len(reports) == 1 and "Restarting the Rasa server (exit code -9), attempt 1" in reports[0]
    assert dying.process.pid != pids[0]  # a new process
    assert all(server.process.poll() is not None for server in (survivor, dying))  # both stopped at the end


def loading_server(name: str, port: int, loaded: Path) -> ServerProcess:
    """A stand-in that answers only once `loaded` exists (a Rasa replica still loading its model)."""
    script = (
        "import http.server, os, sys, time\n"
        f"while not os.path.exists({str(loaded)!r}):\n"
        "    time.sleep(0.05)\n"
        f"http.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler, port={port}, bind='127.0.0.1')\n"
    )
    return ServerProcess(
        name=name, argv=[sys.executable, "-c", script], ready_url=f"http://127.0.0.1:{port}/", env=os.environ
    )


def test_a_server_killed_while_another_still_loads_is_restarted_not_everything_stopped(tmp_path):
    """Issue 24 item 7: `--replicas 2` answers once the first replica is ready; a SIGKILL of it while the
    second still loads stopped every server (ServerDied) instead of restarting it."""
    loaded = tmp_path / "loaded"
    ready = http_server("Rasa:1", free_port())
    loading = loading_server("Rasa:2", free_port(), loaded)
    stop, reports, announced, killed = threading.Event(), [], [], []

    def kill_the_ready_one():
        while not ready.is_ready():
            time.sleep(0.05)
        killed.append(ready.process.pid)
        ready.process.kill()

    def report(message):
        reports.append(message)
        loaded.touch()  # the second replica finishes loading only after the restart was decided

    def announce(started):
        announced.append([server.process.pid for server in started])
        stop.set()

    threading.Thread(target=kill_the_ready_one, daemon=True).start()
    code = supervise([ready, loading], stop, timeout=60, announce=announce, report=report)
    assert code == 0
    assert reports and "Restarting the Rasa:1 server (exit code -9), attempt 1" in reports[0]
    assert len(announced) == 1 and killed and announced[0][0] != killed[0]  # the servers came up, with a new Rasa:1
    assert all(server.process.poll() is not None for server in (ready, loading))


def test_a_server_that_keeps_exiting_during_start_up_is_reported_at_the_timeout():
    crashing = ServerProcess(
        name="actions",
        argv=[sys.executable, "-c", "raise SystemExit(3)"],
        ready_url="http://127.0.0.1:9/",
        env=os.environ,
    )
    reports = []
    code = supervise([crashing], threading.Event(), timeout=3, announce=pytest.fail, report=reports.append)
    assert code == 1
    assert "Restarting the actions server (exit code 3), attempt 1" in reports[0]
    assert "Not ready within 3 s: actions" in reports[-1]


def test_server_not_ready_in_time_is_reported_and_stopped():
    never_ready = ServerProcess(
        name="Rasa",
        argv=[sys.executable, "-c", "import time; time.sleep(60)"],
        ready_url=f"http://127.0.0.1:{free_port()}/",
        env=os.environ,
    )
    reports = []
    code = supervise([never_ready], threading.Event(), timeout=1, announce=pytest.fail, report=reports.append)
    assert code == 1
    assert "Rasa" in reports[0]
    assert never_ready.process.poll() is not None


def test_rasa_up_without_a_loaded_model_fails_at_once_not_at_the_timeout():
    port = free_port()
    # A stand-in that answers like Rasa when the model could not be loaded: 409 on /status.
    script = (
        "import http.server\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        self.send_response(409); self.end_headers()\n"
        f"http.server.HTTPServer(('127.0.0.1', {port}), H).serve_forever()\n"
    )
    broken = ServerProcess(
        name="Rasa",
        argv=[sys.executable, "-c", script],
        ready_url=f"http://127.0.0.1:{port}/status",
        broken_status=409,
        env=os.environ,
    )
    reports = []
    started = time.monotonic()
    code = supervise([broken], threading.Event(), timeout=60, announce=pytest.fail, report=reports.append)
    assert code == 1 and time.monotonic() - started < 20
    assert "make train" in reports[0]
    assert broken.process.poll() is not None


# --- the command ------------------------------------------------------------------------------


def run_muqeem(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [MUQEEM, *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=PROJECT_ROOT,
        check=False,
    )


def test_servers_without_a_model_says_to_train_in_arabic_and_english(tmp_path):
    result = run_muqeem("servers", env={"MUQEEM_MODELS_DIR": str(tmp_path), "MUQEEM_VAR_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "make train" in result.stderr
    assert "لا يوجد نموذج مدرَّب" in result.stderr and "No trained model" in result.stderr


def test_servers_on_a_busy_port_says_which(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    (models / "model.tar.gz").write_bytes(b"")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_muqeem(
            "servers",
            env={"MUQEEM_MODELS_DIR": str(models), "MUQEEM_VAR_DIR": str(tmp_path), "MUQEEM_RASA_PORT": str(port)},
        )
    assert result.returncode == 2
    assert f"المنفذ {port}" in result.stderr and f"Port {port}" in result.stderr
