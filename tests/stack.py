"""The one way the tests start the whole stack: the real action server and Rasa server (trained model) on
free loopback ports, over a given database (tests/e2e/conftest.py's `stack`, tests/dialogue/test_rest_e2e.py).

The model: MUQEEM_TEST_MODEL (a .tar.gz) if set, else models/muqeem.tar.gz, trained first by
scripts/train_if_changed.py when its inputs changed (as `make train` does); a copy is served, so a
retraining during the run does not change the model under the tests. The Rasa server can be stopped and
started again (`stop_rasa` / `start_rasa`) to test an outage.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from runtime import servers as server_control
from runtime.hops import hop_token
from tests.conftest import TODAY
from tests.loopback import free_port

ROOT = Path(__file__).resolve().parents[1]
START_TIMEOUT_SECONDS = 240


def serving_model(models_dir: Path) -> Path:
    """`models_dir` holding a copy of the model to serve."""
    given = os.environ.get("MUQEEM_TEST_MODEL")
    if not given:
        subprocess.run(
            [sys.executable, "scripts/train_if_changed.py"],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=600,
        )
        given = str(ROOT / "models" / "muqeem.tar.gz")
    shutil.copy(given, models_dir)
    return models_dir


class Stack:
    """The action server and Rasa server on `database_url` (today fixed at tests.conftest.TODAY);
    `rasa_url` is what a front end talks to, `api_token` what Rasa's HTTP API asks for."""

    def __init__(self, database_url: str, work: Path, tracker_store_url: str | None = None) -> None:
        self.database_url = database_url
        self.env = {"MUQEEM_DATABASE_URL": database_url, "MUQEEM_TODAY": TODAY}
        models_dir = work / "models"
        models_dir.mkdir()
        self.settings = server_control.ServerSettings(
            rasa_port=free_port(),
            actions_port=free_port(),
            models_dir=serving_model(models_dir),
            var_dir=work / "var",
            start_timeout=START_TIMEOUT_SECONDS,
            tracker_store_url=tracker_store_url,
        )
        self.log_dir = work / "log"
        self.endpoints = server_control.write_endpoints_file(self.settings)
        self.actions = self._with_env(server_control.actions_process(self.settings, self.log_dir))
        self.rasa = self._new_rasa()

    @property
    def rasa_url(self) -> str:
        return self.settings.rasa_url

    @property
    def api_token(self) -> str:
        return hop_token(self.settings.var_dir)

    def _with_env(self, server: server_control.ServerProcess) -> server_control.ServerProcess:
        server.env = {**server.env, **self.env}
        return server

    def _new_rasa(self) -> server_control.ServerProcess:
        return self._with_env(server_control.rasa_process(self.settings, self.endpoints, self.log_dir))

    def start(self) -> None:
        server_control.start_all([self.actions, self.rasa])
        server_control.wait_until_ready([self.actions, self.rasa], START_TIMEOUT_SECONDS)

    def stop_rasa(self) -> None:
        server_control.stop_all([self.rasa])

    def start_rasa(self) -> None:
        """Start a new Rasa server on the same port (its in-memory conversations start empty)."""
        if self.rasa.exit_code() is None and self.rasa.is_ready():
            return
        server_control.stop_all([self.rasa])
        self.rasa = self._new_rasa()
        server_control.start_all([self.rasa])
        server_control.wait_until_ready([self.actions, self.rasa], START_TIMEOUT_SECONDS)

    def stop(self) -> None:
        server_control.stop_all([self.rasa, self.actions])

    def log_tail(self, characters: int = 3000) -> str:
        """The end of both servers' logs, for failure messages."""
        parts = []
        for path in sorted(self.log_dir.glob("*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-characters:]}")
        return "\n".join(parts)
