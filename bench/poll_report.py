"""The poller bench's printed report: the poller beside the save()-per-value baseline,
the CPU of poller, PostgreSQL and simulators apart, and events late and lost apart."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from bench.poll_ledger import EventAccount
from bench.poll_site import AIS_PER_IED, DIS_PER_IED, IEDS

LATENESS_GOAL = 0.2
CORES_GOAL = 1.2
"""Poller plus PostgreSQL, at 1,000 COMasters."""
PER_REPLY_GOAL_MS = 0.91
"""Half the CPU per stored reply (poller + PostgreSQL) measured before the write path was
reworked: 0.49 + 0.42 core for 500 replies/s."""
HOT_GOAL = 0.9


def per_reply_ms(cores: float, replies: float) -> str:
    """CPU milliseconds per stored reply; n/a when no reply was stored."""
    return f"{cores * 1000 / replies:.2f}" if replies > 0 else "n/a"


def report(
    args: argparse.Namespace,
    ours: dict[str, float],
    events: EventAccount,
    baseline: dict[str, float],
    settle_timeout: float,
) -> None:
    nan = float("nan")
    baseline = {"replies": nan, "events": nan, "p50": nan, "p99": nan} | baseline
    ratio = ours["replies"] / baseline["replies"] if baseline["replies"] > 0 else nan
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    lost = "unknown (the poller did not drain)" if events.lost is None else f"{events.lost}"
    lines = [
        f"Poller bench: {args.comasters} COMasters x ({IEDS} IEDs, {IEDS * DIS_PER_IED} DIs, "
        f"{IEDS * AIS_PER_IED} AIs) polled every 1 s, PostgreSQL, {args.seconds:g} s window, "
        f"{args.simulators} simulator process(es)",
        f"machine: {os.cpu_count()} cores, load average {load} at the end",
        *(
            []
            if ours.get("settled", 1.0)
            else [f"NOT SETTLED: not every COMaster online within {settle_timeout:g} s"]
        ),
        "",
        f"{'':28}{'poller':>14}{'save() baseline':>18}",
        f"{'replies/s stored':28}{ours['replies']:>14.1f}{baseline['replies']:>18.1f}"
        f"   (expected {args.comasters:.0f})",
        f"{'events/s stored':28}{ours['events']:>14.1f}{baseline['events']:>18.1f}",
        f"{'poll lateness p50 (ms)':28}{ours['p50'] * 1000:>14.1f}{baseline['p50'] * 1000:>18.1f}",
        f"{'poll lateness p99 (ms)':28}{ours['p99'] * 1000:>14.1f}{baseline['p99'] * 1000:>18.1f}",
        f"{'CPU (cores)':28}{ours['cpu']:>14.2f}{baseline.get('cpu', nan):>18.2f}",
        f"{'PostgreSQL CPU (cores)':28}{ours['pg_cpu']:>14.2f}"
        f"   ({ours['backends']:.0f} backends of the poller)",
        f"{'simulators CPU (cores)':28}{ours['sim_cpu']:>14.2f}   (not the poller's)",
        f"{'CPU ms per stored reply':28}"
        f"{per_reply_ms(ours['cpu'] + ours['pg_cpu'], ours['replies']):>14}"
        "   (poller + PostgreSQL)",
        f"{'  of the poller alone':28}{per_reply_ms(ours['cpu'], ours['replies']):>14}",
        f"{'  of the simulators':28}{per_reply_ms(ours['sim_cpu'], ours['replies']):>14}",
        f"{'poll_point updates HOT':28}{ours['hot'] * 100:>13.0f}%",
        f"{'poll_comaster updates HOT':28}{ours['links_hot'] * 100:>13.0f}%",
        f"{'memory (MB RSS)':28}{ours['rss']:>14.0f}{baseline.get('rss', nan):>18.0f}",
        f"{'write batches/s':28}{ours['batches']:>14.1f}",
        f"{'write batch p50 (ms)':28}{ours['batch_p50'] * 1000:>14.1f}",
        f"{'entries per batch p50':28}{ours['entries_p50']:>14.1f}",
        f"{'reply timeouts/s':28}{ours['timeouts']:>14.1f}",
        f"{'spool depth at the end':28}{ours['spool']:>14.0f}",
        f"{'events handed out':28}{events.handed_out:>14}   (by the window's end)",
        f"{'events late':28}{events.late:>14}   (not stored yet just after the window)",
        f"{'events lost':28}{lost:>14}   (still not stored once the poller drained)",
        "",
        "replies/s ratio poller / baseline: "
        + (f"{ratio:.1f}x" if not math.isnan(ratio) else "n/a (no baseline run)"),
        goals(ours, events),
    ]
    if math.isnan(ours["p99"]):
        lines.append("no poll lateness was measured: no poll left in the window")
    sys.stdout.write("\n".join(lines) + "\n")


def goals(ours: dict[str, float], events: EventAccount) -> str:
    """The goals of the poller at 1,000 COMasters, each met or not by this run."""
    cores = ours["cpu"] + ours["pg_cpu"]
    per_reply = cores * 1000 / ours["replies"] if ours["replies"] > 0 else math.inf
    checks = [
        (f"p99 lateness < {LATENESS_GOAL * 1000:.0f} ms", ours["p99"] < LATENESS_GOAL),
        (f"poller + PostgreSQL < {CORES_GOAL:g} cores", cores < CORES_GOAL),
        (f"CPU per stored reply <= {PER_REPLY_GOAL_MS} ms", per_reply <= PER_REPLY_GOAL_MS),
        (f"poll_point updates >= {HOT_GOAL:.0%} HOT", ours["hot"] >= HOT_GOAL),
        ("zero lost events", events.lost == 0),
    ]
    return "goals: " + "; ".join(f"{name}: {'met' if ok else 'not met'}" for name, ok in checks)
