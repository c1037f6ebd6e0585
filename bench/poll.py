"""The poller under load against PostgreSQL, and a save()-per-value baseline, in one run.

A simulator process serves N COMasters (default 500) of 4 IEDs, 64 DIs and 32 AIs each,
whose field changes about a tenth of its values and hands out about two events a second;
every COMaster is polled once a second. Then:

1. ``manage.py poll`` (the real poller) runs against it; the bench reads the poller's
   metrics and /proc over a measuring window and prints replies/s stored, poll lateness
   p50/p99 (how late polls leave against their fixed-rate schedule), events/s, the
   poller's CPU (in cores) and memory, the CPU of the PostgreSQL backends serving it
   (their pids from pg_stat_activity, their CPU from /proc), CPU per stored reply, the
   share of poll_point updates that were HOT (pg_stat_user_tables), the write-batch
   time, and events late and lost: those the simulator's ledger says it handed out by the
   window's end that are not in the database then (late), and those of them still not in
   it once every COMaster has had a later reply stored (lost: SEQ moves on only once an
   answer is stored, so every earlier answer's events are in by then).
2. The baseline (how the original master stored data) polls the same simulator with the
   same client, but saves every value of every reply with its own ORM ``save()`` and
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
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import poll_alarms
from bench.poll_load import PROFILE_NAME

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "postgres://postgres@127.0.0.1:5432/smve_bench"
IEDS, DIS_PER_IED, AIS_PER_IED = 4, 16, 8
EVENTS_PER_SECOND = 2.0
AI_SPREAD = 4.0
"""Raw-count wander that makes about a quarter of the AIs change between polls: with two
DI events, about a tenth of the 96 values change per reply."""
LATENESS_GOAL = 0.2
WARM_UP = 10.0
SETTLE_TIMEOUT = 180.0
"""Seconds to wait for every COMaster online and the first replies written; an overloaded
poller that never gets there is measured all the same, and the report says so."""
"""Seconds of polling after the first replies are written and before measuring."""
SECONDS_TICKS = os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comasters", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=30.0, help="measuring window")
    parser.add_argument("--database-url", default=BENCH_DATABASE)
    parser.add_argument("--keep", type=Path, help="keep the logs, ledger and spool in this folder")
    parser.add_argument("--no-baseline", action="store_true", help="measure the poller only")
    parser.add_argument("--alarms", action="store_true", help="alarms on every AI and DI")
    args = parser.parse_args()
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
        profile_path = build_site(args.comasters, workdir)
        alarms = poll_alarms.define(PROFILE_NAME) if args.alarms else 0
        with simulator(profile_path, workdir) as control:
            ours = measure_poller(args, workdir, control)
            clear_records()
            baseline = {} if args.no_baseline else measure_baseline(args, workdir)
        report(args, ours, baseline)
        if args.alarms:
            sys.stdout.write(poll_alarms.report(alarms) + "\n")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


# The site


def create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    server = url.rsplit("/", 1)[0].replace("postgres://", "postgresql://") + "/postgres"
    with psycopg.connect(server, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def build_site(count: int, workdir: Path) -> Path:
    """The bench profile in an emptied database (bulk inserts, active) and as a file for
    the simulator. The COMasters' ports are those the simulator's system picks
    (:func:`listen_ports`)."""
    from django.db import connection, transaction

    from poll.models import IED, COMaster, Point, Profile

    flips = EVENTS_PER_SECOND * 3600 / (IEDS * DIS_PER_IED)
    document: dict[str, Any] = {"profile": {"name": PROFILE_NAME}}
    with connection.cursor() as cursor:  # the bench database is the bench's alone
        cursor.execute("TRUNCATE poll_profile, poll_revision RESTART IDENTITY CASCADE")
    with transaction.atomic():
        profile = Profile.objects.create(name=PROFILE_NAME, active=True)
        comasters = COMaster.objects.bulk_create(
            COMaster(
                profile=profile,
                name=f"B{n:03d}",
                host="127.0.0.1",
                port=0,
                poll_interval=1.0,
                reply_timeout=1.0,
                attempts=3,
            )
            for n in range(count)
        )
        ieds = IED.objects.bulk_create(
            IED(comaster=comaster, offset=offset, address=offset + 1, name=f"IED {offset}")
            for comaster in comasters
            for offset in range(IEDS)
        )
        points = []
        for ied in ieds:
            prefix = f"{ied.comaster.name}I{ied.offset}"
            points.append(Point(profile=profile, ied=ied, kind="sv", tag=f"{prefix}SV", offset=0))
            for n in range(DIS_PER_IED):
                tag = f"{prefix}D{n:02d}"
                points.append(
                    Point(
                        profile=profile,
                        ied=ied,
                        kind="di",
                        tag=tag,
                        offset=n,
                        port=n // 8,
                        bit=n % 8,
                    )
                )
            for n in range(AIS_PER_IED):
                tag, channel = f"{prefix}A{n}", 0 if n == 0 else None
                points.append(
                    Point(
                        profile=profile,
                        ied=ied,
                        kind="ai",
                        tag=tag,
                        offset=n,
                        escala=0.1,
                        channel=channel,
                    )
                )
        Point.objects.bulk_create(points, batch_size=5000)
    ied_documents = [
        {
            "offset": offset,
            "address": offset + 1,
            "di": [
                {"tag": f"I{offset}D{n}", "offset": n, "port": n // 8, "bit": n % 8}
                | {"sim": {"value": 0, "flip_per_hour": flips}}
                for n in range(DIS_PER_IED)
            ],
            "ai": [
                {"tag": f"I{offset}A{n}", "offset": n, "channel": 0 if n == 0 else None}
                | {"sim": {"raw": 2000, "spread": AI_SPREAD}}
                for n in range(AIS_PER_IED)
            ],
        }
        for offset in range(IEDS)
    ]
    document["comasters"] = [
        {"name": c.name, "port": c.port, "address": c.address, "ieds": ied_documents}
        for c in comasters
    ]
    path = workdir / "profile.json"
    path.write_text(json.dumps(document))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return path


def clear_records() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE poll_event, poll_energy, poll_sample, poll_comevent")


# Processes


@contextmanager
def simulator(profile: Path, workdir: Path) -> Iterator[Any]:
    """The simulator on ports the system picks; the COMasters in the database are pointed at
    them before the control connection is handed out."""
    (workdir / "ledger.jsonl").unlink(missing_ok=True)  # a kept folder's earlier run
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.poll_load", "simulate", str(profile)]
        + ["--port-base", "0", "--control-port", "0"]
        + ["--ledger", str(workdir / "ledger.jsonl"), "--seed", "1"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=(workdir / "simulator.log").open("wb"),
    )
    try:
        ports = listen_ports(process, workdir)
        port = ports.pop("control")
        point_comasters_at(ports)
        connection = wait_for(lambda: _connect(port, process, workdir), 120, "the simulator")
        replies = connection.makefile("rb")

        def control(cmd: str, **request: Any) -> dict[str, Any]:
            connection.sendall(json.dumps({"cmd": cmd, **request}).encode() + b"\n")
            return json.loads(replies.readline())

        yield control
        connection.close()
    finally:
        stop(process)


def listen_ports(process: subprocess.Popen, workdir: Path) -> dict[str, int]:
    """``{name: port}`` from the simulator's ``NAME listening on HOST:PORT`` lines, up to
    the control interface's, which comes last."""
    assert process.stdout is not None
    ports: dict[str, int] = {}
    while "control" not in ports:
        line = process.stdout.readline().decode()
        if not line:
            log = (workdir / "simulator.log").read_text()[-2000:]
            raise RuntimeError(f"the simulator exited:\n{log}")
        name, found, address = line.strip().partition(" listening on ")
        if found:
            ports[name] = int(address.rpartition(":")[2])
    return ports


