"""The Rasa server and the action server as child processes: configuration, start, readiness, stop.

Used by `muqeem servers` (foreground, until Ctrl-C) and by `muqeem chat` / `muqeem bot` (in the
background when no Rasa server answers). Both children run from the project root with the
caller's environment (MUQEEM_DATABASE_URL, MUQEEM_TODAY, ...) and telemetry off. The endpoints file
of a run is generated under var/ from endpoints.yml plus the environment, so that switching the
tracker store or lock store is configuration only.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RASA_PORT = 5005
DEFAULT_ACTIONS_PORT = 5055
DEFAULT_START_TIMEOUT_SECONDS = 180.0
STOP_GRACE_SECONDS = 15.0
# Secrets from the store URLs reach Rasa as environment variables, never written to disk.
TRACKER_STORE_PASSWORD_VARIABLE = "MUQEEM_TRACKER_STORE_PASSWORD"
LOCK_STORE_PASSWORD_VARIABLE = "MUQEEM_LOCK_STORE_PASSWORD"

NO_MODEL_MESSAGE = (
    "لا يوجد نموذج مدرَّب في {models}. درِّب النموذج أولًا بالأمر: make train\n"
    "No trained model in {models}. Train it first: make train"
)


MODEL_NOT_LOADED_MESSAGE = (
    "خادم Rasa يعمل لكنه لم يستطع تحميل النموذج (راجع {log}). أعد التدريب: make train\n"
    "The Rasa server is up but could not load the model (see {log}). Retrain it: make train"
)


class ServersError(Exception):
    """A server could not be configured or started; the message says what to do (Arabic + English)."""


@dataclass(frozen=True)
class ServerSettings:
    """Where the two servers listen and what they use, read from the environment."""

    rasa_port: int = DEFAULT_RASA_PORT
    actions_port: int = DEFAULT_ACTIONS_PORT
    host: str = "127.0.0.1"
    models_dir: Path = PROJECT_ROOT / "models"
    var_dir: Path = PROJECT_ROOT / "var"
    endpoints_template: Path = PROJECT_ROOT / "endpoints.yml"
    credentials: Path = PROJECT_ROOT / "credentials.yml"
    tracker_store_url: str | None = None
    lock_store_url: str | None = None
    start_timeout: float = DEFAULT_START_TIMEOUT_SECONDS

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> ServerSettings:
        """Settings from MUQEEM_RASA_PORT, MUQEEM_ACTIONS_PORT, MUQEEM_SERVERS_HOST, MUQEEM_MODELS_DIR,
        MUQEEM_VAR_DIR, MUQEEM_TRACKER_STORE_URL, MUQEEM_LOCK_STORE_URL, MUQEEM_SERVERS_START_TIMEOUT."""
        return cls(
            rasa_port=_port(env, "MUQEEM_RASA_PORT", DEFAULT_RASA_PORT),
            actions_port=_port(env, "MUQEEM_ACTIONS_PORT", DEFAULT_ACTIONS_PORT),
            host=env.get("MUQEEM_SERVERS_HOST") or "127.0.0.1",
            models_dir=Path(env.get("MUQEEM_MODELS_DIR") or PROJECT_ROOT / "models"),
            var_dir=Path(env.get("MUQEEM_VAR_DIR") or PROJECT_ROOT / "var"),
            tracker_store_url=env.get("MUQEEM_TRACKER_STORE_URL") or None,
            lock_store_url=env.get("MUQEEM_LOCK_STORE_URL") or None,
            start_timeout=float(
                env.get("MUQEEM_SERVERS_START_TIMEOUT") or DEFAULT_START_TIMEOUT_SECONDS
            ),
        )

    @property
    def _connect_host(self) -> str:
        return "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host

    @property
    def rasa_url(self) -> str:
        return f"http://{self._connect_host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{self._connect_host}:{self.actions_port}"


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ServersError(f"قيمة {name} ليست رقم منفذ صحيحًا: {raw!r}\n{name} is not a valid port: {raw!r}")
    return int(raw)


# ---------------------------------------------------------------------------------------------
# Endpoints file
# ---------------------------------------------------------------------------------------------


def tracker_store_config(url: str) -> dict:
    """Rasa SQL tracker store settings from a database URL (postgresql://user:pw@host:port/db or
    sqlite:///path). The password, if any, is referenced as ${MUQEEM_TRACKER_STORE_PASSWORD}."""
    parts = urlsplit(url)
    dialect = parts.scheme.lower()
    if dialect in ("postgres", "postgresql", "postgresql+psycopg2"):
        dialect = "postgresql"
    elif dialect == "sqlite":
        return {"type": "SQL", "dialect": "sqlite", "db": unquote(parts.path[1:]) or "rasa.db"}
    else:
        raise ServersError(
            f"مخزن المحادثات يجب أن يكون postgresql:// أو sqlite:/// وليس {parts.scheme}://\n"
            f"MUQEEM_TRACKER_STORE_URL must be postgresql:// or sqlite:///, not {parts.scheme}://"
        )
    config = {
        "type": "SQL",
        "dialect": dialect,
        "url": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "db": unquote(parts.path.lstrip("/")) or "rasa",
    }
    if parts.username:
        config["username"] = unquote(parts.username)
    if parts.password:
        config["password"] = "${" + TRACKER_STORE_PASSWORD_VARIABLE + "}"
    return config


def lock_store_config(url: str) -> dict:
    """Rasa Redis lock store settings from redis://[:password@]host:port/db (rediss:// for TLS).
    The password, if any, is referenced as ${MUQEEM_LOCK_STORE_PASSWORD}."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ServersError(
            f"مخزن الأقفال يجب أن يكون redis:// وليس {parts.scheme}://\n"
            f"MUQEEM_LOCK_STORE_URL must be redis://, not {parts.scheme}://"
        )
    database = parts.path.lstrip("/")
    if database and not database.isdigit():
        raise ServersError(
            f"رقم قاعدة Redis في MUQEEM_LOCK_STORE_URL غير صحيح: {url}\n"
            f"The Redis database in MUQEEM_LOCK_STORE_URL must be a number: {url}"
        )
    config = {
        "type": "redis",
        "url": parts.hostname or "127.0.0.1",
        "port": parts.port or 6379,
        "db": int(database or 0),
    }
    if parts.username:
        config["username"] = unquote(parts.username)
    if parts.password:
        config["password"] = "${" + LOCK_STORE_PASSWORD_VARIABLE + "}"
    if parts.scheme == "rediss":
        config["use_ssl"] = True
    return config


def build_endpoints(template: Mapping, settings: ServerSettings) -> dict:
    """The endpoints of a run: the template with this run's action server URL, and the tracker and
    lock stores from the environment when set (else whatever the template says: in memory)."""
    endpoints = dict(template or {})
    action_endpoint = dict(endpoints.get("action_endpoint") or {})
    action_endpoint["url"] = f"{settings.actions_url}/webhook"
    endpoints["action_endpoint"] = action_endpoint
    if settings.tracker_store_url:
        endpoints["tracker_store"] = tracker_store_config(settings.tracker_store_url)
    if settings.lock_store_url:
        endpoints["lock_store"] = lock_store_config(settings.lock_store_url)
    return endpoints


def write_endpoints_file(settings: ServerSettings) -> Path:
    """Write var/endpoints-<rasa port>.yml for this run and return its path."""
    template = yaml.safe_load(settings.endpoints_template.read_text(encoding="utf-8")) or {}
    endpoints = build_endpoints(template, settings)
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path = settings.var_dir / f"endpoints-{settings.rasa_port}.yml"
    path.write_text(
        "# Generated by `muqeem servers` from endpoints.yml and the environment; do not edit.\n"
        + yaml.safe_dump(endpoints, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    return path


def child_environment(settings: ServerSettings, base: Mapping[str, str] = os.environ) -> dict:
    """The environment both servers run with: the caller's, telemetry off, store passwords."""
    env = dict(base)
    env["RASA_TELEMETRY_ENABLED"] = "false"
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONUNBUFFERED"] = "1"
    for url, variable in (
        (settings.tracker_store_url, TRACKER_STORE_PASSWORD_VARIABLE),
        (settings.lock_store_url, LOCK_STORE_PASSWORD_VARIABLE),
    ):
        password = urlsplit(url).password if url else None
        if password:
            env[variable] = unquote(password)
    return env


def find_model(models_dir: Path) -> Path | None:
    """The newest trained model archive in models_dir, or None."""
    if not models_dir.is_dir():
        return None
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    return models[-1] if models else None


# ---------------------------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------------------------


@dataclass
class ServerProcess:
    """One child server: its command, the URL that answers 200 once it is ready, its process."""

    name: str
    argv: Sequence[str]
    ready_url: str
    env: Mapping[str, str]
    cwd: Path = PROJECT_ROOT
    log_path: Path | None = None
    # An HTTP status of ready_url meaning "up but broken for good" (Rasa: 409, no model could be loaded).
    broken_status: int | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab") if self.log_path else contextlib.nullcontext()  # noqa: SIM115
        with log as output:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                list(self.argv),
                cwd=self.cwd,
                env=dict(self.env),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                # Own process group: a terminal Ctrl-C reaches only us, and we stop the children in order.
                start_new_session=True,
                preexec_fn=_die_with_parent if _LIBC is not None else None,  # noqa: PLW1509
            )

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def is_ready(self) -> bool:
        return url_answers(self.ready_url)

    def is_broken(self) -> bool:
        return self.broken_status is not None and url_status(self.ready_url) == self.broken_status

    def signal_group(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signum)
            except ProcessLookupError:
                pass


