"""`python -m runtime.supervisor [--replicas N]`: what `muqeem servers` runs, in a process of its own.

The `muqeem` command imports the whole domain for its other commands (63 MB resident); supervising the
servers needs none of it (21 MB). So `muqeem servers` replaces itself with this module (os.execv: the
same process id, terminal and signals) once its options are read.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from runtime.servers import ServersError, ServerSettings, run_foreground


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="muqeem servers")
    parser.add_argument("--replicas", type=int, default=1)
    arguments = parser.parse_args(argv)
    try:
        settings = ServerSettings.from_env()
    except ServersError as error:
        print(error, file=sys.stderr)
        return 2
    return run_foreground(dataclasses.replace(settings, replicas=arguments.replicas))


def command(replicas: int) -> list[str]:
    """The command line `muqeem servers --replicas N` becomes."""
    return [sys.executable, "-m", "runtime.supervisor", "--replicas", str(replicas)]


if __name__ == "__main__":
    raise SystemExit(main())
