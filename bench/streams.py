"""Live streams through nginx: one web worker, N streams (default 500), changes from the
field delivered to all of them; and the database's work while they sit idle.

The deployment of tests/deploy/ (deploy/'s supervisor and nginx files, TLS, one gunicorn
worker) runs on the database ``smve_bench_streams`` (``--database``; created afresh) with the Mara
simulator in the field. Each round opens a set of streams over https (asyncio, one TLS
connection each), flips a DI a few times and takes, for every stream, the time from the
flip to the message showing it. The contenders are one stream (the baseline) and N
streams, interleaved round by round (bench/measure.py's rule); the figures are the p95
latency of each, medians over rounds, and their ratio. Then, with the field quiet, the
database's committed transactions per second in windows with N streams open are compared
with those of windows with one stream, alternated (:func:`idle_rates`): per idle stream
they must be zero; the web worker's CPU is measured in the same windows (a revision wakes
only the streams of the screens it touched, after one check per process:
hmi.revision_feed; what remains per idle stream is its heartbeat every 15 s).

Run (PostgreSQL on 127.0.0.1, nginx and supervisor installed):
``python -m bench.streams [--streams 500] [--rounds 3] [--flips 5]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.database import create_database

DATABASE = "smve_bench_streams"
TAG = "E4DI00"
DEADLINE = 30.0


def database_url(database: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{database}"


def prepare(workdir: Path, database: str) -> dict[str, Any]:
    """A fresh database with the quiet demo substation, the overview screen with a
    formula on the DI, and a viewer's API token."""
    create_database(database_url(database), fresh=True)
    # The ORM is called from the bench's event loop, between rounds, never concurrently.
    os.environ.update(
        DATABASE_URL=database_url(database),
        DJANGO_SETTINGS_MODULE="smve.settings",
        DEBUG="1",
        DJANGO_ALLOW_ASYNC_UNSAFE="true",
    )
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from hmi.models import Formula, GraphicElement, Screen
    from hmi.screen_import import import_drawing
    from poll.models import COMaster
    from poll.profiles import load_profile
    from tests.hmi.support import overview_drawing
    from tests.poll.acquisition.processes import quiet_profile

    call_command("migrate", verbosity=0)
    profile_file = workdir / "profile.json"
    profile = load_profile(quiet_profile(profile_file), activate=True)
    COMaster.objects.update(poll_interval=0.1, reply_timeout=0.5)
    import_drawing(profile, "overview", overview_drawing())
    Formula.objects.create(
        element=GraphicElement.objects.get(tag=TAG),
        attribute="fill",
        source=f"SI(di.{TAG}.value,1,2)",
    )
    viewer = User.objects.create_user("bench-viewer")
    viewer.groups.add(Group.objects.get(name="viewer"))
    return {
        "profile_file": profile_file,
        "screen": Screen.objects.get().pk,
        "token": Token.objects.create(user=viewer).key,
    }


class Stream:
    """One /api/stream over TLS through nginx: HTTP/1.1 chunks parsed, each message's fill
    of the DI noted with its arrival time."""

    def __init__(self) -> None:
        self.fills: list[tuple[int, float]] = []
        self.task: asyncio.Task[None] | None = None

    async def run(self, port: int, context: ssl.SSLContext, path: str, token: str) -> None:
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=context, server_hostname="127.0.0.1"
        )
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Token {token}\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        try:
            while (await reader.readline()) not in (b"\r\n", b""):
                pass  # the response's headers
            pending = b""
            while True:
                size = int((await reader.readline()).strip() or b"0", 16)
                if size == 0:
                    return
                pending += await reader.readexactly(size)
                await reader.readline()
                *events, pending = pending.split(b"\n\n")
                for event in events:
                    self._note(event)
        finally:
            writer.close()

    def _note(self, event: bytes) -> None:
        for line in event.split(b"\n"):
            if line.startswith(b"data:"):
                for element in json.loads(line[5:])["elements"]:
                    if element["tag"] == TAG:
                        self.fills.append((element["fill"], time.monotonic()))


async def wait_for(condition: Any, what: str, limit: float = DEADLINE) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def open_streams(count: int, site: Any, setup: dict[str, Any]) -> list[Stream]:
    """``count`` streams of the screen, once each has had its first message."""
    context = ssl.create_default_context(cafile=str(site.site.tls / "fullchain.pem"))
    path = f"/api/stream?screen={setup['screen']}"
    streams = [Stream() for _ in range(count)]
    for stream in streams:
        stream.task = asyncio.create_task(
            stream.run(site.site.https_port, context, path, setup["token"])
        )
    # Opening hundreds of TLS streams takes long on a busy machine; it is not what is timed.
    await wait_for(lambda: all(s.fills for s in streams), f"{count} streams' first message", 180)
    return streams


async def close_streams(streams: list[Stream]) -> None:
    tasks = [stream.task for stream in streams if stream.task is not None]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def measure_round(
    count: int, flips: int, site: Any, simulator: Any, setup: dict[str, Any]
) -> tuple[list[float], float]:
    """Latencies (s) of every stream for every flip, with ``count`` streams open, and the
    web worker's CPU seconds over the flips (a figure the machine's load changes less than
    the latencies)."""
    streams = await open_streams(count, site, setup)
    latencies = []
    cpu_before = worker_cpu(site)
    for _ in range(flips):
        value = 1 - simulator.state()["E4"]["di"][TAG]
        fill = 1 if value else 2
        marks = [len(s.fills) for s in streams]
        flipped = time.monotonic()
        simulator.control("set_di", comaster="E4", tag=TAG, value=value)

        pairs = list(zip(streams, marks, strict=True))
        await wait_for(lambda p=pairs, f=fill: all(arrival(s, m, f) for s, m in p), "a flip")
        latencies += [(arrival(s, m, fill) or 0.0) - flipped for s, m in pairs]
    cpu = worker_cpu(site) - cpu_before
    await close_streams(streams)
    return latencies, cpu


