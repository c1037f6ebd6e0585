"""The scheduled jobs process: runs recorded, due times, leases, the rollup job's catch-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from history.jobs import Job, is_due, register_job, run_job, take_lease, unregister_job
from history.models import JobRun, Rollup
from history.rollups import ROLLUP_JOB, update_rollups
from poll.models import Sample

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_runs_are_recorded_and_fall_due_again():
    calls = []
    job = Job("test.count", timedelta(minutes=5), lambda now: calls.append(now) or "counted")
    assert is_due(job, NOW)
    run = run_job(job, NOW)
    assert run is not None and run.ok and run.detail == "counted"
    assert not is_due(job, NOW + timedelta(minutes=4))
    assert is_due(job, NOW + timedelta(minutes=5))
    assert calls == [NOW]


def test_a_failing_run_is_recorded_and_stays_due():
    def fail(now: datetime) -> str:
        raise RuntimeError("disk full")

    job = Job("test.fail", timedelta(minutes=5), fail)
    run = run_job(job, NOW)
    assert run is not None and not run.ok and "disk full" in run.detail
    assert is_due(job, NOW + timedelta(seconds=1))


def test_a_held_lease_keeps_a_second_run_out_until_it_runs_out():
    job = Job("test.lease", timedelta(minutes=5), lambda now: "ran", lease=timedelta(minutes=10))
    assert take_lease(job, NOW, holder="other-process")
    assert run_job(job, NOW + timedelta(minutes=1)) is None
    assert not JobRun.objects.filter(name="test.lease").exists()
    run = run_job(job, NOW + timedelta(minutes=11))  # the holder died: its lease ran out
    assert run is not None and run.ok


def test_the_command_runs_registered_jobs(capsys):
    register_job(Job("test.command", timedelta(hours=1), lambda now: "hello"))
    try:
        call_command("jobs", "--once")
    finally:
        unregister_job("test.command")
    assert "test.command: ok hello" in capsys.readouterr().out
    assert JobRun.objects.filter(name=ROLLUP_JOB.name, ok=True).exists()


def test_the_rollup_job_catches_up_and_recomputes_buckets_with_late_data(point):
    start = datetime(2026, 6, 1, 10, tzinfo=UTC)
    Sample.objects.bulk_create(
        Sample(point=point, time=start + timedelta(minutes=m), value=float(m), q=0)
        for m in range(0, 120, 10)
    )
    update_rollups(NOW)
    hour = Rollup.objects.get(point=point, resolution="1h", start=start)
    assert (hour.min, hour.max, hour.count) == (0.0, 50.0, 6)
    assert update_rollups(NOW) == "nothing new"
    # A late sample (a spool replayed after an outage) lands in the first hour.
    Sample.objects.create(point=point, time=start + timedelta(minutes=5), value=-7.0, q=0)
    update_rollups(NOW)
    hour = Rollup.objects.get(point=point, resolution="1h", start=start)
    assert (hour.min, hour.max, hour.count) == (-7.0, 50.0, 7)
    assert Rollup.objects.filter(point=point, resolution="1h").count() == 2
