"""The shared secret of the hops between the processes (SPEC 9.7) and the check each server makes.

- `MUQEEM_CHANNEL_TOKEN` (the operator's): when set, the REST channel, Rasa's HTTP API and the action
  server all refuse a request without it; the bot and the terminal chat send it as
  `Authorization: Bearer <token>`. Needed to bind anything but loopback or to run replicas.
- Without it, the REST channel on loopback is open (SPEC 7), but Rasa's HTTP API and the action server
  still refuse requests without the *hop token*: a random secret kept in `var/hop-token` (mode 0600,
  made on first start), so that another local account cannot drive a conversation through them.
The servers get the hop token in their environment as MUQEEM_HOP_TOKEN, never on a command line. Reading
and checking it is frontends/hop_secret.py's, which the front ends share (they import nothing of runtime/).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from frontends.hop_secret import (
    CHANNEL_TOKEN_VARIABLE,
    HOP_TOKEN_VARIABLE,
    bearer_header,
    channel_token,
    presented_token,
    token_matches,
)

__all__ = [
    "CHANNEL_TOKEN_VARIABLE",
    "HOP_TOKEN_VARIABLE",
    "HOP_TOKEN_FILE",
    "bearer_header",
    "channel_token",
    "hop_token",
    "presented_token",
    "token_matches",
]
HOP_TOKEN_FILE = "hop-token"


def hop_token(var_dir: Path, env: Mapping[str, str] = os.environ) -> str:
    """The secret between Rasa and the action server and for Rasa's HTTP API: the operator's, else the
    one kept in var_dir (made now when missing)."""
    given = channel_token(env)
    if given:
        return given
    path = var_dir / HOP_TOKEN_FILE
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(32))
    return path.read_text().strip()