# Loaded in the parent: between fork and exec the child must not load libraries or import.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM if the muqeem process dies without cleaning up (kill -9)."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def url_status(url: str, timeout: float = 1.0) -> int | None:
    """The HTTP status GET url answers with, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return None


def url_answers(url: str, timeout: float = 1.0) -> bool:
    """True when GET url answers HTTP 200."""
    return url_status(url, timeout) == 200


def port_is_free(host: str, port: int) -> bool:
    """True when nothing listens on host:port (so a server can bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def rasa_process(settings: ServerSettings, endpoints: Path, log_dir: Path | None = None) -> ServerProcess:
    """`rasa run` with the HTTP API (readiness: /status, which needs the model loaded) and REST channel."""
    return ServerProcess(
        name="Rasa",
        argv=[
            sys.executable, "-m", "bot.rasa_server", "run",
            "--enable-api",
            "-m", str(settings.models_dir),
            "-i", settings.host,
            "-p", str(settings.rasa_port),
            "--endpoints", str(endpoints),
            "--credentials", str(settings.credentials),
        ],
        ready_url=f"{settings.rasa_url}/status",
        broken_status=409,
        env=child_environment(settings),
        log_path=None if log_dir is None else log_dir / f"rasa-{settings.rasa_port}.log",
    )


def actions_process(settings: ServerSettings, log_dir: Path | None = None) -> ServerProcess:
    """The rasa_sdk action server for the `actions` package (readiness: /health)."""
    env = child_environment(settings)
    env["SANIC_HOST"] = settings.host  # rasa_sdk binds 0.0.0.0 unless told
    return ServerProcess(
        name="actions",
        argv=[sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(settings.actions_port)],
        ready_url=f"{settings.actions_url}/health",
        env=env,
        log_path=None if log_dir is None else log_dir / f"actions-{settings.actions_port}.log",
    )


class ServerDied(ServersError):
    """A child server exited on its own."""

    def __init__(self, server: ServerProcess):
        self.server = server
        where = f" (log: {server.log_path})" if server.log_path else ""
        super().__init__(
            f"توقف خادم {server.name} (رمز الخروج {server.exit_code()}){where}\n"
            f"The {server.name} server exited with code {server.exit_code()}{where}"
        )


def start_all(servers: Sequence[ServerProcess]) -> None:
    """Start the servers; if one cannot be started, stop those already started."""
    started = []
    try:
        for server in servers:
            server.start()
            started.append(server)
    except BaseException:
        stop_all(started)
        raise


def wait_until_ready(
    servers: Sequence[ServerProcess], timeout: float, stop_requested: threading.Event | None = None
) -> bool:
    """Poll until every server answers its ready URL. Raises ServerDied if one exits, ServersError on
    timeout; returns False if stop_requested was set meanwhile, True when all are ready."""
    deadline = time.monotonic() + timeout
    pending = list(servers)
    while pending:
        for server in servers:
            if server.exit_code() is not None:
                raise ServerDied(server)
            if server.is_broken():
                raise ServersError(MODEL_NOT_LOADED_MESSAGE.format(log=server.log_path or "stderr"))
        pending = [server for server in pending if not server.is_ready()]
        if not pending:
            return True
        if time.monotonic() > deadline:
            names = ", ".join(server.name for server in pending)
            raise ServersError(
                f"لم تجهز الخوادم ({names}) خلال {timeout:.0f} ثانية\n"
                f"Not ready within {timeout:.0f} s: {names}"
            )
        if stop_requested is not None and stop_requested.wait(0.5):
            return False
        if stop_requested is None:
            time.sleep(0.5)
    return True


def stop_all(servers: Sequence[ServerProcess], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM every server's process group, wait up to `grace` seconds, then SIGKILL what is left."""
    for server in servers:
        server.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for server in servers:
        if server.process is None:
            continue
        try:
            server.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            server.signal_group(signal.SIGKILL)
            server.process.wait()


def first_exited(servers: Sequence[ServerProcess]) -> ServerProcess | None:
    return next((server for server in servers if server.exit_code() is not None), None)


def supervise(
    servers: Sequence[ServerProcess],
    stop_requested: threading.Event,
    timeout: float,
    announce: Callable[[Sequence[ServerProcess]], None],
    report: Callable[[str], None],
) -> int:
    """Start the servers, announce them once ready, run until stop_requested or a server exits.

    Returns 0 after a requested stop, 1 when a server died or did not get ready (the others are then
    stopped too). Every child is stopped before returning.
    """
    try:
        start_all(servers)
        if not wait_until_ready(servers, timeout, stop_requested):
            return 0
        announce(servers)
        while not stop_requested.wait(0.5):
            died = first_exited(servers)
            if died is not None:
                raise ServerDied(died)
        return 0
    except ServersError as error:
        report(str(error))
        return 1
    finally:
        stop_all(servers)


def check_can_start(settings: ServerSettings) -> None:
    """Raise ServersError (Arabic + English) when there is no model or a port is taken."""
    if find_model(settings.models_dir) is None:
        raise ServersError(NO_MODEL_MESSAGE.format(models=settings.models_dir))
    for name, port in (("Rasa", settings.rasa_port), ("actions", settings.actions_port)):
        if not port_is_free(settings.host, port):
            raise ServersError(
                f"المنفذ {port} ({name}) مستخدم؛ أوقف ما يعمل عليه أو اختر منفذًا آخر "
                f"(MUQEEM_RASA_PORT / MUQEEM_ACTIONS_PORT)\n"
                f"Port {port} ({name}) is in use; stop what runs there or choose another port"
            )


def describe(servers: Sequence[ServerProcess], settings: ServerSettings) -> str:
    """Where the servers listen, for the operator."""
    pids = {server.name: server.process.pid for server in servers if server.process}
    lines = [
        (
            f"Rasa server (pid {pids.get('Rasa')}): {settings.rasa_url}  "
            f"REST: {settings.rasa_url}/webhooks/rest/webhook"
        ),
        f"Action server (pid {pids.get('actions')}): {settings.actions_url}/webhook",
        "الخادمان جاهزان. اضغط Ctrl-C للإيقاف. / Both servers are ready. Ctrl-C stops them.",
    ]
    return "\n".join(lines)


def run_foreground(settings: ServerSettings) -> int:
    """`muqeem servers`: both servers in the foreground until SIGINT/SIGTERM or one of them exits."""
    try:
        check_can_start(settings)
        endpoints = write_endpoints_file(settings)
    except ServersError as error:
        print(error, file=sys.stderr)
        return 2
    stop_requested = threading.Event()

    def request_stop(signum, frame):
        stop_requested.set()

    previous = {
        signum: signal.signal(signum, request_stop)
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    servers = [actions_process(settings), rasa_process(settings, endpoints)]
    print(
        f"جارٍ تشغيل خادم الإجراءات وخادم Rasa (النموذج: {find_model(settings.models_dir).name})...\n"
        f"Starting the action server and the Rasa server...",
        flush=True,
    )
    try:
        code = supervise(
            servers,
            stop_requested,
            settings.start_timeout,
            announce=lambda started: print(describe(started, settings), flush=True),
            report=lambda message: print(message, file=sys.stderr, flush=True),
        )
        print("أُوقف الخادمان. / Both servers stopped.", flush=True)
        return code
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class BackgroundServers:
    """Context manager: starts the servers (logs in var/log/) when the Rasa server does not answer
    and `may_start` (False when the caller was given another Rasa URL), and stops what it started
    on exit. `started` tells whether it started anything."""

    def __init__(self, settings: ServerSettings, progress: Callable[[str], None], may_start: bool = True):
        self.settings = settings
        self.progress = progress
        self.may_start = may_start
        self.servers: list[ServerProcess] = []

    @property
    def started(self) -> bool:
        return bool(self.servers)

    def __enter__(self) -> BackgroundServers:  # noqa: PYI034
        settings = self.settings
        if not self.may_start or url_answers(f"{settings.rasa_url}/"):
            return self
        if find_model(settings.models_dir) is None:
            raise ServersError(NO_MODEL_MESSAGE.format(models=settings.models_dir))
        log_dir = settings.var_dir / "log"
        servers = []
        if not url_answers(f"{settings.actions_url}/health"):
            servers.append(actions_process(settings, log_dir))
        servers.append(rasa_process(settings, write_endpoints_file(settings), log_dir))
        self.progress(
            "جارٍ تشغيل الخوادم، قد يستغرق ذلك دقيقة... / Starting the servers, this may take a minute..."
        )
        self.servers = servers
        try:
            start_all(servers)
            wait_until_ready(servers, settings.start_timeout)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def died(self) -> ServerProcess | None:
        """A server this context started that has exited since, if any."""
        return first_exited(self.servers)

    def __exit__(self, *exc_info) -> None:
        stop_all(self.servers)
        self.servers = []
