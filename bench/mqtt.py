"""MQTT acquisition under load: 1,000 points updated every second by 100 simulated devices
(QoS 0) through the real Mosquitto, stored and streamed by one poller, alone and beside the
Mara and Modbus load of the other benches; a bare aiomqtt subscriber of the same messages is
the baseline, in the same run.

Processes: a publisher (``python -m bench.mqtt publish``: 100 devices, each publishing a
10-channel status list once a second, at its own phase in the second), ``manage.py poll``
on a PostgreSQL database (``--database``, created if missing and emptied; default
``smve_bench_mqtt``) with the 100 devices and their 1,000 points (``[number == N].vreq``,
deadband 0: every message changes and samples every point of its device), all stored in
bulk, and the baseline (``python -m bench.mqtt baseline``: subscribes to the same topics,
parses each payload, counts). Every value is the time it was published (seconds, modulo
100,000), so a reader knows each change's age.

With ``--beside-mara N`` and/or ``--beside-modbus`` (bench/mqtt_beside.py) the same
profile also holds the poller bench's N COMasters and the Modbus bench's plant(s) and
meters, with their simulators, and the one poller runs three phases per round, in an order
that rotates from round to round: MQTT alone (the beside links disabled), MQTT beside the
load, and the load alone (the publisher stopped with SIGSTOP). The links are switched in
place and the running poller follows; each phase waits until every beside link is online
(or offline) before it is measured. MQTT's share of the poller's CPU beside the load is the
poller's CPU with both minus that with the load alone.

This process plays a live stream: it LISTENs for the poller's ``NOTIFY smve_revision``,
and at each one reads the MQTT points changed since the last revision it read, as a stream
does (hmi/stream.py); a change's message-to-stream latency is the time of that read minus
the value. Over each window it takes the CPU of the poller, of its PostgreSQL backends and
of the baseline from /proc, and the Mara and Modbus polls and timeouts from their links'
counters. Printed per phase: messages and point changes per second, message-to-stream
p50/p95, the baseline's publish-to-receipt p50/p95, the CPU figures, the beside polls and
timeouts per second; then the goals (issue #15): MQTT's poller CPU under 0.5 core and p95
under 300 ms, alone and beside the load.

Run (Mosquitto on 127.0.0.1:1883, PostgreSQL on 127.0.0.1):
``python -m bench.mqtt [--seconds 20] [--rounds 1] [--devices 100] [--channels 10]
[--database URL] [--beside-mara N] [--beside-modbus [--plants 1] [--meters 6]]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench.database import create_database
from bench.mqtt_beside import BesideLoad, beside_load
from bench.mqtt_report import ALONE, BESIDE, LOAD, Phase, Window, report_figures
from bench.poll import COMASTERS_PER_SIMULATOR
from bench.poll import WARM_UP as POLL_WARM_UP
from bench.poll_load import PROFILE_NAME
from bench.poll_metrics import Usage, backend_pids, metrics, quantile
from bench.poll_processes import free_port, stop, wait_for
from bench.poll_site import build_site

ROOT = Path(__file__).resolve().parent.parent
URL = "postgres://postgres@127.0.0.1:5432/smve_bench_mqtt"
BROKER = ("127.0.0.1", 1883)
WRAP = 100_000.0
"""Values are the publish time modulo this many seconds (exact in a double to the µs)."""
WARM_UP = 5.0
"""Seconds a phase runs before it is measured: after every MQTT point has a value (the
poller started, subscribed, its first batches written) and the beside links settled, for
the publisher just resumed to reach its pace. Links just switched on get the poller bench's
warm-up instead (their first replies carry every value: a second or two of a long tail)."""


def stamp() -> float:
    return round(time.time() % WRAP, 6)


def age(value: float, now: float) -> float:
    """Seconds since ``value`` (a :func:`stamp`), across the wrap."""
    return (now % WRAP - value) % WRAP


# The publisher


async def publish(prefix: str, devices: int, channels: int) -> None:
    import aiomqtt

    async with aiomqtt.Client(
        *BROKER, identifier=f"bench-publisher-{uuid.uuid4().hex[:6]}"
    ) as client:
        print("publishing", flush=True)
        start = time.time() // 1 + 1
        tick = 0
        while True:
            tick = max(tick, int(time.time() - start))  # seconds it was stopped are skipped
            for device in range(devices):
                due = start + tick + device / devices
                await asyncio.sleep(max(0.0, due - time.time()))
                value = stamp()
                payload = json.dumps(
                    [{"number": n, "on": 1, "vreq": value} for n in range(channels)]
                )
                await client.publish(f"{prefix}/dev{device:03d}/status", payload, qos=0)
            tick += 1


# The baseline


async def baseline(prefix: str, report: Path) -> None:
    import aiomqtt

    received: list[tuple[float, float]] = []
    messages = 0
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    async def listen() -> None:
        nonlocal messages
        async with aiomqtt.Client(*BROKER) as client:
            await client.subscribe(f"{prefix}/+/status")
            print("subscribed", flush=True)
            async for message in client.messages:
                assert isinstance(message.payload, bytes | bytearray)
                channels = json.loads(message.payload)
                messages += 1
                now = time.time()
                received.append((now, age(channels[0]["vreq"], now)))

    task = asyncio.ensure_future(listen())
    await stop.wait()
    task.cancel()
    report.write_text(json.dumps({"messages": messages, "received": received}))


# The bench


def prepare(
    url: str, workdir: Path, options: argparse.Namespace, prefix: str
) -> tuple[int, list[Path]]:
    """A database holding the bench profile, active: the poller bench's COMasters (none
    without ``--beside-mara``) and the MQTT devices, in bulk. The profile's id and the
    profile files of the Mara simulators (one per 500 COMasters)."""
    create_database(url)
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="smve.settings",
        DEBUG="1",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench"),
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
    )
    import django

    django.setup()
    from django.core.management import call_command

    from poll.models import Profile

    call_command("migrate", verbosity=0)
    simulators = max(1, math.ceil(options.beside_mara / COMASTERS_PER_SIMULATOR))
    profile_files = build_site(options.beside_mara, workdir, simulators)
    profile_id = Profile.objects.get(name=PROFILE_NAME).pk
    store_mqtt_devices(profile_id, prefix, options.devices, options.channels)
    return profile_id, profile_files


def store_mqtt_devices(profile_id: int, prefix: str, devices: int, channels: int) -> None:
    """One broker, ``devices`` devices and their points (``[number == N].vreq``, deadband
    0: every message changes and samples every point of its device), in bulk."""
    from django.db import connection, transaction

    from poll.models import MqttBroker, MqttDevice, Point

    with transaction.atomic():
        broker = MqttBroker.objects.create(
            profile_id=profile_id, name="bench", host=BROKER[0], port=BROKER[1]
        )
        rows = MqttDevice.objects.bulk_create(
            MqttDevice(
                profile_id=profile_id, broker=broker, name=f"dev{d:03d}", expected_period=1.0
            )
            for d in range(devices)
        )
        Point.objects.bulk_create(
            (
                Point(
                    profile_id=profile_id,
                    mqtt_device=device,
                    kind="ai",
                    tag=f"D{d:03d}_CH{n}",
                    topic=f"{prefix}/{device.name}/status",
                    payload_path=f"[number == {n}].vreq",
                    deadband=0.0,
                )
                for d, device in enumerate(rows)
                for n in range(channels)
            ),
            batch_size=5000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


class Stream:
    """A live stream of the MQTT points: it LISTENs for the poller's revisions and reads
    the points changed since the last revision it read, as hmi/stream.py does."""

    def __init__(self, url: str, profile_id: int) -> None:
        import psycopg

        self.profile_id = profile_id
        self.connection = psycopg.connect(url, autocommit=True)
        self.connection.execute("LISTEN smve_revision")
        self.backend_pid = self.connection.info.backend_pid

    def changed(self, since: int) -> list[tuple[float | None, int]]:
        return self.connection.execute(
            "SELECT value, revision FROM poll_point WHERE profile_id = %s AND revision > %s"
            " AND mqtt_device_id IS NOT NULL",
            (self.profile_id, since),
        ).fetchall()

    def read(self, seconds: float) -> tuple[list[tuple[float, float]], int]:
        """Play the stream for ``seconds``: every change read, when and at what age, and
        how many reads there were."""
        changes: list[tuple[float, float]] = []
        reads = 0
        seen = max((revision for _, revision in self.changed(0)), default=0)
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            for _ in self.connection.notifies(timeout=left, stop_after=1):
                pass
            rows = self.changed(seen)
            now = time.time()
            reads += 1
            for value, revision in rows:
                if value is not None:
                    changes.append((now, age(value, now)))
                seen = max(seen, revision)
        return changes, reads

    def mqtt_points_with_values(self) -> int:
        row = self.connection.execute(
            "SELECT count(*) FROM poll_point WHERE profile_id = %s"
            " AND mqtt_device_id IS NOT NULL AND value IS NOT NULL",
            (self.profile_id,),
        ).fetchone()
        return row[0] if row else 0

    def close(self) -> None:
        self.connection.close()


def cpu_of(usages: list[Usage]) -> float:
    total = 0.0
    for usage in usages:
        with contextlib.suppress(OSError):  # a backend that ended
            total += usage.cpu()
    return total


def schedule(options: argparse.Namespace) -> list[Phase]:
    """The phases in order: MQTT alone only, or round by round MQTT alone, MQTT beside the
    load and the load alone, in an order that rotates from round to round (as
    bench/measure.py interleaves contenders)."""
    if not (options.beside_mara or options.beside_modbus):
        return [ALONE] * options.rounds
    phases = [ALONE, BESIDE, LOAD]
    return [
        phase
        for round_number in range(options.rounds)
        for phase in phases[round_number % 3 :] + phases[: round_number % 3]
    ]


def run(options: argparse.Namespace) -> int:
    prefix = f"/bench-mqtt/{uuid.uuid4().hex[:8]}"
    workdir = Path(tempfile.mkdtemp(prefix="bench-mqtt-"))
    profile_id, profile_files = prepare(options.database, workdir, options, prefix)
    report = workdir / "baseline.json"
    environment = {**os.environ, "POLL_SPOOL_DIR": str(workdir / "spool")}
    python = sys.executable

    with contextlib.ExitStack() as stack:

        def start(argv: list[str], log: str) -> subprocess.Popen[bytes]:
            with (workdir / log).open("ab") as output:
                process = subprocess.Popen(
                    argv, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
                )
            stack.callback(stop, process)
            return process

        plants, meters = (options.plants, options.meters) if options.beside_modbus else (0, 0)
        load = stack.enter_context(
            beside_load(profile_id, profile_files, workdir, options.beside_mara, plants, meters)
        )
        stream = Stream(options.database, profile_id)
        stack.callback(stream.close)
        metrics_port = free_port()
        poller = start(
            [python, "manage.py", "poll", "--metrics-port", str(metrics_port)], "poller.log"
        )
        base = start(
            [python, "-m", "bench.mqtt", "baseline", "--prefix", prefix, "--report", str(report)],
            "baseline.log",
        )
        publisher = start(
            [python, "-m", "bench.mqtt", "publish", "--prefix", prefix]
            + ["--devices", str(options.devices), "--channels", str(options.channels)],
            "publisher.log",
        )
        stack.callback(publisher.send_signal, signal.SIGCONT)  # before it is stopped
        wait_for(
            lambda: stream.mqtt_points_with_values() >= options.devices * options.channels,
            180,
            "the poller to store every MQTT point",
        )
        links = options.devices + options.beside_mara + plants + meters
        watched = Watched(poller, base, metrics_port, stream, load, links)
        windows = measure_phases(schedule(options), options.seconds, watched, publisher)
        base.send_signal(signal.SIGTERM)
        base.wait(10)
    received = json.loads(report.read_text())["received"]
    for window in windows:
        window.base_ages = [old for at, old in received if window.start <= at <= window.end]
    report_figures(options, windows)
    (workdir / "changes.json").write_text(
        json.dumps([{"phase": w.phase.name, "changes": w.changes} for w in windows])
    )
    print(f"  logs and each change read (changes.json): {workdir}")
    return 0


@dataclass(frozen=True)
class Watched:
    """What a window measures: the poller (its process and its metrics port), the
    baseline, the stream (whose backend is not the poller's) and the beside load."""

    poller: subprocess.Popen[bytes]
    base: subprocess.Popen[bytes]
    metrics_port: int
    stream: Stream
    load: BesideLoad
    links: int
    """MQTT devices and beside links: about the journal entries of a second."""

    def drained(self, timeout: float = 120.0) -> bool:
        """Wait until the writer has caught up (the journal holds less than a second of
        entries), so that no phase reads the backlog of the one before; False if it
        does not within ``timeout`` seconds (an overloaded poller or machine)."""
        try:
            wait_for(
                lambda: metrics(self.metrics_port)["smve_poll_spool_depth"] < self.links,
                timeout,
                "the writer to catch up",
            )
        except RuntimeError:
            return False
        return True


def measure_phases(
    phases: list[Phase], seconds: float, watched: Watched, publisher: subprocess.Popen[bytes]
) -> list[Window]:
    """A window per phase, each once its publisher and beside load are as it wants them:
    the publisher paused or resumed, the beside links switched and settled, and the writer
    caught up."""
    windows = []
    beside_on = False
    for phase in phases:
        publisher.send_signal(signal.SIGCONT if phase.mqtt else signal.SIGSTOP)
        settled, warm_up = True, WARM_UP
        if phase.beside != beside_on:
            settled = watched.load.switch(phase.beside)
            beside_on = phase.beside
            warm_up = POLL_WARM_UP if phase.beside else WARM_UP
        time.sleep(warm_up)
        settled = watched.drained() and settled
        windows.append(measure(phase, seconds, watched, settled))
        print(f"  {phase.name}: measured", flush=True)
    return windows


def measure(phase: Phase, seconds: float, watched: Watched, settled: bool) -> Window:
    """One window: CPU of the poller, of its PostgreSQL backends (those serving it when
    the window opens) and of the baseline; the stream's ages; the beside counters; the
    poller's write batches."""
    backends = [pid for pid in backend_pids() if pid != watched.stream.backend_pid]
    usages = {
        "poller": [Usage(watched.poller.pid)],
        "poller database": [Usage(pid) for pid in backends],
        "baseline": [Usage(watched.base.pid)],
    }
    links = watched.load.counters()
    scrape = metrics(watched.metrics_port)
    cpu = {name: cpu_of(usage) for name, usage in usages.items()}
    start, wall = time.time(), time.monotonic()
    changes, reads = watched.stream.read(seconds)
    wall = time.monotonic() - wall
    cpu = {name: cpu_of(usage) - cpu[name] for name, usage in usages.items()}
    end = time.time()
    after = metrics(watched.metrics_port)
    # The counters are written with the batches, a moment late: taken as late at both ends.
    links = {name: counters - links[name] for name, counters in watched.load.counters().items()}
    histogram = "smve_poll_write_batch_seconds"
    batches = {
        "per second": (after[f"{histogram}_count"] - scrape[f"{histogram}_count"]) / wall,
        "p50": quantile(scrape, after, histogram, 0.5),
        "p95": quantile(scrape, after, histogram, 0.95),
    }
    return Window(phase, start, end, wall, cpu, changes, reads, links, batches, settled)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "role", nargs="?", default="bench", choices=["bench", "publish", "baseline"]
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="per window")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--database", default=URL, help="created if missing, then emptied")
    parser.add_argument("--beside-mara", type=int, default=0, metavar="COMASTERS")
    parser.add_argument("--beside-modbus", action="store_true")
    parser.add_argument("--plants", type=int, default=1, help="with --beside-modbus")
    parser.add_argument("--meters", type=int, default=6, help="with --beside-modbus")
    parser.add_argument("--prefix", default="")
    parser.add_argument("--report", default="")
    options = parser.parse_args(argv)
    if options.role == "publish":
        asyncio.run(publish(options.prefix, options.devices, options.channels))
        return 0
    if options.role == "baseline":
        asyncio.run(baseline(options.prefix, Path(options.report)))
        return 0
    return run(options)


if __name__ == "__main__":
    sys.exit(main())
