"""The alarm pipeline alone: transitions per second with the journal stored, and the KPIs
over a large journal.

- Transitions: ``--definitions`` H alarms on the demo substation's analog inputs; each batch
  moves every point across the limit, so every definition makes one transition (activation
  or clearing), stored with its journal row. Timed interleaved, round by round, against the
  same batches given to a processor that watches no point (the batch transaction alone): the
  figure is our transitions/s, and the ratio says what alarms cost on top of a batch.
  Activations (which the KPI counts follow) and clearings are also told apart.
- Flood (``--flood N``, default 5,000): N more definitions, all raised by one batch (a
  flood of N alarms in one second), timed from the batch's start to its commit, median of
  a few floods (each cleared again between); goal within 2 s.
- KPIs (``--kpis N``): N transitions bulk-inserted into the journal over 30 days, then
  ``alarms.kpis.compute`` over the whole period, median of a few runs (goal < 1 s on
  PostgreSQL for 1 million).

Run: ``python -m bench.alarms`` (``--quick`` for a smoke run; ``--database-url`` for
PostgreSQL, default a SQLite file under ``var/``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.formulas_save import setup_django
from bench.measure import interleaved_rates, median, median_ratio, spread

ROOT = Path(__file__).resolve().parent.parent
PROFILE_FILE = ROOT / "fixtures" / "demo_substation.json"
GOAL_TRANSITIONS = 10_000
GOAL_KPI_SECONDS = 1.0
GOAL_FLOOD_SECONDS = 2.0
START = datetime(2026, 1, 1, tzinfo=UTC)
ACTIVATIONS, CLEARINGS = "activations", "clearings"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--definitions", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--kpis", type=int, default=0, help="journal rows for the KPI bench")
    parser.add_argument("--flood", type=int, default=5_000, help="alarms raised in one batch")
    parser.add_argument("--quick", action="store_true", help="200 definitions, 3 rounds")
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT}/var/bench_alarms.sqlite3")
    args = parser.parse_args()
    if args.quick:
        args.definitions, args.rounds = 200, 3
    setup_django(args.database_url)
    profile, points = build(args.definitions)
    transitions(profile, points, args.definitions, args.rounds)
    if args.flood:
        flood(profile, points, args.flood)
    if args.kpis:
        kpis(args.kpis)
    return 0


def build(count: int) -> tuple[Any, list[int]]:
    from django.db import connection

    from alarms.models import AlarmDefinition
    from poll.models import Point
    from poll.profiles import load_profile

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the bench database is the bench's alone
            # The counts per bucket and priority name no alarm: no cascade reaches them.
            cursor.execute(
                "TRUNCATE poll_profile, poll_revision, alarms_activationcount "
                "RESTART IDENTITY CASCADE"
            )
    data = json.loads(PROFILE_FILE.read_text())
    data["alarms"] = []
    profile = load_profile(data, activate=True)
    points = list(Point.objects.filter(profile=profile, kind="ai").values_list("pk", flat=True))
    AlarmDefinition.objects.bulk_create(
        AlarmDefinition(
            profile=profile,
            point_id=points[i % len(points)],
            tag=f"BENCH{i:05d}",
            kind="h",
            setpoint=100.0,
            message="{value} {unit}",
        )
        for i in range(count)
    )
    return profile, points


def transitions(profile: Any, points: list[int], count: int, rounds: int) -> None:
    from django.db import transaction

    from alarms.processor import AlarmProcessor
    from poll.acquisition.batch import PointChange

    ours = AlarmProcessor()
    ours.configure(profile.pk)
    idle = AlarmProcessor()  # configured for no profile: watches nothing
    clock = {"at": 0, "high": False}
    # Our batches of each kind over all rounds: how many, and the seconds they took.
    spent = {ACTIVATIONS: [0, 0.0], CLEARINGS: [0, 0.0]}

    def batch(processor: AlarmProcessor) -> int:
        clock["at"] += 1_000_000
        clock["high"] = not clock["high"]
        value = 150.0 if clock["high"] else 50.0
        changes = {p: PointChange(p, value, 0, True, clock["at"]) for p in points}
        start = time.perf_counter()
        with transaction.atomic():
            processor.process(changes, clock["at"])
        if processor is ours:
            kind = spent[ACTIVATIONS if clock["high"] else CLEARINGS]
            kind[0] += 1
            kind[1] += time.perf_counter() - start
        return count

    rates = interleaved_rates(
        {"alarms": lambda: batch(ours), "batch only": lambda: batch(idle)}, rounds
    )
    alarms_rate = median(rates["alarms"])
    print(f"alarm pipeline: {count} definitions, {rounds} rounds")
    print(
        f"  transitions/s with journal: {alarms_rate:,.0f} ({spread(rates['alarms'])}); "
        f"goal {GOAL_TRANSITIONS:,}"
    )
    print(
        "  of which "
        + ", ".join(f"{kind}/s {count * n / seconds:,.0f}" for kind, (n, seconds) in spent.items())
        + " (over all rounds)"
    )
    print(
        f"  batch-only rate / alarms rate: {1 / median_ratio(rates, 'alarms', 'batch only'):.1f}x"
    )


def flood(profile: Any, points: list[int], count: int) -> None:
    """``count`` alarms raised by one batch: how long storing them takes."""
    from django.db import transaction

    from alarms.models import AlarmDefinition
    from alarms.processor import AlarmProcessor
    from poll.acquisition.batch import PointChange

    AlarmDefinition.objects.filter(profile=profile).delete()
    AlarmDefinition.objects.bulk_create(
        AlarmDefinition(
            profile=profile,
            point_id=points[i % len(points)],
            tag=f"FLOOD{i:05d}",
            kind="h",
            setpoint=100.0 + i % 50,
            message="{value} {unit}",
        )
        for i in range(count)
    )
    processor = AlarmProcessor()
    processor.configure(profile.pk)
    times = []
    for round_ in range(5):
        base = (round_ + 1) * 10_000_000_000
        for value, offset in ((500.0, 0), (0.0, 1_000_000)):
            changes = {p: PointChange(p, value, 0, True, base + offset) for p in points}
            start = time.perf_counter()
            with transaction.atomic():
                processor.process(changes, base + offset)
            if value:
                times.append(time.perf_counter() - start)
    print(
        f"flood: {count:,} alarms raised in one batch stored in median {median(times):.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in times)}); goal < {GOAL_FLOOD_SECONDS} s"
    )


def kpis(rows: int) -> None:
    from django.db import connection, transaction

    from alarms import counts
    from alarms import kpis as kpi
    from alarms.models import Alarm, AlarmDefinition, AlarmTransition

    alarms = [
        Alarm.objects.get_or_create(definition=d)[0] for d in AlarmDefinition.objects.all()[:500]
    ]
    span = timedelta(days=30).total_seconds()
    events = [("activate", "unack"), ("acknowledge", "ack"), ("clear", "normal")]
    batch: list[AlarmTransition] = []
    known: counts.Recent = {}  # rows go in time order: their counts follow them

    def store(rows: list[AlarmTransition]) -> None:
        AlarmTransition.objects.bulk_create(rows)
        counts.add(rows, known)

    with transaction.atomic():
        for i in range(rows):
            event, state = events[i % 3]
            batch.append(
                AlarmTransition(
                    alarm=alarms[(i // 3) % len(alarms)],
                    event=event,
                    from_state="normal",
                    to_state=state,
                    time=START + timedelta(seconds=span * i / rows),
                    revision=1,
                    priority=("low", "medium", "high")[(i // 3) % 3],
                )
            )
            if len(batch) == 10_000:
                store(batch)
                batch = []
        store(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE alarms_alarmtransition, alarms_activationcount, alarms_alarmdaycount"
            )
    period = kpi.Period(START, START + timedelta(days=30))
    times = []
    for _ in range(5):
        start = time.perf_counter()
        kpi.compute(period)
        times.append(time.perf_counter() - start)
    print(
        f"KPIs over {rows:,} transitions ({connection.vendor}): "
        f"median {statistics.median(times):.2f} s "
        f"(runs {', '.join(f'{t:.2f}' for t in times)}); goal < {GOAL_KPI_SECONDS} s"
    )


if __name__ == "__main__":
    raise SystemExit(main())
