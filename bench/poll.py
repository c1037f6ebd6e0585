"""The poller under load against PostgreSQL, and a save()-per-value baseline, in one run.

Simulator processes (one per 500 COMasters by default) serve N COMasters (default 500) of
4 IEDs, 64 DIs and 32 AIs each, whose field changes about a tenth of its values and hands
out about two events a second; every COMaster is polled once a second. Then:

1. ``manage.py poll`` (the real poller) runs against them; the bench reads the poller's
   metrics and /proc over a measuring window and prints replies/s stored, reply
   timeouts/s, poll lateness p50/p99 (how late polls leave against their fixed-rate
   schedule), events/s, the CPU (in cores) of the poller, of the PostgreSQL backends
   serving it (their pids from pg_stat_activity, their CPU from /proc) and of the
   simulators, apart, CPU per stored reply, the poller's memory, the share of poll_point
   updates that were HOT (pg_stat_user_tables), the write-batch time, and the events
   handed out by the window's end that were late and lost (:mod:`bench.poll_ledger`).
2. The baseline (how the original master stored data) polls the same simulators with
   the same client, but saves every value of every reply with its own ORM ``save()`` and
   every event with its own ``save()``, in the reactor thread. It prints the same figures
   and the ratio.

It uses (and creates, if needed) the database ``smve_bench`` on the local PostgreSQL, and
stops every process it started. Run: ``python -m bench.poll [--comasters N] [--seconds S]``;
``--alarms`` defines an alarm on every AI and DI first (bench/poll_alarms.py).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench import poll_alarms
from bench.database import create_database
from bench.poll_ledger import EventAccount, account_events, handed_out, missing_events
from bench.poll_load import PROFILE_NAME
from bench.poll_metrics import (
    BackendUsage,
    Usage,
    hot_fraction,
    metrics,
    point_updates,
    rates,
)
from bench.poll_processes import ROOT, Simulator, free_port, simulators, stop, wait_for
from bench.poll_report import report
from bench.poll_site import build_site, clear_records, point_comasters_at

BENCH_DATABASE = "postgres://postgres@127.0.0.1:5432/smve_bench"
COMASTERS_PER_SIMULATOR = 500
"""One simulator process keeps up with about this many COMasters polled every second."""
SETTLE_TIMEOUT = 180.0
"""Seconds to wait for every COMaster online and the first replies written; an overloaded
poller that never gets there is measured all the same, and the report says so."""
WARM_UP = 10.0
"""Seconds of polling after the first replies are written and before measuring."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comasters", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=30.0, help="measuring window")
    parser.add_argument(
        "--simulators",
        type=int,
        help="simulator processes (default: one per "
        f"{COMASTERS_PER_SIMULATOR} COMasters, so that they keep up)",
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=120.0,
        help="seconds to wait for the poller to drain before counting lost events",
    )
    parser.add_argument("--database-url", default=BENCH_DATABASE)
    parser.add_argument("--keep", type=Path, help="keep the logs, ledgers and spool in this folder")
    parser.add_argument("--no-baseline", action="store_true", help="measure the poller only")
    parser.add_argument("--alarms", action="store_true", help="alarms on every AI and DI")
    args = parser.parse_args()
    if args.simulators is None:
        args.simulators = math.ceil(args.comasters / COMASTERS_PER_SIMULATOR)
    os.environ.update(
        DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="smve.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only"),
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
    )
    create_database(args.database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="smve-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        profiles = build_site(args.comasters, workdir, args.simulators)
        alarms = poll_alarms.define(PROFILE_NAME) if args.alarms else 0
        with simulators(profiles, workdir, point_comasters_at) as running:
            ours, events = measure_poller(args, workdir, running)
            clear_records()
            baseline = {} if args.no_baseline else measure_baseline(args, workdir)
        report(args, ours, events, baseline, SETTLE_TIMEOUT)
        if args.alarms:
            sys.stdout.write(poll_alarms.report(alarms) + "\n")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


# Our poller


def measure_poller(
    args: argparse.Namespace, workdir: Path, running: list[Simulator]
) -> tuple[dict[str, float], EventAccount]:
    metrics_port = free_port()
    environment = {**os.environ, "POLL_SPOOL_DIR": str(workdir / "spool")}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "poll", "--metrics-port", str(metrics_port)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "poller.log").open("wb"),
    )

    def settled() -> bool:
        """Every COMaster online and the first replies (every point) written."""
        _running(process, workdir)
        try:
            values = metrics(metrics_port)
        except OSError:
            return False  # not serving metrics yet
        online = values.get("smve_poll_comasters_online", 0.0) >= args.comasters
        return online and values["smve_poll_spool_depth"] < args.comasters

    try:
        with vacuuming():
            try:
                wait_for(settled, SETTLE_TIMEOUT, "the poller to settle")
                result_settled = 1.0
            except RuntimeError:  # overloaded: measure it as it is, and say so
                result_settled = 0.0
            time.sleep(WARM_UP)
            usage, backends = Usage(process.pid), BackendUsage()
            sims = [Usage(simulator.process.pid) for simulator in running]
            updates0, links0 = point_updates(), point_updates("poll_comaster")
            start, t0 = metrics(metrics_port), time.monotonic()
            cpu0, sim0 = usage.cpu(), sum(sim.cpu() for sim in sims)
            backends.follow(args.seconds)
            end, t1 = metrics(metrics_port), time.monotonic()
            cpu1, sim1 = usage.cpu(), sum(sim.cpu() for sim in sims)
            # Flushed first, then the window ends: whatever a ledger counted was handed
            # out by then, and what the simulators hand out afterwards is not counted.
            recorded = [simulator.flush_ledger() for simulator in running]
            window_end = time.time()
            result = rates(start, end, t1 - t0)
            result["cpu"] = (cpu1 - cpu0) / (t1 - t0)
            result["pg_cpu"] = backends.seconds() / (t1 - t0)
            result["sim_cpu"] = (sim1 - sim0) / (t1 - t0)
            result["backends"] = len(backends.first)
            result["settled"] = result_settled
            result["rss"] = usage.rss_mb()
            result["spool"] = end.get("smve_poll_spool_depth", 0.0)
            result["hot"] = hot_fraction(updates0, point_updates())
            result["links_hot"] = hot_fraction(links0, point_updates("poll_comaster"))
            events = set().union(
                *(
                    handed_out(sim.ledger, count)
                    for sim, count in zip(running, recorded, strict=True)
                )
            )
            account = account_events(
                events,
                missing_events,
                Drain(running, metrics_port, window_end),
                args.drain_timeout,
            )
            still_missing = sorted(missing_events(events))  # lost, once it drained
            (workdir / "missing.json").write_text(json.dumps(still_missing))  # for --keep
    finally:
        stop(process)
    return result, account


