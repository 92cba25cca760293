"""`muqeem servers` with the real trained model: both servers get ready on free ports, a greeting
over the REST channel gets a reply, and SIGINT stops both processes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from runtime.hops import hop_token
from runtime.servers import PROJECT_ROOT, ServerSettings, find_model
from tests.conftest import TODAY
from tests.loopback import MUQEEM, free_port

pytestmark = pytest.mark.e2e

READY_SECONDS = 240


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def scrape(url: str, token: str) -> dict[str, float]:
    """A /metrics page read with the secret: each sample's name with its labels -> value."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as page:
        lines = page.read().decode().splitlines()
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in lines if not line.startswith("#")}


def test_servers_answer_and_stop_on_sigint(tmp_path, database_url):
    models_dir = ServerSettings.from_env().models_dir
    if find_model(models_dir) is None:
        pytest.skip(f"no trained model in {models_dir}: run `make train` first")
    rasa_port, actions_port = free_port(), free_port()
    env = {
        **os.environ,
        "MUQEEM_RASA_PORT": str(rasa_port),
        "MUQEEM_ACTIONS_PORT": str(actions_port),
        "MUQEEM_VAR_DIR": str(tmp_path),
        "MUQEEM_DATABASE_URL": database_url,
        "MUQEEM_TODAY": TODAY,
    }
    log_path = tmp_path / "servers.log"
    with open(log_path, "wb") as log:
        servers = subprocess.Popen([MUQEEM, "servers"], env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + READY_SECONDS
        pids = {}
        while time.monotonic() < deadline and len(pids) < 2:
            assert servers.poll() is None, log_path.read_text(errors="replace")[-3000:]
            output = log_path.read_text(errors="replace")
            pids = {name: int(pid) for name, pid in re.findall(r"^(Rasa|actions) \(pid (\d+)\)", output, re.M)}
            time.sleep(1)
        assert len(pids) == 2, f"not ready in {READY_SECONDS} s:\n{output[-3000:]}"
        # The supervisor is the same process without the domain the muqeem command imports (issue 24 item 5).
        assert b"runtime.supervisor" in Path(f"/proc/{servers.pid}/cmdline").read_bytes()
        assert "sqlalchemy" not in Path(f"/proc/{servers.pid}/maps").read_text()

        def greeting() -> list[dict]:
            request = urllib.request.Request(
                f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
                data=json.dumps({"sender": "1000001", "message": "مرحبا"}).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())

        replies = greeting()
        assert replies and any(reply.get("text") for reply in replies), replies

        # Without MUQEEM_CHANNEL_TOKEN the REST channel is open on loopback (SPEC 7), but Rasa's HTTP API
        # and the action server refuse a caller without the hop token (var/hop-token).
        token = hop_token(tmp_path)
        for url, body in (
            (f"http://127.0.0.1:{rasa_port}/conversations/1000001/tracker", None),
            (
                f"http://127.0.0.1:{actions_port}/webhook",
                {"next_action": "action_confirm_step", "sender_id": "1000001"},
            ),
        ):
            data = None if body is None else json.dumps(body).encode()
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=30)
            assert refused.value.code == 401, url
        with urllib.request.urlopen(
            f"http://127.0.0.1:{rasa_port}/conversations/1000001/tracker?token={token}", timeout=30
        ) as ok:
            assert ok.status == 200

        # The operator's view (issue 24): each server's metrics, behind the same secret.
        channel_metrics = f"http://127.0.0.1:{rasa_port}/webhooks/rest/metrics"
        action_metrics = f"http://127.0.0.1:{actions_port}/metrics"
        for url in (channel_metrics, action_metrics):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(url, timeout=30)
            assert refused.value.code == 401, url
        scraped = {url: scrape(url, token) for url in (channel_metrics, action_metrics)}
        assert scraped[channel_metrics]['muqeem_messages_total{outcome="answered"}'] >= 1
        assert scraped[channel_metrics]["muqeem_turn_seconds_count"] >= 1
        assert any(name.startswith("muqeem_action_seconds_count{") for name in scraped[action_metrics])

        # kill -9 of the action server: the supervisor restarts it and the conversation goes on
        os.kill(pids["actions"], signal.SIGKILL)
        deadline = time.monotonic() + 60
        while "Restarting the actions server" not in log_path.read_text(errors="replace"):
            assert time.monotonic() < deadline, log_path.read_text(errors="replace")[-3000:]
            time.sleep(0.5)
        while time.monotonic() < deadline:
            replies = greeting()
            if any("عذر" not in reply.get("text", "") for reply in replies):
                break
            time.sleep(1)
        assert replies and all("عذر" not in reply.get("text", "") for reply in replies), replies
        assert servers.poll() is None

        servers.send_signal(signal.SIGINT)
        assert servers.wait(timeout=40) == 0
        assert not any(process_exists(pid) for pid in pids.values()), pids
        assert "The servers stopped" in log_path.read_text(errors="replace")
    finally:
        if servers.poll() is None:
            servers.kill()
            servers.wait()
