"""The MQTT bench's phases, measured windows and printed figures (``bench/mqtt.py``)."""

from __future__ import annotations

import argparse
import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.mqtt_beside import Counters


@dataclass(frozen=True)
class Phase:
    """What runs while a window is measured: the MQTT publisher, the beside load."""

    name: str
    mqtt: bool
    beside: bool


ALONE = Phase("MQTT alone", mqtt=True, beside=False)
BESIDE = Phase("MQTT + load", mqtt=True, beside=True)
LOAD = Phase("load alone", mqtt=False, beside=True)


@dataclass
class Window:
    """One measured window of a phase: seconds of CPU, MQTT ages, beside counters."""

    phase: Phase
    start: float
    end: float
    wall: float
    cpu: dict[str, float]
    changes: list[tuple[float, float]]
    """Each MQTT change the stream read: when it read it, and its age then."""
    reads: int
    links: dict[str, Counters]
    batches: dict[str, float]
    """The poller's write batches over the window: per second, p50 and p95 seconds."""
    settled: bool
    base_ages: list[float] = field(default_factory=list)

    @property
    def stream_ages(self) -> list[float]:
        return [old for _, old in self.changes]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values) or [float("nan")]
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def report_figures(options: argparse.Namespace, windows: list[Window]) -> None:
    phases = list(dict.fromkeys(window.phase for window in windows))
    of = {phase: [w for w in windows if w.phase == phase] for phase in phases}

    def wall(phase: Phase) -> float:
        return sum(w.wall for w in of[phase])

    def cores(phase: Phase, name: str) -> float:
        return sum(w.cpu[name] for w in of[phase]) / wall(phase)

    def per_second(phase: Phase, count: Any) -> float:
        return sum(count(w) for w in of[phase]) / wall(phase)

    def ages(phase: Phase, which: str) -> list[float]:
        return [a for w in of[phase] for a in getattr(w, which)]

    def ms(phase: Phase, which: str, share: float) -> float:
        return percentile(ages(phase, which), share) * 1000

    def batch_ms(phase: Phase, which: str) -> float:
        return statistics.median(w.batches[which] for w in of[phase]) * 1000

    rows: list[tuple[str, Any]] = [
        (
            "MQTT messages/s (baseline)",
            lambda p: f"{per_second(p, lambda w: len(w.base_ages)):.0f}",
        ),
        ("MQTT changes/s read", lambda p: f"{per_second(p, lambda w: len(w.stream_ages)):.0f}"),
        ("stream reads/s", lambda p: f"{per_second(p, lambda w: w.reads):.1f}"),
        ("message-to-stream p50 ms", lambda p: f"{ms(p, 'stream_ages', 0.5):.1f}"),
        ("message-to-stream p95 ms", lambda p: f"{ms(p, 'stream_ages', 0.95):.1f}"),
        ("baseline receipt p50 ms", lambda p: f"{ms(p, 'base_ages', 0.5):.1f}"),
        ("baseline receipt p95 ms", lambda p: f"{ms(p, 'base_ages', 0.95):.1f}"),
        ("poller CPU (cores)", lambda p: f"{cores(p, 'poller'):.3f}"),
        ("its PostgreSQL CPU (cores)", lambda p: f"{cores(p, 'poller database'):.3f}"),
        ("baseline CPU (cores)", lambda p: f"{cores(p, 'baseline'):.3f}"),
        (
            "write batches/s",
            lambda p: f"{per_second(p, lambda w: w.batches['per second'] * w.wall):.1f}",
        ),
        ("write batch p50 ms (median)", lambda p: f"{batch_ms(p, 'p50'):.1f}"),
        ("write batch p95 ms (median)", lambda p: f"{batch_ms(p, 'p95'):.1f}"),
    ]
    for protocol in ("Mara", "Modbus") if BESIDE in phases else ():
        rows += [
            (
                f"{protocol} polls/s (tries)",
                lambda p, k=protocol: f"{per_second(p, lambda w: w.links[k].polls):.1f}",
            ),
            (
                f"{protocol} timeouts/s",
                lambda p, k=protocol: f"{per_second(p, lambda w: w.links[k].timeouts):.1f}",
            ),
        ]
    rows.append(("settled, caught up", lambda p: "yes" if all(w.settled for w in of[p]) else "NO"))
    load_average = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(
        f"MQTT bench: {options.devices} devices x {options.channels} points, one message per "
        f"device per second, QoS 0; {options.rounds} round(s) of {options.seconds:g} s per phase"
    )
    if BESIDE in phases:
        print(
            f"  beside: {options.beside_mara} Mara COMasters (bench.poll's, polled every 1 s)"
            + (
                f", {options.plants} plant(s) (0.5 s) and {options.meters} meters (1 s) over Modbus"
                if options.beside_modbus
                else ""
            )
        )
    print(f"  machine: {os.cpu_count()} cores, load average {load_average} at the end")
    print(f"  {'':30}" + "".join(f"{phase.name:>16}" for phase in phases))
    for label, value in rows:
        print(f"  {label:30}" + "".join(f"{value(phase):>16}" for phase in phases))
    alone_cpu, alone_p95 = cores(ALONE, "poller"), ms(ALONE, "stream_ages", 0.95)
    base_cpu = cores(ALONE, "baseline")
    print(
        f"  MQTT alone: poller / baseline CPU {alone_cpu / max(base_cpu, 1e-9):.1f}x; "
        f"goals CPU < 0.5 core {'met' if alone_cpu < 0.5 else 'NOT met'}, "
        f"p95 < 300 ms {'met' if alone_p95 < 300 else 'NOT met'}"
    )
    if BESIDE in phases:
        share = cores(BESIDE, "poller") - cores(LOAD, "poller")
        database = cores(BESIDE, "poller database") - cores(LOAD, "poller database")
        p95 = ms(BESIDE, "stream_ages", 0.95)
        print(
            f"  MQTT beside the load: its share of the poller's CPU (MQTT + load minus load "
            f"alone) {share:.3f} cores ({share / max(alone_cpu, 1e-9):.1f}x alone), of its "
            f"PostgreSQL backends' {database:.3f} cores; goals CPU "
            f"< 0.5 core {'met' if share < 0.5 else 'NOT met'}, p95 < 300 ms "
            f"{'met' if p95 < 300 else 'NOT met'}"
        )
