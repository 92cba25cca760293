"""The `muqeem` command line: database, demo, establishments, residents, users, codes, border events.

The front-end commands (`servers`, `chat`, `bot`) are added by bot/cli.py, the installed entry point,
so that this package never imports Rasa or Telegram.
"""
import typer

app = typer.Typer(help="مقيم: أوامر إدارة المنشأة والمقيمين", no_args_is_help=True)
