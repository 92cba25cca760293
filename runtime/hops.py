"""The shared secret of the hops between the processes (SPEC 9.7) and the check each server makes.

- `MUQEEM_CHANNEL_TOKEN` (the operator's): when set, the REST channel, Rasa's HTTP API and the action
  server all refuse a request without it; the bot and the terminal chat send it as
  `Authorization: Bearer <token>`. Needed to bind anything but loopback or to run replicas.
- Without it, the REST channel on loopback is open (SPEC 7), but Rasa's HTTP API and the action server
  still refuse requests without the *hop token*: a random secret kept in `var/hop-token` (mode 0600,
  made on first start), so that another local account cannot drive a conversation through them.
The servers get the hop token in their environment as MUQEEM_HOP_TOKEN, never on a command line.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

CHANNEL_TOKEN_VARIABLE = "MUQEEM_CHANNEL_TOKEN"
HOP_TOKEN_VARIABLE = "MUQEEM_HOP_TOKEN"
HOP_TOKEN_FILE = "hop-token"


def channel_token(env: Mapping[str, str] = os.environ) -> str | None:
    """The operator's shared secret, if set."""
    return (env.get(CHANNEL_TOKEN_VARIABLE) or "").strip() or None


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


def bearer_header(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The header a front end sends to the REST channel (empty without a channel token)."""
    token = channel_token(env)
    return {"Authorization": f"Bearer {token}"} if token else {}


def presented_token(headers: Mapping[str, str], args: Mapping[str, object]) -> str:
    """The token a request carries: `Authorization: Bearer ...` or a `token` query parameter (what
    Rasa sends to an action endpoint with a `token` setting)."""
    authorization = headers.get("Authorization") or headers.get("authorization") or ""
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    value = args.get("token")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")


def token_matches(expected: str | None, presented: str) -> bool:
    """True when no token is expected, or the presented one is it (constant-time)."""
    return expected is None or hmac.compare_digest(expected.encode(), presented.encode())
