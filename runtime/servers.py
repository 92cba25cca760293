"""The Rasa server and the action server as child processes: configuration, start, readiness, stop.

Used by `muqeem servers` (foreground, until Ctrl-C) and by `muqeem chat` / `muqeem bot` (in the
background when no Rasa server answers). Both children run from the project root with the
caller's environment (MUQEEM_DATABASE_URL, MUQEEM_TODAY, ...) and telemetry off. The endpoints file
of a run is generated under var/ from endpoints.yml plus the environment, so that switching the
tracker store or lock store is configuration only.
"""

from __future__ import annotations

import contextlib
import dataclasses
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

from runtime import balancer
from runtime.ports import free_ports
from replies import N_, _
from runtime.hops import HOP_TOKEN_VARIABLE, channel_token, hop_token

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_RASA_PORT = 5005
DEFAULT_ACTIONS_PORT = 5055
DEFAULT_START_TIMEOUT_SECONDS = 180.0
STOP_GRACE_SECONDS = 15.0
# Secrets from the store URLs reach Rasa as environment variables, never written to disk.
TRACKER_STORE_PASSWORD_VARIABLE = "MUQEEM_TRACKER_STORE_PASSWORD"
LOCK_STORE_PASSWORD_VARIABLE = "MUQEEM_LOCK_STORE_PASSWORD"

# The operator's messages: English ids whose Arabic (replies/parts) keeps the English line under it.
NO_MODEL_MESSAGE = N_("No trained model in {models}. Train it first: make train")


MODEL_NOT_LOADED_MESSAGE = N_("The Rasa server is up but could not load the model (see {log}). Retrain it: make train")


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
    replicas: int = 1
    channel_token: str | None = None

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
            start_timeout=float(env.get("MUQEEM_SERVERS_START_TIMEOUT") or DEFAULT_START_TIMEOUT_SECONDS),
            channel_token=channel_token(env),
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
        raise ServersError(_("{name} is not a valid port: {value}").format(name=name, value=repr(raw)))
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
            _("MUQEEM_TRACKER_STORE_URL must be postgresql:// or sqlite:///, not {scheme}://").format(
                scheme=parts.scheme
            )
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
        raise ServersError(_("MUQEEM_LOCK_STORE_URL must be redis://, not {scheme}://").format(scheme=parts.scheme))
    database = parts.path.lstrip("/")
    if database and not database.isdigit():
        raise ServersError(_("The Redis database in MUQEEM_LOCK_STORE_URL must be a number: {url}").format(url=url))
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
    action_endpoint["token"] = "${" + HOP_TOKEN_VARIABLE + "}"
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
    env[HOP_TOKEN_VARIABLE] = hop_token(settings.var_dir, base)
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
    # Start only once the servers listed before it are ready (a second Rasa replica: two Rasa servers
    # creating the SQL tracker store's tables at the same moment collide).
    after_previous: bool = False
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


def rasa_process(
    settings: ServerSettings, endpoints: Path, log_dir: Path | None = None, port: int | None = None
) -> ServerProcess:
    """`rasa run` with the REST channel and the HTTP API behind the hop token (runtime.rasa_server adds
    `--auth-token` from the environment; readiness: /status, which needs the model loaded)."""
    port = port or settings.rasa_port
    base = f"http://{settings._connect_host}:{port}"
    env = child_environment(settings)
    return ServerProcess(
        name=f"Rasa:{port}" if port != settings.rasa_port else "Rasa",
        argv=[
            sys.executable,
            "-m",
            "runtime.rasa_server",
            "run",
            "--enable-api",
            "-m",
            str(settings.models_dir),
            "-i",
            settings.host,
            "-p",
            str(port),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(settings.credentials),
        ],
        ready_url=f"{base}/status?token={env[HOP_TOKEN_VARIABLE]}",
        broken_status=409,
        env=env,
        log_path=None if log_dir is None else log_dir / f"rasa-{port}.log",
    )


def actions_process(settings: ServerSettings, log_dir: Path | None = None, port: int | None = None) -> ServerProcess:
    """The action server for the `actions` package behind the hop token (readiness: /health)."""
    port = port or settings.actions_port
    env = child_environment(settings)
    env["SANIC_HOST"] = settings.host  # rasa_sdk binds 0.0.0.0 unless told
    return ServerProcess(
        name=f"actions:{port}" if port != settings.actions_port else "actions",
        argv=[sys.executable, "-m", "runtime.action_server", "--actions", "actions", "-p", str(port)],
        ready_url=f"http://{settings._connect_host}:{port}/health",
        env=env,
        log_path=None if log_dir is None else log_dir / f"actions-{port}.log",
    )


