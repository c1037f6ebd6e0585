"""Sample storage: the writer's path idempotent on replay, month partitions created ahead
and dropped by retention (PostgreSQL), chunked deletes (SQLite), rollups that outlive their
raw samples. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from history import retention
from history.buckets import RESOLUTIONS
from history.jobs import run_job
from history.models import Rollup
from history.retention import PARTITION_JOB, RETENTION_JOB, apply_retention, update_partitions
from history.rollups import BUCKET_FIELDS, Bucket, rollup, update_rollups
from poll.acquisition.batch import SampleRow, WriteBatch, to_micros
from poll.acquisition.store import BatchStore
from poll.models import Point, Sample
from poll.sample_partitions import DEFAULT, month_partitions, partition_name

pytestmark = pytest.mark.django_db
NOW = datetime(2031, 6, 15, 12, tzinfo=UTC)


@pytest.fixture
def partitioned() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("partitions are PostgreSQL's; SQLite keeps a plain table")


def write_samples(rows: list[SampleRow]) -> None:
    batch = WriteBatch()
    batch.samples.extend(rows)
    BatchStore().write(batch)


def stored(point: Point) -> list[tuple[datetime, float | None]]:
    return list(Sample.objects.filter(point=point).order_by("time").values_list("time", "value"))


def at(days: float) -> datetime:
    return NOW - timedelta(days=days)


def test_a_replayed_batch_stores_its_samples_once(point):
    times = [at(0), at(40), at(3000)]  # this month, an older month, far back (default)
    first = [SampleRow(point.pk, to_micros(time), float(n), 0) for n, time in enumerate(times)]
    first.append(SampleRow(point.pk, to_micros(at(2) + timedelta(microseconds=7)), None, 1))
    write_samples(first)
    write_samples(first)  # replayed whole
    # Replayed in part, with a new sample and one of a point deleted meanwhile.
    late = SampleRow(point.pk, to_micros(at(1)), 9.0, 0)
    write_samples([first[1], late, SampleRow(10**9, to_micros(at(1)), 1.0, 0)])
    no_data = (at(2) + timedelta(microseconds=7), None)  # a "no data" mark, to the microsecond
    assert stored(point) == [(at(3000), 2.0), (at(40), 1.0), no_data, (at(1), 9.0), (at(0), 0.0)]
    assert Sample.objects.count() == 5


@pytest.mark.postgres
def test_months_are_created_ahead_and_take_the_rows_the_default_partition_caught(
    point, partitioned
):
    write_samples([SampleRow(point.pk, to_micros(NOW + timedelta(days=31)), 1.0, 0)])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {DEFAULT}")  # noqa: S608 - a constant
        assert cursor.fetchone()[0] == 1
        run = run_job(PARTITION_JOB, NOW)
        assert run is not None and run.ok
        months = month_partitions(cursor)
        for month in (6, 7, 8):
            assert partition_name(datetime(2031, month, 1, tzinfo=UTC)) in months.values()
        cursor.execute(f"SELECT count(*) FROM {DEFAULT}")  # noqa: S608 - a constant
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT tableoid::regclass::text FROM poll_sample")
        assert cursor.fetchall() == [("poll_sample_p2031_07",)]
    assert update_partitions(NOW) == "nothing to create"


@pytest.mark.postgres
def test_retention_drops_whole_old_months(point, settings, partitioned):
    settings.HISTORY_RETENTION_DAYS = {"raw": 90}
    update_partitions(datetime(2031, 1, 1, tzinfo=UTC))  # January to March
    update_partitions(NOW)  # June to August
    write_samples(
        [SampleRow(point.pk, to_micros(datetime(2031, m, 2, tzinfo=UTC)), 1.0, 0) for m in (1, 3)]
        + [SampleRow(point.pk, to_micros(datetime(2020, 1, 1, tzinfo=UTC)), 1.0, 0)]  # default
    )
    detail = apply_retention(NOW)  # keeps from 2031-03-17: January and February go
    names = set(month_partitions(connection.cursor()).values())
    assert "poll_sample_p2031_01" not in names and "poll_sample_p2031_02" not in names
    assert "poll_sample_p2031_03" in names and "poll_sample_p2031_06" in names
    assert "poll_sample_p2031_01" in detail
    assert [time.month for time, _ in stored(point)] == [3]  # March stays: its month is not over


def test_retention_deletes_in_chunks_and_rollups_stay(point, settings, monkeypatch):
    settings.HISTORY_RETENTION_DAYS = {"raw": 90, "1min": 365}
    monkeypatch.setattr(retention, "CHUNK", 3)
    old = [at(200) + timedelta(minutes=m) for m in range(10)]
    write_samples([SampleRow(point.pk, to_micros(time), float(n), 0) for n, time in enumerate(old)])
    write_samples([SampleRow(point.pk, to_micros(at(1)), 5.0, 0)])
    update_rollups(NOW)
    old_minutes = Rollup.objects.filter(point=point, resolution="1min", start__lt=at(90)).count()
    assert old_minutes == 10
    Rollup.objects.create(
        point=point, resolution="1min", start=at(400), count=1, good=1.0, covered=60.0
    )
    run = run_job(RETENTION_JOB, NOW)
    assert run is not None and run.ok
    assert stored(point) == [(at(1), 5.0)]
    assert "deleted 1 1min rollups" in run.detail  # older than a year
    assert Rollup.objects.filter(point=point, resolution="1min", start__lt=at(90)).count() == 10
    day = Rollup.objects.get(point=point, resolution="1d", start=at(200).replace(hour=0))
    # A late sample of the forgotten range leaves the rollups as they are.
    write_samples([SampleRow(point.pk, to_micros(at(200) + timedelta(seconds=30)), -50.0, 0)])
    update_rollups(NOW)
    assert Rollup.objects.get(pk=day.pk).min == day.min == 0.0
    assert Rollup.objects.filter(point=point, resolution="1min", start__lt=at(90)).count() == 10


def test_rollups_kept_up_run_by_run_equal_those_of_all_the_samples(point, settings):
    """The job reads only a quarter hour of raw samples around what is new and makes the
    hours and days of the stored quarter hours: after runs that each add a few samples,
    late ones included, every bucket is what all the samples give at once."""
    settings.TIME_ZONE = "Europe/Madrid"
    start = datetime(2031, 3, 29, 20, 50, tzinfo=UTC)  # a day after the spring change
    minutes = [0, 7, 9, 14, 15, 31, 70, 180, 181, 700, 1500, 1501, 2900]
    values: list[tuple[int, float | None, int]] = [
        (m, None if m == 180 else float(m % 17), 1 if m == 31 else 0) for m in minutes
    ]
    for run in ([0, 1, 2], [3, 4, 5, 6], [9, 10], [7, 8], [11, 12]):  # [7, 8] comes late
        write_samples(
            [
                SampleRow(point.pk, to_micros(start + timedelta(minutes=m)), v, q)
                for m, v, q in (values[i] for i in run)
            ]
        )
        update_rollups(NOW)
    samples = [(start + timedelta(minutes=m), v, q) for m, v, q in values]
    zone = ZoneInfo("Europe/Madrid")
    for resolution in RESOLUTIONS:
        stored_buckets = [
            Bucket(**row)
            for row in Rollup.objects.filter(point=point, resolution=resolution)
            .order_by("start")
            .values(*BUCKET_FIELDS)
        ]
        expected = rollup(samples, resolution, zone)
        assert [b.start for b in stored_buckets] == [b.start for b in expected], resolution
        for got, want in zip(stored_buckets, expected, strict=True):
            assert (got.min, got.max, got.first, got.last, got.count) == (
                want.min,
                want.max,
                want.first,
                want.last,
                want.count,
            )
            assert got.last_good == want.last_good
            assert got.good == pytest.approx(want.good)
            assert got.avg == pytest.approx(want.avg)
