"""The rollup job's cost per run on PostgreSQL, against recomputing from a day of raw samples.

``python -m bench.history_job postgres://...`` (a database of its own: it migrates it and
replaces its bench points' rows). ``--points`` points hold a day of samples every
``--step`` seconds; each round adds one sample to every point and runs the job once. Ours
is the job (``update_rollups``): 1 min and 15 min buckets from the raw samples of the
quarter hour that changed, hours and days combined from the stored quarter hours. The
baseline is what the job did before: for each point, the raw samples from the start of the
day to the end of the new sample's bucket, every resolution computed from them (the same
``rollup`` code and the same writes). Contenders alternate round by round; CPU seconds per
run are this process's plus its PostgreSQL backend's (from /proc), medians reported.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.database import use_database


def backend_cpu(pid: int) -> float:
    """CPU seconds (user + system) a local process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--step", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("--rounds", type=int, default=10)
    options = parser.parse_args(argv)
    use_database(options.database_url)
    import psycopg
    from django.core.management import call_command
    from django.db import connection, transaction

    from bench.measure import median
    from history.buckets import RESOLUTIONS, bucket_end, bucket_start, site_zone
    from history.models import Progress, Rollup
    from history.rollups import rollup, update_rollups
    from poll.models import AI, ModbusDevice, Profile, Sample
    from poll.sample_partitions import ensure_months, months_between

    call_command("migrate", "--no-input", verbosity=0)
    profile, _ = Profile.objects.get_or_create(name="Rollup job bench")
    device, _ = ModbusDevice.objects.get_or_create(profile=profile, name="PLC", host="127.0.0.1")
    points = [
        AI.objects.get_or_create(
            modbus_device=device,
            tag=f"JOB{number}",
            address=number,
            table="holding_register",
            data_type="uint16",
        )[0].pk
        for number in range(options.points)
    ]
    zone = site_zone()
    day = datetime(2024, 6, 3, tzinfo=UTC)
    step = timedelta(seconds=options.step)
    per_day = int(timedelta(days=1) / step)
    with connection.cursor() as upkeep:
        ensure_months(upkeep, months_between(day, day + timedelta(days=2)))
    Sample.objects.filter(point_id__in=points).delete()
    Rollup.objects.filter(point_id__in=points).delete()
    started = time.perf_counter()
    connection.ensure_connection()
    with (
        transaction.atomic(),
        psycopg.Cursor(connection.connection) as cursor,
        cursor.copy("COPY poll_sample (point_id, time, value, q) FROM STDIN") as out,
    ):
        for point in points:
            for number in range(per_day - options.rounds * 2):
                out.write_row((point, day + number * step, float(number % 89), 0))
    with transaction.atomic():
        Progress.objects.update_or_create(name="rollups", defaults={"last_id": 0})
        update_rollups(day)
    print(
        f"{options.points} points, a day of samples every {options.step:g} s "
        f"({options.points * per_day:,} rows) loaded and rolled up in "
        f"{time.perf_counter() - started:.0f} s"
    )
    clock = [day + (per_day - options.rounds * 2) * step]

    def add_samples() -> None:
        when = clock[0]
        clock[0] += step
        Sample.objects.bulk_create(
            Sample(point_id=point, time=when, value=1.0, q=0) for point in points
        )

    def ours() -> None:
        with transaction.atomic():
            update_rollups(clock[0])

    def from_the_day() -> None:
        """The job before: a whole day of raw samples read for every point touched."""
        progress = Progress.objects.select_for_update().get(name="rollups")
        new = Sample.objects.filter(id__gt=progress.last_id)
        touched = list(new.values_list("point_id", "time"))
        for point, when in touched:
            spans = {
                resolution: (
                    bucket_start(resolution, when, zone),
                    bucket_end(resolution, bucket_start(resolution, when, zone), zone),
                )
                for resolution in RESOLUTIONS
            }
            low = min(span[0] for span in spans.values())
            high = max(span[1] for span in spans.values())
            samples = list(
                Sample.objects.filter(point_id=point, time__gte=low, time__lt=high)
                .order_by("time")
                .values_list("time", "value", "q")
            )
            for resolution, (first, end) in spans.items():
                inside = [sample for sample in samples if first <= sample[0] < end]
                Rollup.objects.filter(
                    point_id=point, resolution=resolution, start__gte=first, start__lt=end
                ).delete()
                Rollup.objects.bulk_create(
                    Rollup(point_id=point, resolution=resolution, **bucket.__dict__)
                    for bucket in rollup(inside, resolution, zone)
                )
        progress.last_id = max((row.id for row in new.only("id")), default=progress.last_id)
        progress.save()

    def baseline() -> None:
        with transaction.atomic():
            from_the_day()

    with connection.cursor() as query:
        query.execute("SELECT pg_backend_pid()")
        (backend,) = query.fetchone()
    costs: dict[str, list[float]] = {"ours": [], "baseline": []}
    for number in range(options.rounds):
        order = [("ours", ours), ("baseline", baseline)]
        for name, run in order if number % 2 else order[::-1]:
            add_samples()
            before = time.process_time() + backend_cpu(backend)
            run()
            costs[name].append(time.process_time() + backend_cpu(backend) - before)
    ours_cpu, baseline_cpu = median(costs["ours"]), median(costs["baseline"])
    print(
        f"rollup job run after one new sample a point: {ours_cpu * 1000:.0f} ms CPU "
        f"(this process + PostgreSQL), the day's raw samples reread: "
        f"{baseline_cpu * 1000:.0f} ms, ratio {baseline_cpu / ours_cpu:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
