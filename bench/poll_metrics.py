"""What the poller bench reads over its window: the poller's Prometheus metrics, CPU and
memory from /proc (the poller's, its PostgreSQL backends', the simulators'), and the HOT
share of updates from PostgreSQL's statistics."""

from __future__ import annotations

import os
import re
import time
import urllib.request
from pathlib import Path

SECONDS_TICKS = os.sysconf("SC_CLK_TCK")


def metrics(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as page:
        text = page.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def rates(start: dict[str, float], end: dict[str, float], elapsed: float) -> dict[str, float]:
    def per_second(name: str) -> float:
        return (end.get(name, 0.0) - start.get(name, 0.0)) / elapsed

    return {
        "replies": per_second("smve_poll_replies_total"),
        "events": per_second("smve_poll_events_stored_total"),
        "batches": per_second("smve_poll_write_batches_total"),
        "timeouts": per_second('smve_poll_failures_total{reason="timeout"}'),
        "p50": quantile(start, end, "smve_poll_lateness_seconds", 0.5),
        "p99": quantile(start, end, "smve_poll_lateness_seconds", 0.99),
        "batch_p50": quantile(start, end, "smve_poll_write_batch_seconds", 0.5),
        "entries_p50": quantile(start, end, "smve_poll_write_batch_entries", 0.5),
    }


def quantile(start: dict[str, float], end: dict[str, float], histogram: str, q: float) -> float:
    """A quantile of what a Prometheus histogram counted between two scrapes, interpolated
    within its bucket as Prometheus' histogram_quantile does."""
    pattern = re.compile(rf'^{histogram}_bucket\{{le="([^"]+)"\}}$')
    buckets = sorted(
        (float(match.group(1)), end[name] - start.get(name, 0.0))
        for name in end
        if (match := pattern.match(name))
    )
    if not buckets:  # a poller without this histogram
        return float("nan")
    total = buckets[-1][1]
    if not total:
        return float("nan")
    rank, lower, below = q * total, 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return lower
            return lower + (bound - lower) * (rank - below) / max(count - below, 1e-9)
        lower, below = bound, count
    return lower


class Usage:
    """CPU seconds and resident memory of a process, from /proc."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def cpu(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / SECONDS_TICKS

    def rss_mb(self) -> float:
        status = Path(f"/proc/{self.pid}/status").read_text()
        match = re.search(r"VmRSS:\s+(\d+)", status)
        assert match is not None, f"no VmRSS in /proc/{self.pid}/status"
        return int(match.group(1)) / 1024


class BackendUsage:
    """CPU seconds the poller's PostgreSQL backends spent over a window. Backends come and
    go (a thread's connection closed and opened again): they are listed again every half
    second, one that appears counts from 0, one that ends counts up to its last reading."""

    def __init__(self) -> None:
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self._read(initial=True)

    def follow(self, seconds: float, every: float = 0.5) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(every, left))
            self._read(initial=False)

    def seconds(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)

    def _read(self, *, initial: bool) -> None:
        for pid in backend_pids():
            try:
                used = Usage(pid).cpu()
            except (FileNotFoundError, ProcessLookupError):
                continue
            self.first.setdefault(pid, used if initial else 0.0)
            self.last[pid] = used


def backend_pids() -> list[int]:
    """The PostgreSQL backends serving the poller: every client backend on the bench
    database but the bench's own connection (the server runs on this machine, so their
    CPU is in /proc)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def point_updates(table: str = "poll_point") -> tuple[int, int]:
    """``(updates, HOT updates)`` of a table so far, from pg_stat_user_tables."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = %s",
            [table],
        )
        updates, hot = cursor.fetchone()
    return updates, hot


def hot_fraction(start: tuple[int, int], end: tuple[int, int]) -> float:
    updates = end[0] - start[0]
    return (end[1] - start[1]) / updates if updates else float("nan")
