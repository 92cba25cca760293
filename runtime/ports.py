"""Free loopback ports for the servers we start.

They are taken below the kernel's ephemeral range (Linux: 32768-60999): a port the kernel hands out
for `bind(0)` is also a port it may give an outgoing connection a moment later, and a replica's
pooled PostgreSQL or Redis connection then holds it for as long as it lives, so that HAProxy cannot
bind it (seen in CI: ten restarts of the balancer on one port). A port is never handed out twice by
one process."""

from __future__ import annotations

import random
import socket
from pathlib import Path

_given: set[int] = set()


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_ports(count: int, avoid: tuple[int, ...] = ()) -> list[int]:
    """`count` distinct loopback ports that nothing listens on now, outside the ephemeral range and
    other than `avoid` (ports already promised to someone who has not bound them yet)."""
    candidates = list(range(20000, max(_ephemeral_start(), 20000 + count)))
    random.shuffle(candidates)
    ports: list[int] = []
    for port in candidates:
        if port in _given or port in avoid:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        _given.add(port)
        if len(ports) == count:
            return ports
    raise OSError("no free loopback port below the ephemeral range")
