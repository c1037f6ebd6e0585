"""The historian's figures on PostgreSQL (issue 12): ingest and a year-long read.

``python -m bench.history postgres://...`` (a database of its own: it migrates it and
leaves its rows there).

Ingest: the poller's history path (``PostgresStatements.insert_samples``, the writer's
statement) against raw ``COPY`` into the same table, interleaved, batches of 10,000 values;
prints values/s and the ratio.

Read: one pen with a year of 1-minute data (525,600 raw rows, rolled up by the rollup code),
a 1,000-bucket series as the API makes it (``read_series`` on the coarsest rollup) against
reading the raw rows and downsampling them in Python; prints the p95 of each and the ratio
of medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rounds", type=int, default=20)
    options = parser.parse_args(argv)
    os.environ.update(
        DATABASE_URL=options.database_url,
        DJANGO_SETTINGS_MODULE="smve.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only"),
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from bench.measure import interleaved_rates, median, median_ratio
    from history.buckets import site_zone
    from history.rollups import recompute
    from history.series import choose_resolution, read_series
    from poll.acquisition.batch import SampleRow
    from poll.acquisition.sql import PostgresStatements
    from poll.models import AI, ModbusDevice, Profile, Sample

    call_command("migrate", "--no-input", verbosity=0)
    profile, _ = Profile.objects.get_or_create(name="History bench")
    device, _ = ModbusDevice.objects.get_or_create(profile=profile, name="PLC", host="127.0.0.1")

    def register(tag: str, address: int) -> AI:
        point, _ = AI.objects.get_or_create(
            modbus_device=device,
            tag=tag,
            address=address,
            table="holding_register",
            data_type="uint16",
        )
        return point

    ingest, pen = register("INGEST", 0), register("YEAR", 1)
    Sample.objects.filter(point=ingest).delete()

    # Ingest
    clock = [int(datetime(2020, 1, 1, tzinfo=UTC).timestamp() * 1_000_000)]
    statements = PostgresStatements()

    def rows() -> list[SampleRow]:
        start = clock[0]
        clock[0] += 10_000_000_000
        return [
            SampleRow(ingest.pk, start + i * 1_000_000, float(i % 97), 0) for i in range(10_000)
        ]

    def writer() -> int:
        batch = rows()
        with transaction.atomic(), connection.cursor() as cursor:
            statements.insert_samples(cursor, batch)
        return len(batch)

    def copy() -> int:
        batch = rows()
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.copy("COPY poll_sample (point_id, time, value, q) FROM STDIN") as out,
        ):
            for row in batch:
                out.write_row(
                    (
                        row.point_id,
                        datetime.fromtimestamp(row.time / 1e6, UTC),
                        row.value,
                        row.q,
                    )
                )
        return len(batch)

    rates = interleaved_rates({"writer": writer, "copy": copy}, rounds=5)
    print(
        f"ingest: writer {median(rates['writer']):,.0f} values/s, raw COPY "
        f"{median(rates['copy']):,.0f} values/s, ratio {median_ratio(rates, 'writer', 'copy'):.2f}"
    )
    Sample.objects.filter(point=ingest).delete()

    # A year of 1-minute data for one pen
    start = datetime(2025, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=options.days)
    minutes = options.days * 24 * 60
    if Sample.objects.filter(point=pen).count() != minutes:
        Sample.objects.filter(point=pen).delete()
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.copy("COPY poll_sample (point_id, time, value, q) FROM STDIN") as out,
        ):
            for m in range(minutes):
                value = 999.0 if m == minutes // 2 else float(m % 1440) / 10
                out.write_row((pen.pk, start + timedelta(minutes=m), value, 0))
        loaded = time.perf_counter()
        with transaction.atomic():
            recompute(pen.pk, start, end - timedelta(seconds=1), site_zone())
        print(f"rollups of {minutes:,} rows: {time.perf_counter() - loaded:.1f} s")

    resolution = choose_resolution(start, end, 1000)

    def from_rollups() -> float:
        began = time.perf_counter()
        series = read_series(pen.pk, start, end, 1000, resolution)
        assert max(value for value in series.max if value is not None) == 999.0
        return time.perf_counter() - began

    def from_raw() -> float:
        began = time.perf_counter()
        width = (end - start).total_seconds() / 1000
        low: dict[int, float] = {}
        high: dict[int, float] = {}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT time, value FROM poll_sample WHERE point_id = %s AND time >= %s"
                " AND time < %s ORDER BY time",
                [pen.pk, start, end],
            )
            for when, value in cursor.fetchall():
                index = int((when - start).total_seconds() // width)
                low[index] = min(low.get(index, value), value)
                high[index] = max(high.get(index, value), value)
        assert max(high.values()) == 999.0
        return time.perf_counter() - began

    ours: list[float] = []
    raw: list[float] = []
    for number in range(options.rounds):
        pair = (from_rollups, from_raw) if number % 2 else (from_raw, from_rollups)
        for run in pair:
            (ours if run is from_rollups else raw).append(run())

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1] * 1000

    print(
        f"read ({resolution}): 1,000 buckets from rollups p95 {p95(ours):.1f} ms, raw rows + Python"
        f" p95 {p95(raw):.1f} ms, ratio of medians {median(raw) / median(ours):.1f}x"
        " (the machine is shared and busy)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
