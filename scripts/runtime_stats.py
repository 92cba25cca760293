"""CPU time and resident memory of a process and all its descendants, from /proc (Linux)."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


def _descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        children = Path(f"/proc/{current}/task/{current}/children")
        if children.exists():
            pending.extend(int(child) for child in children.read_text().split())
    return found


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by `pid` and its descendants."""
    total = 0
    for process in _descendants(pid):
        try:
            fields = _stat(process)
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / TICKS


def rss_megabytes(pid: int, descendants: bool = True) -> float:
    """Resident memory of `pid` (and its descendants unless told not), in MB."""
    total = 0
    for process in _descendants(pid) if descendants else [pid]:
        try:
            total += int(Path(f"/proc/{process}/statm").read_text().split()[1])
        except FileNotFoundError:
            continue
    return round(total * PAGE_MB, 1)
