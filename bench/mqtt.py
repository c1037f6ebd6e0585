"""MQTT acquisition under load: 1,000 points updated every second by 100 simulated devices
(QoS 0) through the real Mosquitto, stored and streamed by one poller; a bare aiomqtt
subscriber of the same messages is the baseline, in the same run.

Processes: a publisher (``python -m bench.mqtt publish``: 100 devices, each publishing a
10-channel status list once a second, at its own phase in the second), ``manage.py poll``
on a fresh PostgreSQL database ``smve_bench_mqtt`` with the 100 devices and their 1,000
points (``[number == N].vreq``, deadband 0: every message changes and samples every point
of its device), and the baseline (``python -m bench.mqtt baseline``: subscribes to the same
topics, parses each payload, counts). Every value is the time it was published (seconds,
modulo 100,000), so a reader knows each change's age.

This process plays a live stream: it LISTENs for the poller's ``NOTIFY smve_revision``,
and at each one reads the points changed since the last revision it read, as a stream
does (hmi/stream.py); a change's message-to-stream latency is the time of that read minus
the value. Over the same window it takes the CPU of the poller and of the baseline from
/proc. Printed: messages and points per second, poller CPU in cores and p50/p95 latency,
the baseline's CPU and p50/p95 latency from publish to its receipt, and the ratios.
Goals (issue #15): poller under 0.5 core, p95 under 300 ms.

Run (Mosquitto on 127.0.0.1:1883, PostgreSQL on 127.0.0.1):
``python -m bench.mqtt [--seconds 30] [--devices 100] [--channels 10]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.poll_metrics import Usage

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "smve_bench_mqtt"
URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
BROKER = ("127.0.0.1", 1883)
WRAP = 100_000.0
"""Values are the publish time modulo this many seconds (exact in a double to the µs)."""
WARM_UP = 5.0
"""Seconds measured only once every point has a value (the poller started, subscribed,
every device online and its first batches written)."""


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


def database_backends() -> list[int]:
    """The PostgreSQL backends on the bench database (the poller's, before the bench's
    stream connects; the server runs on this machine, so their CPU is in /proc)."""
    import psycopg

    with psycopg.connect(URL, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        ).fetchall()
    return [pid for (pid,) in rows]


def cpu_of(usages: list[Usage]) -> float:
    total = 0.0
    for usage in usages:
        with contextlib.suppress(OSError):  # a backend that ended
            total += usage.cpu()
    return total


def prepare(prefix: str, devices: int, channels: int) -> int:
    for command in ("dropdb", "createdb"):
        extra = ["--if-exists"] if command == "dropdb" else []
        subprocess.run([command, "-h", "127.0.0.1", "-U", "postgres", *extra, DATABASE], check=True)
    os.environ.update(DATABASE_URL=URL, DJANGO_SETTINGS_MODULE="smve.settings", DEBUG="1")
    import django

    django.setup()
    from django.core.management import call_command

    from poll.profiles import load_profile

    call_command("migrate", verbosity=0)
    points = [
        {
            "name": f"dev{d:03d}",
            "expected_period": 1.0,
            "points": [
                {
                    "tag": f"D{d:03d}_CH{n}",
                    "kind": "ai",
                    "topic": f"{prefix}/dev{d:03d}/status",
                    "path": f"[number == {n}].vreq",
                    "deadband": 0.0,
                }
                for n in range(channels)
            ],
        }
        for d in range(devices)
    ]
    profile = load_profile(
        {
            "profile": {"name": "Bench MQTT", "description": "bench/mqtt.py"},
            "mqtt_brokers": [
                {"name": "bench", "host": BROKER[0], "port": BROKER[1], "devices": points}
            ],
        },
        activate=True,
    )
    return profile.pk


def stream_reads(seconds: float, profile_id: int) -> tuple[list[float], int]:
    """Play a stream for ``seconds``: the age of every change when it is read."""
    import psycopg

    ages: list[float] = []
    reads = 0
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute("LISTEN smve_revision")
        latest = conn.execute("SELECT COALESCE(MAX(revision), 0) FROM poll_point").fetchone()
        seen = latest[0] if latest else 0
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            for _ in conn.notifies(timeout=left, stop_after=1):
                pass
            rows = conn.execute(
                "SELECT value, revision FROM poll_point WHERE profile_id = %s AND revision > %s",
                (profile_id, seen),
            ).fetchall()
            now = time.time()
            reads += 1
            for value, revision in rows:
                if value is not None:
                    ages.append(age(value, now))
                seen = max(seen, revision)
    return ages, reads


def warm_up(profile_id: int, points: int, timeout: float = 180.0) -> None:
    """Wait until every point of the bench has a value, then ``WARM_UP`` seconds more."""
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(URL, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "SELECT count(*) FROM poll_point WHERE profile_id = %s AND value IS NOT NULL",
                (profile_id,),
            ).fetchone()
            if row and row[0] >= points:
                time.sleep(WARM_UP)
                return
            time.sleep(0.5)
    raise RuntimeError(f"the poller did not store every point within {timeout:g} s")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values) or [float("nan")]
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def run(seconds: float, devices: int, channels: int) -> int:
    prefix = f"/bench-mqtt/{uuid.uuid4().hex[:8]}"
    profile_id = prepare(prefix, devices, channels)
    workdir = Path(tempfile.mkdtemp(prefix="bench-mqtt-"))
    report = workdir / "baseline.json"
    environment = {
        **os.environ,
        "DATABASE_URL": URL,
        "DJANGO_SETTINGS_MODULE": "smve.settings",
        "SECRET_KEY": "bench",
        "POLL_SPOOL_DIR": str(workdir / "spool"),
    }
    python = sys.executable
    started: list[subprocess.Popen[bytes]] = []

    def start(argv: list[str], log: str) -> subprocess.Popen[bytes]:
        with (workdir / log).open("ab") as output:
            process = subprocess.Popen(
                argv, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT
            )
        started.append(process)
        return process

    try:
        poller = start([python, "manage.py", "poll"], "poller.log")
        base = start(
            [python, "-m", "bench.mqtt", "baseline", "--prefix", prefix, "--report", str(report)],
            "baseline.log",
        )
        start(
            [
                python,
                "-m",
                "bench.mqtt",
                "publish",
                "--prefix",
                prefix,
                "--devices",
                str(devices),
                "--channels",
                str(channels),
            ],
            "publisher.log",
        )
        warm_up(profile_id, devices * channels)
        window = time.time()
        watched = {
            "poller": [Usage(poller.pid)],
            "poller database": [Usage(pid) for pid in database_backends()],
            "baseline": [Usage(base.pid)],
        }
        cpu = {name: cpu_of(usages) for name, usages in watched.items()}
        wall = time.monotonic()
        stream_ages, reads = stream_reads(seconds, profile_id)
        wall = time.monotonic() - wall
        cores = {name: (cpu_of(usages) - cpu[name]) / wall for name, usages in watched.items()}
        window_end = time.time()
        base.send_signal(signal.SIGTERM)
        base.wait(10)
        base_report = json.loads(report.read_text())
    finally:
        for process in reversed(started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(30)
    base_ages = [old for at, old in base_report["received"] if window <= at <= window_end]
    report_figures(devices, channels, seconds, wall, reads, cores, base_ages, stream_ages)
    print(f"  logs: {workdir}")
    return 0


def report_figures(
    devices: int,
    channels: int,
    seconds: float,
    wall: float,
    reads: int,
    cores: dict[str, float],
    base_ages: list[float],
    stream_ages: list[float],
) -> None:
    base_p50, base_p95 = percentile(base_ages, 0.5), percentile(base_ages, 0.95)
    p50, p95 = percentile(stream_ages, 0.5), percentile(stream_ages, 0.95)
    print(
        f"MQTT bench: {devices} devices x {channels} points, one message per device per "
        f"second, QoS 0, {seconds:g} s measured (shared 2-core machine)"
    )
    print(
        f"  baseline (bare aiomqtt subscriber): {len(base_ages) / wall:.0f} messages/s, "
        f"CPU {cores['baseline']:.3f} cores, publish-to-receipt p50 {base_p50 * 1000:.1f} ms "
        f"p95 {base_p95 * 1000:.1f} ms"
    )
    print(
        f"  poller (stored and streamed): {len(stream_ages) / wall:.0f} point changes/s read "
        f"from the stream's notifications ({reads / wall:.1f} reads/s), CPU "
        f"{cores['poller']:.3f} cores (its PostgreSQL backends "
        f"{cores['poller database']:.3f}), message-to-stream p50 {p50 * 1000:.1f} ms "
        f"p95 {p95 * 1000:.1f} ms"
    )
    print(
        f"  poller / baseline: CPU {cores['poller'] / max(cores['baseline'], 1e-9):.1f}x, "
        f"p95 {p95 / max(base_p95, 1e-9):.1f}x; goals: CPU < 0.5 core "
        f"({'met' if cores['poller'] < 0.5 else 'NOT met'}), p95 < 300 ms "
        f"({'met' if p95 < 0.3 else 'NOT met'})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "role", nargs="?", default="bench", choices=["bench", "publish", "baseline"]
    )
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--channels", type=int, default=10)
    parser.add_argument("--prefix", default="")
    parser.add_argument("--report", default="")
    options = parser.parse_args(argv)
    if options.role == "publish":
        asyncio.run(publish(options.prefix, options.devices, options.channels))
        return 0
    if options.role == "baseline":
        asyncio.run(baseline(options.prefix, Path(options.report)))
        return 0
    return run(options.seconds, options.devices, options.channels)


if __name__ == "__main__":
    sys.exit(main())