class ServerDied(ServersError):
    """A child server exited on its own."""

    def __init__(self, server: ServerProcess):
        self.server = server
        where = f" (log: {server.log_path})" if server.log_path else ""
        super().__init__(
            _("The {server} server exited with code {code}{where}").format(
                server=server.name, code=server.exit_code(), where=where
            )
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


def start_in_order(
    servers: Sequence[ServerProcess],
    timeout: float,
    stop_requested: threading.Event | None = None,
    restarter: Restarter | None = None,
) -> bool:
    """Start the servers (one marked `after_previous` once those before it are ready) and wait until
    all are ready; as wait_until_ready."""
    started: list[ServerProcess] = []
    for server in servers:
        if server.after_previous and started and not wait_until_ready(started, timeout, stop_requested, restarter):
            return False
        server.start()
        started.append(server)
    return wait_until_ready(servers, timeout, stop_requested, restarter)


def wait_until_ready(
    servers: Sequence[ServerProcess],
    timeout: float,
    stop_requested: threading.Event | None = None,
    restarter: Restarter | None = None,
) -> bool:
    """Poll until every server answers its ready URL. A server that exits meanwhile is restarted by
    `restarter` (as after start-up), or without one raises ServerDied; ServersError when a Rasa server
    cannot load its model, or on timeout. Returns False if stop_requested was set meanwhile, True when
    all are ready."""
    deadline = time.monotonic() + timeout
    pending = list(servers)
    while pending:
        for server in servers:
            if server.is_broken():
                raise ServersError(_(MODEL_NOT_LOADED_MESSAGE).format(log=server.log_path or "stderr"))
        if restarter is not None:
            restarter.check()
        elif first_exited(servers) is not None:
            raise ServerDied(first_exited(servers))
        pending = [server for server in pending if not server.is_ready()]
        if not pending:
            return True
        if time.monotonic() > deadline:
            names = ", ".join(server.name for server in pending)
            raise ServersError(_("Not ready within {seconds} s: {names}").format(seconds=f"{timeout:.0f}", names=names))
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


RESTART_BACKOFF_SECONDS = (1, 2, 4, 8, 16, 30)
STABLE_SECONDS = 60.0  # up this long after a restart: the back-off starts again from its first step


class Restarter:
    """Restarts a server that exited, or a Rasa server that has no model loaded (HTTP 409), with
    back-off, and says so through `report`."""

    def __init__(self, servers: Sequence[ServerProcess], report: Callable[[str], None]) -> None:
        self.servers = servers
        self.report = report
        self.failures: dict[str, int] = {}
        self.next_try: dict[str, float] = {}
        self.restarted_at: dict[str, float] = {}

    def check(self) -> None:
        now = time.monotonic()
        for server in self.servers:
            code = server.exit_code()
            broken = code is None and server.is_broken()
            if code is None and not broken:
                if now - self.restarted_at.get(server.name, now) > STABLE_SECONDS:
                    self.failures[server.name] = 0
                continue
            if now < self.next_try.get(server.name, 0.0):
                continue
            attempt = self.failures.get(server.name, 0)
            delay = RESTART_BACKOFF_SECONDS[min(attempt, len(RESTART_BACKOFF_SECONDS) - 1)]
            reason = f"exit code {code}" if code is not None else "model not loaded"
            self.report(
                _("Restarting the {server} server ({reason}), attempt {attempt}; next wait {delay} s").format(
                    server=server.name, reason=reason, attempt=attempt + 1, delay=delay
                )
            )
            if broken:
                stop_all([server], grace=5.0)
            server.start()
            self.failures[server.name] = attempt + 1
            self.next_try[server.name] = now + delay
            self.restarted_at[server.name] = now


def supervise(
    servers: Sequence[ServerProcess],
    stop_requested: threading.Event,
    timeout: float,
    announce: Callable[[Sequence[ServerProcess]], None],
    report: Callable[[str], None],
) -> int:
    """Start the servers, announce them once ready, then keep them running until stop_requested. A
    server that exits is restarted (Restarter) during start-up as after it: a replica killed while
    another still loads its model is one crash among others.

    Returns 0 after a requested stop, 1 when the servers did not get ready (the others are then
    stopped too). Every child is stopped before returning.
    """
    restarter = Restarter(servers, report)
    try:
        if not start_in_order(servers, timeout, stop_requested, restarter):
            return 0
        announce(servers)
        while not stop_requested.wait(0.5):
            restarter.check()
        return 0
    except ServersError as error:
        report(str(error))
        return 1
    finally:
        stop_all(servers)


def stack_processes(settings: ServerSettings, endpoints: Path, log_dir: Path | None = None) -> list[ServerProcess]:
    """The processes of a run: one action server and one Rasa server, or with replicas > 1, N of each
    on free loopback ports behind HAProxy on the usual two ports."""
    if settings.replicas <= 1:
        return [actions_process(settings, log_dir), rasa_process(settings, endpoints, log_dir)]
    ports = free_ports(2 * settings.replicas, avoid=(settings.rasa_port, settings.actions_port))
    action_ports, rasa_ports = ports[: settings.replicas], ports[settings.replicas :]
    config = balancer.haproxy_config(settings.host, settings.rasa_port, settings.actions_port, rasa_ports, action_ports)
    config_path = balancer.write_haproxy_config(settings.var_dir, settings.rasa_port, config)
    return [
        *(actions_process(settings, log_dir, port) for port in action_ports),
        *(
            dataclasses.replace(rasa_process(settings, endpoints, log_dir, port), after_previous=index > 0)
            for index, port in enumerate(rasa_ports)
        ),
        ServerProcess(
            name="balancer",
            argv=[balancer.haproxy_binary() or balancer.HAPROXY, "-db", "-f", str(config_path)],
            ready_url=f"{settings.rasa_url}/webhooks/rest/",
            env=child_environment(settings),
            log_path=None if log_dir is None else log_dir / f"haproxy-{settings.rasa_port}.log",
        ),
    ]


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def check_can_start(settings: ServerSettings) -> None:
    """Raise ServersError (Arabic + English) when the run cannot start as configured: no model, a
    port taken, replicas without shared stores, the balancer or the secret, or a non-loopback bind
    without the secret."""
    if find_model(settings.models_dir) is None:
        raise ServersError(_(NO_MODEL_MESSAGE).format(models=settings.models_dir))
    if settings.replicas > 1 and not (settings.tracker_store_url and settings.lock_store_url):
        raise ServersError(
            _(
                "--replicas > 1 needs a shared tracker store and lock store: set MUQEEM_TRACKER_STORE_URL "
                "(postgresql://...) and MUQEEM_LOCK_STORE_URL (redis://...)"
            )
        )
    if (settings.replicas > 1 or settings.host not in LOOPBACK_HOSTS) and not settings.channel_token:
        raise ServersError(
            _("Replicas, or listening on a non-loopback address, need the shared secret: set MUQEEM_CHANNEL_TOKEN")
        )
    if settings.replicas > 1 and balancer.haproxy_binary() is None:
        raise ServersError(_(balancer.INSTALL_HINT))
    for name, port in (("Rasa", settings.rasa_port), ("actions", settings.actions_port)):
        if not port_is_free(settings.host, port):
            raise ServersError(
                _(
                    "Port {port} ({name}) is in use; stop what runs there or choose another port "
                    "(MUQEEM_RASA_PORT / MUQEEM_ACTIONS_PORT)"
                ).format(port=port, name=name)
            )


def describe(servers: Sequence[ServerProcess], settings: ServerSettings) -> str:
    """Where the servers listen, for the operator."""
    lines = [f"{server.name} (pid {server.process.pid})" for server in servers if server.process]
    lines += [
        f"REST: {settings.rasa_url}/webhooks/rest/webhook  actions: {settings.actions_url}/webhook",
        _("The servers are ready. Ctrl-C stops them."),
    ]
    return "\n".join(lines)


def run_foreground(settings: ServerSettings) -> int:
    """`muqeem servers`: the servers in the foreground, restarted when one exits, until SIGINT/SIGTERM."""
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
        signum: signal.signal(signum, request_stop) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    servers = stack_processes(settings, endpoints)
    print(
        _("Starting the action server and the Rasa server (model: {model})...").format(
            model=find_model(settings.models_dir).name
        ),
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
        print(_("The servers stopped."), flush=True)
        return code
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class BackgroundServers:
    """Context manager: starts the servers (logs in var/log/) when the Rasa server does not answer
    and `may_start` (False when the caller was given another Rasa URL), keeps them running (a thread
    restarts one that exits), and stops what it started on exit. `started` tells whether it started
    anything."""

    def __init__(self, settings: ServerSettings, progress: Callable[[str], None], may_start: bool = True):
        self.settings = settings
        self.progress = progress
        self.may_start = may_start
        self.servers: list[ServerProcess] = []
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def started(self) -> bool:
        return bool(self.servers)

    def __enter__(self) -> BackgroundServers:  # noqa: PYI034
        settings = self.settings
        if not self.may_start or url_answers(f"{settings.rasa_url}/"):
            return self
        if find_model(settings.models_dir) is None:
            raise ServersError(_(NO_MODEL_MESSAGE).format(models=settings.models_dir))
        log_dir = settings.var_dir / "log"
        servers = []
        if not url_answers(f"{settings.actions_url}/health"):
            servers.append(actions_process(settings, log_dir))
        servers.append(rasa_process(settings, write_endpoints_file(settings), log_dir))
        self.progress(_("Starting the servers, this may take a minute..."))
        self.servers = servers
        restarter = Restarter(servers, self.progress)
        try:
            start_all(servers)
            wait_until_ready(servers, settings.start_timeout, restarter=restarter)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        self._watcher = threading.Thread(target=self._watch, args=(restarter,), name="muqeem-supervisor", daemon=True)
        self._watcher.start()
        return self

    def _watch(self, restarter: Restarter) -> None:
        while not self._stop.wait(0.5):
            restarter.check()

    def died(self) -> ServerProcess | None:
        """A server this context started that is down at this moment (being restarted), if any."""
        return first_exited(self.servers)

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join()
        stop_all(self.servers)
        self.servers = []
