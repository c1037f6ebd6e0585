"""Modbus acquisition under load, and a request-per-point baseline, in one run.

A simulator process serves 50 SBR plants (Modbus TCP, one port each) and another 200 SDM630
meters (RTU over TCP, 50 behind each of four gateway ports). This process is the poller's
acquisition side: one reactor, a :class:`~protocols.modbus.client.ModbusClient` and a
:class:`~poll.acquisition.modbus.recorder.ModbusRecorder` per device, exactly as
``manage.py poll`` runs them, the plants read every 0.5 s and the meters every second.

By default write batches are counted and dropped, and the output says so in capitals: the
figures are the reactor's acquisition alone, which understates a real poller's CPU (about
2.3 times at 500 Mara COMasters). ``--journal`` appends every batch to a real journal in a
temporary spool, as the poller's reactor does (JSON, one write each); the database side
(the writer thread and PostgreSQL) is measured by ``bench.poll``, which runs the whole
poller and reports its CPU and PostgreSQL's.

Two runs over the same simulators:

1. **planned**: the poller's read plan (blocks merged up to the register gap of 0);
2. **per point**: the baseline, one request per point (limits that forbid any merging).

Each prints requests answered per second, cycle lateness p50/p99 (how late read cycles
started against their fixed-rate schedule), the share of cycles skipped because the
previous one was still running, and this process's CPU in cores; then the ratios.
Run: ``python -m bench.modbus [--seconds S] [--plants N] [--meters N]``.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from twisted.internet.defer import DeferredList, inlineCallbacks
from twisted.internet.task import deferLater

ROOT = Path(__file__).resolve().parent.parent
LISTENING = re.compile(rb"^(\S+) listening on [\d.]+:(\d+)(?: unit (\d+))?$")
METERS_PER_GATEWAY = 50
WARM_UP = 3.0
"""Seconds for every device to connect before measuring."""


@dataclass
class Tally:
    """What the recorders of one run saw."""

    answers: int = 0
    exceptions: int = 0
    cycles: int = 0
    lateness: list[float] = field(default_factory=list)
    batches: int = 0


def start_simulator(kind: str, count: int, *options: str) -> tuple[subprocess.Popen, dict]:
    """A simulator process; returns it with ``{name: (port, unit)}`` once all listen."""
    process = subprocess.Popen(
        [sys.executable, "-m", "protocols.modbus.simulator", kind, "--count", str(count)]
        + ["--port-base", "0", *options],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    devices: dict[str, tuple[int, int | None]] = {}
    while len(devices) < count:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the {kind} simulator exited")
        match = LISTENING.match(line.strip())
        if match and match.group(1) != b"control":
            unit = int(match.group(3)) if match.group(3) else None
            devices[match.group(1).decode()] = (int(match.group(2)), unit)
    return process, devices


def device_documents(plants: Mapping, meters: Mapping) -> list[dict[str, Any]]:
    """The simulated devices as profile-file entries (``modbus_devices``) on the ports the
    simulators listen on: the demo's plant (read every 0.5 s) and its meter (every second
    here, not the demo's 15 minutes), without the meter's inline points (its tags are the
    demo meter's)."""
    from poll.profiles import read_profile_file

    plant = read_profile_file(ROOT / "fixtures" / "wastewater_plant.json")["modbus_devices"][0]
    meter = read_profile_file(ROOT / "fixtures" / "building_meters.json")["modbus_devices"][0]
    documents = [
        {**plant, "name": name, "port": port, "unit": 1, "poll_interval": 0.5}
        | {"reply_timeout": 1.0, "framing": "tcp"}
        for name, (port, _) in plants.items()
    ]
    documents += [
        {**meter, "name": name, "prefix": name, "points": [], "port": port, "unit": unit}
        | {"poll_interval": 1.0, "reply_timeout": 1.0, "framing": "rtu"}
        for name, (port, unit) in meters.items()
    ]
    return documents


def device_configs(plants: Mapping, meters: Mapping) -> list[Any]:
    """The devices as the poller would load them from the demo profiles."""
    from poll.acquisition.history_policy import HistoryPolicy
    from poll.acquisition.modbus.config import ModbusDeviceConfig, ModbusPointSpec
    from poll.profiles import modbus_points
    from protocols.modbus import Framing
    from protocols.modbus.client import DeviceSettings

    configs: list[ModbusDeviceConfig] = []
    next_id = 1

    def specs(device: dict) -> tuple[ModbusPointSpec, ...]:
        nonlocal next_id
        result = []
        for tag, point in modbus_points(device, device["name"]).items():
            next_id += 1
            result.append(
                ModbusPointSpec(
                    id=next_id,
                    kind=point["kind"],
                    tag=tag,
                    table=point["table"],
                    address=point["address"],
                    data_type=point["data_type"],
                    word_order=point["word_order"],
                    bit=point["bit"],
                    escala=point["escala"],
                    value_offset=point["value_offset"],
                    history=HistoryPolicy(point.get("deadband", 0.0), 0, 900_000_000),
                    inverted=False,
                    alarm=point["alarm"],
                    writable=point["writable"],
                )
            )
        return tuple(result)

    for device in device_documents(plants, meters):
        settings = DeviceSettings(
            host="127.0.0.1",
            port=device["port"],
            unit=device["unit"],
            poll_interval=device["poll_interval"],
            reply_timeout=device["reply_timeout"],
            framing=Framing(device["framing"]),
        )
        configs.append(
            ModbusDeviceConfig(len(configs) + 1, 1, device["name"], settings, specs(device))
        )
    return configs


@inlineCallbacks
def run(
    reactor: Any,
    configs: Sequence[Any],
    limits_of: Any,
    seconds: float,
    journal: Any = None,
) -> Any:
    """Poll every device for ``seconds`` after a warm-up; the run's figures. With a
    ``journal``, every batch is appended to it as the poller's reactor appends them."""
    from poll.acquisition.batch import LinkStatus
    from poll.acquisition.metrics import PollerMetrics
    from poll.acquisition.modbus.mapping import ModbusLayout, ModbusMapper
    from poll.acquisition.modbus.recorder import ModbusRecorder
    from protocols.modbus.client import ModbusClient

    tally = Tally()
    measuring = [False]
    metrics = PollerMetrics()

    class CountingRecorder(ModbusRecorder):
        def values_received(self, values: Any, latency: float) -> None:
            super().values_received(values, latency)
            tally.answers += measuring[0]

        def exception_reply(self, tags: Any, error: Any) -> None:
            super().exception_reply(tags, error)
            tally.exceptions += measuring[0]

        def cycle_completed(self, lateness: float, duration: float) -> None:
            super().cycle_completed(lateness, duration)
            if measuring[0]:
                tally.cycles += 1
                tally.lateness.append(lateness)

    def append(batch: Any) -> None:
        tally.batches += 1
        if journal is not None:
            journal.append(batch)

    clients = []
    requests_per_round = 0
    expected_cycles = 0.0
    for config in configs:
        recorder = CountingRecorder(
            ModbusMapper(ModbusLayout(config)),
            LinkStatus.initial(config.id),
            append,
            metrics,
            lambda: time.time_ns() // 1000,
        )
        plan = config.read_plan(limits_of(config))
        requests_per_round += len(plan.blocks)
        expected_cycles += seconds / config.settings.poll_interval
        clients.append(ModbusClient(config.settings, plan, recorder, reactor))
    for client in clients:
        client.start()
    yield deferLater(reactor, WARM_UP, lambda: None)
    measuring[0] = True
    cpu_before, wall_before = _cpu(), time.monotonic()
    yield deferLater(reactor, seconds, lambda: None)
    measuring[0] = False
    wall = time.monotonic() - wall_before
    cpu = _cpu() - cpu_before
    yield DeferredList([client.stop() for client in clients], consumeErrors=True)
    lateness = sorted(tally.lateness) or [0.0]
    return {
        "requests_per_round": requests_per_round,
        "reads_per_second": (tally.answers + tally.exceptions) / wall,
        "lateness_p50": lateness[len(lateness) // 2],
        "lateness_p99": lateness[min(len(lateness) - 1, int(len(lateness) * 0.99))],
        "skipped": max(0.0, 1 - tally.cycles / expected_cycles),
        "cpu_cores": cpu / wall,
        "exceptions": tally.exceptions,
    }


@inlineCallbacks
def both_runs(
    reactor: Any, configs: Sequence[Any], seconds: float, results: dict, journal: Any
) -> Any:
    from poll.acquisition.modbus.config import POLLER_READ_LIMITS

    try:
        results["planned"] = yield run(
            reactor, configs, lambda _: POLLER_READ_LIMITS, seconds, journal
        )
        results["per point"] = yield run(reactor, configs, _per_point_limits, seconds, journal)
    finally:
        reactor.stop()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--plants", type=int, default=50)
    parser.add_argument("--meters", type=int, default=200)
    parser.add_argument(
        "--journal", action="store_true", help="append every batch to a real journal"
    )
    options = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smve.settings")
    os.environ.setdefault("SECRET_KEY", "bench")
    import django

    django.setup()
    logging.getLogger("poll").setLevel(logging.WARNING)  # every device going online
    from poll.acquisition.service import install_reactor

    install_reactor()
    from twisted.internet import reactor

    plant_process, plants = start_simulator("plant", options.plants)
    meter_process, meters = start_simulator(
        "meters", options.meters, "--per-port", str(METERS_PER_GATEWAY)
    )
    results: dict[str, dict[str, float]] = {}
    spool = tempfile.TemporaryDirectory(prefix="smve-bench-modbus-")
    journal = None
    if options.journal:
        from poll.acquisition.journal import Journal

        journal = Journal(Path(spool.name))
    try:
        configs = device_configs(plants, meters)
        reactor.callWhenRunning(both_runs, reactor, configs, options.seconds, results, journal)
        reactor.run()
    finally:
        if journal is not None:
            journal.close()
        spool.cleanup()
        for process in (plant_process, meter_process):
            process.send_signal(signal.SIGTERM)
            process.wait(10)
    if journal is None:
        print(
            "WRITE PATH NOT INCLUDED: batches are counted and dropped. --journal adds the "
            "journal appends; bench.poll measures the whole poller with its database."
        )
    else:
        print("write path: every batch appended to a journal (the database side: bench.poll)")
    for name, figures in results.items():
        print(
            f"{name:>9}: {figures['requests_per_round']:.0f} requests per round of cycles, "
            f"{figures['reads_per_second']:.0f} reads/s, lateness p50 "
            f"{figures['lateness_p50'] * 1000:.1f} ms p99 {figures['lateness_p99'] * 1000:.1f} ms,"
            f" {figures['skipped']:.1%} cycles skipped, poller CPU {figures['cpu_cores']:.2f} cores"
        )
    planned, baseline = results["planned"], results["per point"]
    requests = baseline["requests_per_round"] / planned["requests_per_round"]
    print(
        f"per point / planned: {requests:.1f}x"
        f" the requests; CPU per completed cycle "
        f"{_cpu_per_cycle(baseline) / _cpu_per_cycle(planned):.1f}x"
    )
    return 0


def _per_point_limits(config: Any) -> Any:
    """Limits under which every request reads exactly one point."""
    from protocols.modbus import ReadLimits

    widest = max(point.wire_point().count for point in config.points)
    return ReadLimits(max_registers=widest, max_bits=1, register_gap=0, bit_gap=0)


def _cpu_per_cycle(figures: dict[str, float]) -> float:
    return figures["cpu_cores"] / max(1.0 - figures["skipped"], 1e-9)


if __name__ == "__main__":
    sys.exit(main())
