"""The historian's figures on PostgreSQL (issue 12): ingest and a year-long read.

``python -m bench.history postgres://...`` (a database of its own: it migrates it and
leaves its rows there).

Ingest: the poller's history path (``PostgresStatements.insert_samples``: the batch's points
checked and locked, a savepoint, a binary ``COPY`` it encodes itself, the dedup fallback
unused) in a batch transaction, against psycopg's binary ``COPY`` of the same rows into the
same table (``write_row``, a ``datetime`` a row),
interleaved, batches of 10,000 values; prints values/s and the ratio.

Read: one pen with a year of 1-minute data (525,600 raw rows, rolled up by the rollup code),
a 1,000-bucket series as the API answers it (the view, JSON rendered) against reading the raw
rows and downsampling them in Python, interleaved; prints the p95 of each, the ratio of
medians and the answer's size.

Export: ``--export-rows`` raw samples of one point (5 million by default; 0 skips it) streamed
as CSV by the API's exporter; prints the rows/s and the process's peak resident memory
during the export (Linux: VmHWM reset through /proc/self/clear_refs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.database import use_database
from poll.sample_partitions import ensure_months, months_between


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--export-rows", type=int, default=5_000_000)
    parser.add_argument("--export-only", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    use_database(options.database_url)
    import psycopg

    if options.export_only:  # the child process that measures the exporter alone
        return export(options.export_rows)
    from django.core.management import call_command
    from django.db import connection, transaction

    from bench.measure import interleaved_rates, median, median_ratio
    from history.buckets import site_zone
    from history.rollups import recompute
    from history.series import choose_resolution
    from poll.acquisition.batch import SampleRow, from_micros
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
    connection.ensure_connection()
    with connection.cursor() as cursor:
        ensure_months(
            cursor,
            months_between(datetime(2020, 1, 1, tzinfo=UTC), datetime(2020, 6, 1, tzinfo=UTC)),
        )
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
        with transaction.atomic(), psycopg.Cursor(connection.connection) as cursor:
            statements.insert_samples(cursor, batch)  # the writer's cursor (store.py)
        return len(batch)

    def copy() -> int:
        batch = rows()
        with (
            transaction.atomic(),
            psycopg.Cursor(connection.connection) as cursor,
            cursor.copy(PostgresStatements.COPY_SAMPLES) as out,
        ):
            out.set_types(("int8", "timestamptz", "float8", "int2"))
            for point_id, micros, value, q in batch:
                out.write_row((point_id, from_micros(micros), value, q))
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
        load(pen.pk, start, minutes, timedelta(minutes=1), spike=minutes // 2)
        loaded = time.perf_counter()
        with transaction.atomic():
            recompute(pen.pk, start, end - timedelta(seconds=1), site_zone())
        print(f"rollups of {minutes:,} rows: {time.perf_counter() - loaded:.1f} s")

    resolution = choose_resolution(start, end, 1000)

    Profile.objects.filter(pk=profile.pk).update(active=True)
    Profile.objects.exclude(pk=profile.pk).update(active=False)
    api = _api()
    year = {"tag": "YEAR", "start": start.isoformat(), "end": end.isoformat(), "max_points": 1000}
    if options.export_rows:  # measured in a process of its own: the exporter's memory alone
        export_point = register("EXPORT", 2)
        if Sample.objects.filter(point=export_point).count() != options.export_rows:
            Sample.objects.filter(point=export_point).delete()
            load(export_point.pk, EXPORT_START, options.export_rows, timedelta(seconds=1))
        sys.stdout.flush()
        child = [sys.executable, "-m", "bench.history", options.database_url, "--export-only"]
        subprocess.run([*child, f"--export-rows={options.export_rows}"], check=True)
    answer = api(year).render()
    body = json.loads(answer.content)
    assert body["resolution"] == resolution and max(body["series"][0]["max"]) == 999.0
    answer_bytes = len(answer.content)

    def from_rollups() -> float:
        began = time.perf_counter()
        api(year).render()
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
        f"read ({resolution}): 1,000 buckets through the API p95 {p95(ours):.1f} ms"
        f" ({answer_bytes:,} bytes), raw rows + Python p95 {p95(raw):.1f} ms,"
        f" ratio of medians {median(raw) / median(ours):.1f}x (the machine is shared and busy)"
    )
    return 0


def load(
    point_id: int, first: datetime, count: int, step: timedelta, spike: int | None = None
) -> None:
    """``count`` samples of a point from ``first``, one COPY in one transaction; sample
    number ``spike`` is 999."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        ensure_months(cursor, months_between(first, first + step * count))
        with cursor.copy("COPY poll_sample (point_id, time, value, q) FROM STDIN") as out:
            for number in range(count):
                value = 999.0 if number == spike else float(number % 1440) / 10
                out.write_row((point_id, first + step * number, value, 0))


EXPORT_START = datetime(2024, 1, 1, tzinfo=UTC)


def _api() -> Callable[[dict[str, Any]], Any]:
    """GET /api/history/ with a query, as a user who may read history, without HTTP."""
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIRequestFactory, force_authenticate

    from history.api import HistoryView

    user = get_user_model().objects.filter(username="history-bench").first()
    if user is None:
        user = get_user_model().objects.create_superuser("history-bench", password=None)
    view = HistoryView.as_view()

    def api(query: dict[str, Any]) -> Any:
        request = APIRequestFactory().get("/api/history/", query)
        force_authenticate(request, user)
        return view(request)

    return api


def export(count: int) -> int:
    """Stream the EXPORT point's ``count`` raw samples as CSV through the API, in a process
    of its own; print rows/s and the process's memory."""
    api = _api()
    query = {
        "tag": "EXPORT",
        "start": EXPORT_START.isoformat(),
        "end": (EXPORT_START + timedelta(seconds=count)).isoformat(),
        "format": "csv",
        "resolution": "raw",
    }
    api({**query, "end": (EXPORT_START + timedelta(seconds=1)).isoformat()})  # warm up
    resident = _memory("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
    began = time.perf_counter()
    lines = size = 0
    for piece in api(query).streaming_content:
        lines += piece.count(b"\n")
        size += len(piece)
    elapsed = time.perf_counter() - began
    assert lines == count + 2
    peak = _memory("VmHWM")
    print(
        f"export: {count:,} rows ({size / 1e6:,.0f} MB of CSV) in {elapsed:.0f} s,"
        f" {count / elapsed:,.0f} rows/s; exporter process peak resident memory {peak:.0f} MB"
        f" ({resident:.0f} MB before the export: Django, DRF and the view loaded)"
    )
    return 0


def _memory(field: str) -> float:
    """A memory figure of this process from /proc/self/status, in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
