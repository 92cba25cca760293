"""The installed `muqeem` command: the domain commands (residency.administration.cli) plus the front ends.

`muqeem servers` runs the action server and the Rasa server in the foreground; `muqeem chat` and
`muqeem bot` talk to them and start them in the background when no Rasa server answers.
Rasa's address: MUQEEM_RASA_URL, else http://127.0.0.1:$MUQEEM_RASA_PORT (5005).
"""

from __future__ import annotations

import os
import signal
import sys

import typer

from runtime import supervisor
from runtime.hops import HOP_TOKEN_VARIABLE, hop_token
from runtime.servers import (
    BackgroundServers,
    ServerDied,
    ServersError,
    ServerSettings,
)
from replies import _
from residency.administration.cli import app
from residency.administration.seed import demo_telegram_id


def _settings() -> ServerSettings:
    try:
        return ServerSettings.from_env()
    except ServersError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2)


def _rasa_url(settings: ServerSettings) -> tuple[str, bool]:
    """Rasa's URL and whether the servers may be started here (only when no URL was given)."""
    given = os.environ.get("MUQEEM_RASA_URL", "").strip()
    return (given.rstrip("/"), False) if given else (settings.rasa_url, True)


def _exit_on_termination() -> None:
    # SIGTERM / SIGHUP (terminal closed) unwind like Ctrl-C, so that background servers are stopped.
    def leave(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGHUP, leave)


@app.command()
def servers(
    replicas: int = typer.Option(
        1,
        "--replicas",
        min=1,
        max=16,
        help="N Rasa servers and N action servers behind HAProxy on the usual ports (needs "
        "MUQEEM_TRACKER_STORE_URL, MUQEEM_LOCK_STORE_URL and MUQEEM_CHANNEL_TOKEN).",
    ),
) -> None:
    """شغّل خادم الإجراءات وخادم Rasa (قناة REST) في الواجهة وأعد تشغيل ما يتوقف منهما؛ Ctrl-C يوقفهما.
    Run the action server and the Rasa server in the foreground, restarting one that exits; Ctrl-C stops them."""
    _settings()  # a bad setting is told here, in the command's own words
    argv = supervisor.command(replicas)
    sys.stdout.flush()
    os.execv(argv[0], argv)  # the supervisor without the domain this command imported (runtime/supervisor.py)


@app.command()
def chat(
    telegram_id: int | None = typer.Option(
        None, "--as", help="Telegram id to chat as (default: MUQEEM_DEMO_TELEGRAM_ID or 1000001, the demo owner)."
    ),
    shaped: bool | None = typer.Option(
        None,
        "--shaped/--no-shape",
        help="Shape Arabic for terminals that cannot (default), or print it as is (also MUQEEM_TERMINAL_SHAPES=1).",
    ),
) -> None:
    """محادثة نصية في الطرفية عبر خادم Rasa نفسه. Terminal chat through the same Rasa server."""
    from frontends.rasa_client import RasaClient
    from frontends.terminal.chat import TerminalChat

    settings = _settings()
    sender = telegram_id if telegram_id is not None else demo_telegram_id()
    if shaped is None:
        shaped = os.environ.get("MUQEEM_TERMINAL_SHAPES", "").strip() not in ("1", "true", "yes")
    url, may_start = _rasa_url(settings)
    _exit_on_termination()
    try:
        with _servers_if_needed(settings, may_start) as background:
            conversation = TerminalChat(
                channel=RasaClient(url),
                sender=str(sender),
                shaped=shaped,
                downloads_dir=settings.var_dir / "downloads",
                server_died=lambda: _death_message(background),
            )
            code = conversation.run()
    except ServersError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2)
    raise typer.Exit(code)


@app.command()
def bot() -> None:
    """شغّل بوت تيليجرام (TELEGRAM_BOT_TOKEN)؛ يشغّل الخوادم إن لم تكن تعمل.
    Run the Telegram bot (TELEGRAM_BOT_TOKEN); starts the servers when they are not running."""
    if not os.environ.get("TELEGRAM_BOT_TOKEN", "").strip():
        typer.echo(
            _("TELEGRAM_BOT_TOKEN is not set: export the token from @BotFather, or use `muqeem chat`."), err=True
        )
        raise typer.Exit(2)
    settings = _settings()
    url, may_start = _rasa_url(settings)
    os.environ["MUQEEM_RASA_URL"] = url  # what frontends.telegram_bot.app.main reads
    os.environ.setdefault(HOP_TOKEN_VARIABLE, hop_token(settings.var_dir))  # the secret of the bot's /metrics
    _exit_on_termination()
    try:
        with _servers_if_needed(settings, may_start):
            from frontends.telegram_bot.app import main

            main()
    except ServersError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2)


def _servers_if_needed(settings: ServerSettings, may_start: bool) -> BackgroundServers:
    return BackgroundServers(
        settings,
        progress=lambda text: print(text, file=sys.stderr, flush=True),
        may_start=may_start,
    )


def _death_message(background: BackgroundServers) -> str | None:
    died = background.died()
    return None if died is None else str(ServerDied(died))