def arrival(stream: Stream, mark: int, fill: int) -> float | None:
    """When ``stream`` first showed ``fill`` after its ``mark``-th message, if it did."""
    return next((t for f, t in stream.fills[mark:] if f == fill), None)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def committed() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        return int(cursor.fetchone()[0])


def worker_cpu(site: Any) -> float:
    """CPU seconds used so far by the one web worker (gunicorn's master's child)."""
    from tests.deploy.site import children

    (worker,) = children(site.pid("smve-web"))
    fields = Path(f"/proc/{worker}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def idle_window(seconds: float, site: Any) -> tuple[float, float]:
    """Transactions per second in the bench database, and the web worker's CPU (cores),
    over ``seconds`` (the field quiet, the poller's status batches still committing
    revisions that touch no screen)."""
    before, cpu_before, start = committed(), worker_cpu(site), time.monotonic()
    await asyncio.sleep(seconds)  # the window measured, not a synchronisation
    elapsed = time.monotonic() - start
    return (committed() - before) / elapsed, (worker_cpu(site) - cpu_before) / elapsed


async def idle_rates(
    count: int, seconds: float, rounds: int, site: Any, setup: dict[str, Any]
) -> dict[int, list[tuple[float, float]]]:
    """Idle windows (:func:`idle_window`) with 1 stream and with ``count``, alternated
    round by round. One stream stays open throughout; the others are opened and closed
    around their window. The window after an opening or a closing is a settling one, not
    counted: hundreds of TLS handshakes load the machine, and the poller then catches up
    on its journal with transactions that are not the streams'."""
    windows: dict[int, list[tuple[float, float]]] = {1: [], count: []}
    kept = await open_streams(1, site, setup)
    for _ in range(rounds):
        windows[1].append(await idle_window(seconds, site))
        extra = await open_streams(count - 1, site, setup)
        await idle_window(seconds, site)  # settling
        windows[count].append(await idle_window(seconds, site))
        await close_streams(extra)
        await idle_window(seconds, site)  # settling
    await close_streams(kept)
    return windows


async def main_async(args: argparse.Namespace) -> None:
    from tests.deploy.site import deployed
    from tests.poll.acquisition.processes import Simulator

    workdir = Path(tempfile.mkdtemp(prefix="smve-bench-streams-"))
    setup = prepare(workdir, args.database)
    simulator = Simulator(setup["profile_file"], workdir)
    try:
        with deployed(workdir / "site", database_url(args.database), web_workers=1) as site:
            contenders = {"1 stream": 1, f"{args.streams} streams": args.streams}
            results: dict[str, list[float]] = {name: [] for name in contenders}
            cpus: dict[str, list[float]] = {name: [] for name in contenders}
            names = list(contenders)
            for round_number in range(args.rounds):
                shift = round_number % len(names)
                for name in names[shift:] + names[:shift]:
                    latencies, cpu = await measure_round(
                        contenders[name], args.flips, site, simulator, setup
                    )
                    results[name].append(p95(latencies))
                    cpus[name].append(cpu)
                    print(
                        f"round {round_number + 1}, {name}: p95 {p95(latencies) * 1000:.0f} ms, "
                        f"web worker CPU {cpu * 1000:.0f} ms over {args.flips} flips"
                    )
            idle = await idle_rates(args.streams, args.idle_seconds, args.rounds, site, setup)
    finally:
        simulator.stop()
    one, many = names
    print("\n=== Streams through nginx, one web worker ===")
    for name in names:
        median = statistics.median(results[name]) * 1000
        print(f"{name}: p95 delivery {median:.0f} ms (median of {args.rounds} rounds)")
    ratio = statistics.median(m / o for m, o in zip(results[many], results[one], strict=True))
    print(f"ratio p95 {many} / {one}: {ratio:.2f}")
    per_message = statistics.median(
        (m - o) / ((contenders[many] - 1) * args.flips)
        for m, o in zip(cpus[many], cpus[one], strict=True)
    )
    print(f"web worker CPU per message to one more stream: {per_message * 1e6:.0f} µs")
    many_streams = contenders[many]
    (rate_one, cpu_one), (rate_many, cpu_many) = (
        tuple(statistics.median(values) for values in zip(*idle[n], strict=True))
        for n in (1, many_streams)
    )
    extra = (rate_many - rate_one) / (many_streams - 1)
    print(
        f"database transactions/s while idle (medians of {args.rounds} windows): "
        f"{rate_one:.1f} with 1 stream, {rate_many:.1f} with {many_streams}: "
        f"{extra:.4f} per extra idle stream"
    )
    print(
        f"web worker CPU while idle: {cpu_one:.3f} core with 1 stream, {cpu_many:.3f} with "
        f"{many_streams}: {(cpu_many - cpu_one) / (many_streams - 1) * 1e6:.1f} "
        "µcore per extra idle stream"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--flips", type=int, default=5)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument(
        "--database", default=DATABASE, help="created afresh (default: %(default)s)"
    )
    asyncio.run(main_async(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
