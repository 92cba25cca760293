"""The shared secret of the hops between the processes (SPEC 9.7), as every process reads it from its
environment: the bot and the terminal chat present it, the servers and every /metrics endpoint check it.
runtime/hops.py says where it comes from (the operator's MUQEEM_CHANNEL_TOKEN, else a hop token it keeps).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping

CHANNEL_TOKEN_VARIABLE = "MUQEEM_CHANNEL_TOKEN"
HOP_TOKEN_VARIABLE = "MUQEEM_HOP_TOKEN"


def channel_token(env: Mapping[str, str] = os.environ) -> str | None:
    """The operator's shared secret, if set."""
    return (env.get(CHANNEL_TOKEN_VARIABLE) or "").strip() or None


def hop_token_given(env: Mapping[str, str] = os.environ) -> str | None:
    """The secret a process was started with (MUQEEM_HOP_TOKEN: the operator's, else the kept hop token)."""
    return (env.get(HOP_TOKEN_VARIABLE) or "").strip() or channel_token(env)


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
