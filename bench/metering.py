"""Metering's figures on PostgreSQL (issue 16): fixing a quarter hour, the monthly report,
the XLSX export.

``python -m bench.metering postgres://...`` (a database of its own: it migrates it, and
rebuilds its rows when their sizes differ from the options).

- Fixing: the readings of ``--meters`` (1,000) meters at one quarter-hour boundary from their
  registers' samples (``fix_range``), against a baseline that reads the same samples with one
  SELECT and inserts as many rows with one statement; medians over interleaved rounds.
- Report: the monthly report of one building of ``--flats`` (1,000) flats with a full month
  of readings, against one SQL ``SUM`` per flat (the least any report does).
- Export: a year of 15-minute readings of ``--year-flats`` (100) flats as XLSX through the
  exporter, in a child process whose peak resident memory is reported, against the same rows
  as CSV in another child.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

MONTH = (2026, 10)  # October 2026: 31 days, one of 25 hours in Europe/Zurich


def setup(url: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="smve.settings",
        SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only"),
        TIME_ZONE=os.environ.get("TIME_ZONE", "Europe/Zurich"),
    )
    import django

    django.setup()


def build(meters: int, flats: int, year_flats: int) -> None:
    """The site: one building of ``max(meters, flats)`` flats, a meter each with 4 register
    points and samples around 10 boundaries, a month of readings for every flat and a year
    for the first ``year_flats``."""
    from django.db import connection, transaction

    from metering.models import Building, Flat, MeterAssignment, Reading
    from metering.quarters import QUARTER, month_range
    from metering.registers import REGISTERS
    from poll.models import ModbusDevice, Point, Profile, Sample

    count = max(meters, flats)
    profile, _ = Profile.objects.get_or_create(name="Metering bench")
    if ModbusDevice.objects.filter(profile=profile).count() == count and Reading.objects.exists():
        return
    print(f"building the site: {count} meters and flats ...", flush=True)
    with transaction.atomic():
        Building.objects.filter(profile=profile).delete()
        ModbusDevice.objects.filter(profile=profile).delete()
        devices = ModbusDevice.objects.bulk_create(
            ModbusDevice(
                profile=profile,
                name=f"M{n:04d}",
                host=f"10.0.{n // 100}.1",
                port=502,
                unit=n % 100 + 1,
                framing="rtu",
                poll_interval=900,
            )
            for n in range(count)
        )
        Point.objects.bulk_create(
            Point(
                profile=profile,
                modbus_device=device,
                kind="ai",
                tag=f"{device.name}_{name}",
                table="input_register",
                data_type="float32",
                address=index * 2,
                unit="kWh",
            )
            for device in devices
            for index, name in enumerate(REGISTERS.values())
        )
        building = Building.objects.create(profile=profile, name="Tower")
        flat_rows = Flat.objects.bulk_create(
            Flat(building=building, name=f"Flat {n:04d}") for n in range(count)
        )
        start = datetime(2025, 10, 1, tzinfo=UTC)
        MeterAssignment.objects.bulk_create(
            MeterAssignment(flat=flat, meter=device, start=start)
            for flat, device in zip(flat_rows, devices, strict=True)
        )
    points = list(Point.objects.filter(profile=profile).values_list("pk", "modbus_device_id"))
    sample_start = datetime(2026, 11, 2, 10, tzinfo=UTC)
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.copy("COPY poll_sample (point_id, time, value, q) FROM STDIN") as out,
    ):
        for point_id, device_id in points:
            for n in range(22):  # reads every 7 min around ten boundaries
                out.write_row(
                    (
                        point_id,
                        sample_start + n * timedelta(minutes=7),
                        1000.0 + n + device_id % 7,
                        0,
                    )
                )
    month_start, month_end = month_range(*MONTH)
    year_start = month_end - timedelta(days=365)
    with transaction.atomic(), connection.cursor() as cursor:
        columns = (
            "meter_id, flat_id, time, status, import_wh, export_wh, import_varh, export_varh,"
            " new_series, consumption_wh, demand_w"
        )
        with cursor.copy(f"COPY metering_reading ({columns}) FROM STDIN") as out:  # noqa: S608
            for index, (flat, device) in enumerate(zip(flat_rows, devices, strict=True)):
                time_ = year_start if index < year_flats else month_start
                wh = 5_000_000 + index
                first = True
                while time_ <= month_end:
                    step = 100 + (index + int(time_.timestamp()) // 900) % 400
                    wh += step
                    out.write_row(
                        (
                            device.pk,
                            flat.pk,
                            time_,
                            "m",
                            wh,
                            0,
                            wh // 3,
                            0,
                            first,
                            None if first else step,
                            None if first else step * 4,
                        )
                    )
                    first = False
                    time_ += QUARTER
    print(f"  {Reading.objects.count():,} readings, {Sample.objects.count():,} samples", flush=True)


def bench_fixing(rounds: int) -> None:
    from django.db import connection, transaction

    from bench.measure import median
    from metering.fixing import fix_range
    from metering.quarters import QUARTER
    from metering.registers import register_points

    boundary = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)
    from metering.models import MeterAssignment

    meter_ids = list(MeterAssignment.objects.values_list("meter_id", flat=True))
    points = list(register_points(meter_ids))

    def ours() -> float:
        began = time.perf_counter()
        with transaction.atomic():
            written = fix_range(boundary - QUARTER, boundary)
        assert written == len(meter_ids)
        return time.perf_counter() - began

    def baseline() -> float:
        began = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT point_id, time, value FROM poll_sample WHERE point_id = ANY(%s)"
                " AND time BETWEEN %s AND %s",
                [points, boundary - timedelta(minutes=30), boundary + timedelta(minutes=30)],
            )
            cursor.fetchall()
            cursor.execute(
                "CREATE TEMP TABLE IF NOT EXISTS bench_rows"
                " (meter_id int, time timestamptz, wh bigint)"
            )
            cursor.executemany(
                "INSERT INTO bench_rows VALUES (%s, %s, %s)", [(m, boundary, 1) for m in meter_ids]
            )
            cursor.execute("TRUNCATE bench_rows")
        return time.perf_counter() - began

    mine: list[float] = []
    base: list[float] = []
    for number in range(rounds):
        pair = (ours, baseline) if number % 2 else (baseline, ours)
        for run in pair:
            (mine if run is ours else base).append(run())
    print(
        f"fixing: {len(meter_ids):,} meters' readings of one quarter hour in {median(mine):.2f} s"
        f" (median of {rounds}); baseline SELECT + INSERT {median(base):.2f} s;"
        f" ratio {median(mine) / median(base):.1f}x"
    )


def bench_report(rounds: int) -> None:
    from django.db import connection

    from bench.measure import median
    from metering.models import Building
    from metering.quarters import month_range
    from metering.reports import monthly_report

    building = Building.objects.get(name="Tower")
    start, end = month_range(*MONTH)

    def ours() -> float:
        began = time.perf_counter()
        report = monthly_report(building, *MONTH)
        assert report.total_wh > 0
        return time.perf_counter() - began

    def baseline() -> float:
        began = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT flat_id, SUM(consumption_wh) FROM metering_reading"
                " WHERE time > %s AND time <= %s GROUP BY flat_id",
                [start, end],
            )
            cursor.fetchall()
        return time.perf_counter() - began

    mine: list[float] = []
    base: list[float] = []
    for number in range(rounds):
        pair = (ours, baseline) if number % 2 else (baseline, ours)
        for run in pair:
            (mine if run is ours else base).append(run())
    flats = building.flats.count()
    print(
        f"report: {flats:,} flats, {MONTH[0]}-{MONTH[1]:02d}, in {median(mine):.2f} s (median of"
        f" {rounds}); baseline one SUM per flat {median(base):.2f} s;"
        f" ratio {median(mine) / median(base):.1f}x"
    )


def export_child(fmt: str, year_flats: int) -> None:
    """In a child process: write the year of readings of the first flats, print seconds,
    rows and the peak resident memory."""
    from metering import exports
    from metering.models import Flat
    from metering.quarters import month_range

    _, end = month_range(*MONTH)
    flats = list(
        Flat.objects.filter(building__name="Tower")
        .order_by("name")
        .values_list("pk", flat=True)[:year_flats]
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.perf_counter()
    rows = exports.reading_rows(flats, end - timedelta(days=365), end)
    size = 0
    if fmt == "xlsx":
        book = exports.xlsx_file(
            "readings", exports.readings_header(), exports.READING_COLUMNS, rows
        )
        size = book.seek(0, 2)
    else:
        for line in exports.readings_csv(rows):
            size += len(line)
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{seconds:.1f} {size} {before / 1024:.0f} {peak / 1024:.0f}")


def bench_export(url: str, year_flats: int) -> None:
    figures = {}
    for fmt in ("csv", "xlsx"):
        answer = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.metering",
                url,
                "--child",
                fmt,
                "--year-flats",
                str(year_flats),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        figures[fmt] = answer.stdout.split()
    seconds, size, before, peak = figures["xlsx"]
    csv_seconds, csv_size, _, csv_peak = figures["csv"]
    print(
        f"export: a year of 15-min readings of {year_flats} flats as XLSX in"
        f" {float(seconds):.0f} s, {int(size) / 1e6:.0f} MB file, peak memory {peak} MB"
        f" (process before the export {before} MB); CSV baseline {float(csv_seconds):.0f} s,"
        f" {int(csv_size) / 1e6:.0f} MB, peak {csv_peak} MB;"
        f" time ratio {float(seconds) / float(csv_seconds):.1f}x"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("--meters", type=int, default=1000)
    parser.add_argument("--flats", type=int, default=1000)
    parser.add_argument("--year-flats", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--parts", default="fixing,report,export", help="which figures (comma-separated)"
    )
    parser.add_argument("--child", choices=["csv", "xlsx"], help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    setup(options.database_url)
    if options.child:
        export_child(options.child, options.year_flats)
        return 0
    from django.core.management import call_command

    call_command("migrate", "--no-input", verbosity=0)
    build(options.meters, options.flats, options.year_flats)
    parts = options.parts.split(",")
    if "fixing" in parts:
        bench_fixing(options.rounds)
    if "report" in parts:
        bench_report(options.rounds)
    if "export" in parts:
        bench_export(options.database_url, options.year_flats)
    print("(the machine is shared with other builds: figures are indicative)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