def point_comasters_at(ports: dict[str, int]) -> None:
    from django.db import transaction

    from poll.models import COMaster

    with transaction.atomic():
        for name, port in ports.items():
            COMaster.objects.filter(profile__name=PROFILE_NAME, name=name).update(port=port)


def _connect(port: int, process: subprocess.Popen, workdir: Path) -> socket.socket | None:
    if process.poll() is not None:
        log = (workdir / "simulator.log").read_text()[-2000:]
        raise RuntimeError(f"the simulator exited:\n{log}")
    try:
        return socket.create_connection(("127.0.0.1", port), timeout=180)
    except OSError:
        return None


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)
    return result


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


# Our poller


def measure_poller(args: argparse.Namespace, workdir: Path, control: Any) -> dict[str, float]:
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
            updates0, links0 = point_updates(), point_updates("poll_comaster")
            start, t0 = metrics(metrics_port), time.monotonic()
            cpu0 = usage.cpu()
            backends.follow(args.seconds)
            end, t1 = metrics(metrics_port), time.monotonic()
            cpu1 = usage.cpu()
            result = rates(start, end, t1 - t0)
            result["cpu"] = (cpu1 - cpu0) / (t1 - t0)
            result["pg_cpu"] = backends.seconds() / (t1 - t0)
            result["backends"] = len(backends.first)
            result["settled"] = result_settled
            result["rss"] = usage.rss_mb()
            result["spool"] = end.get("smve_poll_spool_depth", 0.0)
            result["batch_p50"] = quantile(start, end, "smve_poll_write_batch_seconds", 0.5)
            result["entries_p50"] = quantile(start, end, "smve_poll_write_batch_entries", 0.5)
            timeouts = 'smve_poll_failures_total{reason="timeout"}'
            result["timeouts"] = (end.get(timeouts, 0.0) - start.get(timeouts, 0.0)) / (t1 - t0)
            window_end = time.time()
            control("flush_ledger")
            late = missing_events(handed_out(workdir / "ledger.jsonl"))
            result["late"] = float(len(late))
            lost = lost_events(late, window_end)
            result["lost"] = float("nan") if lost is None else float(len(lost))
            (workdir / "lost.json").write_text(json.dumps(sorted(lost or ())))  # for --keep
            result["hot"] = hot_fraction(updates0, point_updates())
            result["links_hot"] = hot_fraction(links0, point_updates("poll_comaster"))
    finally:
        stop(process)
    return result