class Drain:
    """Whether the poller has drained since ``since`` (called again and again).

    Drained: every COMaster has had a reply stored since ``since`` (so every answer
    handed out before was stored, or asked for again and stored, first), and then the
    poller's journal holds nothing that is not in the database. An overloaded poller never
    gets there while the field keeps it busy: when it has not drained after
    ``QUIET_AFTER`` seconds, the simulators fall silent (they hand out nothing while
    silent) until its journal is empty, and then answer again; the first poll after that
    repeats any answer not stored (BufRetry)."""

    QUIET_AFTER = 10.0

    def __init__(self, running: list[Simulator], metrics_port: int, since: float) -> None:
        self._running, self._port = running, metrics_port
        self._since = datetime.fromtimestamp(since, UTC)
        self._quiet_at = time.monotonic() + self.QUIET_AFTER
        self._silent = self._resumed = False

    def __call__(self) -> bool:
        if not self._silent and time.monotonic() > self._quiet_at:
            self._tell_simulators("stop")
            self._silent = True
        if self._silent and not self._resumed:
            if self._journal_pending():
                return False
            self._tell_simulators("resume")
            self._resumed = True
        return self._every_comaster_stored_since() and not self._journal_pending()

    def _tell_simulators(self, cmd: str) -> None:
        for simulator in self._running:
            simulator.control(cmd)

    def _journal_pending(self) -> bool:
        return metrics(self._port).get("smve_poll_spool_depth", 0.0) > 0

    def _every_comaster_stored_since(self) -> bool:
        from django.db.models import Min

        from poll.models import COMaster

        oldest = COMaster.objects.aggregate(oldest=Min("last_poll_at"))["oldest"]
        return oldest is not None and oldest > self._since


@contextmanager
def vacuuming(every: float = 10.0) -> Iterator[None]:
    """Vacuum the tables the poller updates in place, as autovacuum would, when autovacuum
    is off on the server (it is on by default; without it they bloat within a minute)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        if cursor.fetchone()[0] == "on":
            yield
            return
    stopping = threading.Event()

    def vacuum() -> None:
        from django.db import connection

        while not stopping.wait(every):
            with connection.cursor() as cursor:
                cursor.execute("VACUUM poll_point, poll_comaster")
        connection.close()

    thread = threading.Thread(target=vacuum, name="vacuum")
    thread.start()
    try:
        yield
    finally:
        stopping.set()
        thread.join()


def _running(process: subprocess.Popen, workdir: Path) -> bool:
    if process.poll() is not None:
        log = (workdir / "poller.log").read_text()[-2000:]
        raise RuntimeError(f"the poller exited:\n{log}")
    return True


# The baseline


def measure_baseline(args: argparse.Namespace, workdir: Path) -> dict[str, float]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.poll_load", "baseline", "--seconds", str(args.seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=(workdir / "baseline.log").open("wb"),
        text=True,
    )
    usage = Usage(process.pid)
    samples = []
    while process.poll() is None:
        try:
            samples.append((time.monotonic(), usage.cpu(), usage.rss_mb()))
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.5)
    output = process.communicate()[0]
    if process.returncode:
        log = (workdir / "baseline.log").read_text()[-2000:]
        raise RuntimeError(f"the baseline failed:\n{log}")
    result = json.loads(output)
    measured = [s for s in samples if s[0] >= samples[0][0] + result["warmup"]]
    if len(measured) >= 2:
        result["cpu"] = (measured[-1][1] - measured[0][1]) / (measured[-1][0] - measured[0][0])
        result["rss"] = measured[-1][2]
    return result


if __name__ == "__main__":
    sys.exit(main())