@contextmanager
def vacuuming(every: float = 10.0) -> Iterator[None]:
    """Vacuum the tables the poller updates in place, as autovacuum would, when autovacuum
    is off on the server (it is on by default; without it they bloat within a minute)."""
    import threading

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
        "p50": quantile(start, end, "smve_poll_lateness_seconds", 0.5),
        "p99": quantile(start, end, "smve_poll_lateness_seconds", 0.99),
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


def handed_out(ledger: Path) -> set[tuple[str, str]]:
    """Events the simulator's ledger says it handed out, as far as it was flushed: only
    whole lines (the simulator goes on writing it)."""
    with ledger.open("rb") as lines:
        return {
            (line["comaster"], line["raw"])
            for line in map(json.loads, (raw for raw in lines if raw.endswith(b"\n")))
        }


def missing_events(events: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Those of ``events`` that are not in the database now."""
    from poll.models import Energy, Event

    missing = set(events)
    missing -= set(Event.objects.values_list("comaster__name", "raw"))
    missing -= set(Energy.objects.values_list("comaster__name", "raw"))
    return missing


def lost_events(
    late: set[tuple[str, str]], window_end: float, patience: float = 300.0
) -> set[tuple[str, str]] | None:
    """The events missing at the window's end (``late``) that are still not in the
    database once every COMaster has had a reply stored since the window ended: lost.

    SEQ moves on only once an answer is stored, so a COMaster's reply stored after the
    window means that every answer it handed out before, with its events, is in the
    database (the writer commits entries in order). Until then an event may be late: its
    answer is asked for again (BufRetry). None if some COMaster did not get there within
    ``patience`` seconds (an overload that never ended: lost and late cannot be told
    apart, and the report says so)."""
    from django.db.models import Min

    from poll.models import COMaster

    since = datetime.fromtimestamp(window_end, UTC)

    def caught_up() -> bool:
        oldest = COMaster.objects.aggregate(oldest=Min("last_poll_at"))["oldest"]
        return oldest is not None and oldest > since

    try:
        wait_for(caught_up, patience, "a reply from every COMaster after the window")
    except RuntimeError:
        return None
    return missing_events(late)


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


# Report


def report(args: argparse.Namespace, ours: dict[str, float], baseline: dict[str, float]) -> None:
    expected = args.comasters / 1.0
    nan = float("nan")
    baseline = {"replies": nan, "events": nan, "p50": nan, "p99": nan} | baseline
    ratio = ours["replies"] / max(baseline["replies"], 1e-9)
    per_reply = (ours["cpu"] + ours["pg_cpu"]) * 1000 / max(ours["replies"], 1e-9)
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    unsettled = "   (UNSETTLED: a COMaster never answered again)" * math.isnan(ours["lost"])
    lines = [
        f"Poller bench: {args.comasters} COMasters x ({IEDS} IEDs, {IEDS * DIS_PER_IED} DIs, "
        f"{IEDS * AIS_PER_IED} AIs) polled every 1 s, PostgreSQL, {args.seconds:g} s window",
        f"machine: {os.cpu_count()} cores, load average {load} at the end",
        *(
            []
            if ours.get("settled", 1.0)
            else [f"NOT SETTLED: not every COMaster online within {SETTLE_TIMEOUT:g} s"]
        ),
        "",
        f"{'':28}{'poller':>14}{'save() baseline':>18}",
        f"{'replies/s stored':28}{ours['replies']:>14.1f}{baseline['replies']:>18.1f}"
        f"   (expected {expected:.0f})",
        f"{'events/s stored':28}{ours['events']:>14.1f}{baseline['events']:>18.1f}",
        f"{'poll lateness p50 (ms)':28}{ours['p50'] * 1000:>14.1f}{baseline['p50'] * 1000:>18.1f}",
        f"{'poll lateness p99 (ms)':28}{ours['p99'] * 1000:>14.1f}{baseline['p99'] * 1000:>18.1f}",
        f"{'CPU (cores)':28}{ours['cpu']:>14.2f}{baseline.get('cpu', float('nan')):>18.2f}",
        f"{'PostgreSQL CPU (cores)':28}{ours['pg_cpu']:>14.2f}"
        f"   ({ours['backends']:.0f} backends of the poller)",
        f"{'CPU ms per stored reply':28}{per_reply:>14.2f}   (poller + PostgreSQL)",
        f"{'poll_point updates HOT':28}{ours['hot'] * 100:>13.0f}%",
        f"{'poll_comaster updates HOT':28}{ours['links_hot'] * 100:>13.0f}%",
        f"{'memory (MB RSS)':28}{ours['rss']:>14.0f}{baseline.get('rss', float('nan')):>18.0f}",
        f"{'write batches/s':28}{ours['batches']:>14.1f}",
        f"{'write batch p50 (ms)':28}{ours['batch_p50'] * 1000:>14.1f}",
        f"{'entries per batch p50':28}{ours.get('entries_p50', float('nan')):>14.1f}",
        f"{'reply timeouts/s':28}{ours.get('timeouts', float('nan')):>14.1f}",
        f"{'spool depth at the end':28}{ours['spool']:>14.0f}",
        f"{'events late (window end)':28}{ours['late']:>14.0f}",
        f"{'events lost':28}{ours['lost']:>14.0f}" + unsettled,
        "",
        f"replies/s ratio poller / baseline: {ratio:.1f}x",
        f"goal p99 lateness < {LATENESS_GOAL * 1000:.0f} ms: "
        + ("met" if ours["p99"] < LATENESS_GOAL else "not met")
        + f"; poller under one core: {'met' if ours['cpu'] < 1.0 else 'not met'}"
        + f"; zero lost events: {'met' if ours['lost'] == 0 else 'not met'}",
    ]
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
