"""Scheduled jobs: a registry apps fill at start-up, and the runner behind ``manage.py jobs``.

An app registers a :class:`Job` in its ``AppConfig.ready()`` (the historian's rollups here;
alarm notifications, reports and mails later), like the poller's batch processors. A job
must be idempotent: it is run when due, i.e. ``every`` after the start of its last
successful run (so after downtime it runs once and catches up on its own, reading from where
it got to), and it may be run again after a failure.

Each run is recorded in :class:`~history.models.JobRun`. A job never runs twice at once,
even with two ``jobs`` processes: a run first takes the job's lease
(:class:`~history.models.JobLock`) with one conditional UPDATE, and gives it back after.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from history.models import JobLock, JobRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    run: Callable[[datetime], str]
    """Does the work as of ``now``; returns a line for the run's record."""
    lease: timedelta = timedelta(minutes=30)
    """How long a run may take before another process may assume its holder died."""
    atomic: bool = True
    """Run in one transaction; False for a job that commits its own steps (a delete in
    chunks that must not hold one long transaction)."""


_jobs: dict[str, Job] = {}


def register_job(job: Job) -> None:
    """Have ``manage.py jobs`` run ``job`` (registering a name again replaces it)."""
    _jobs[job.name] = job


def unregister_job(name: str) -> None:
    _jobs.pop(name, None)


def registered_jobs() -> tuple[Job, ...]:
    return tuple(_jobs.values())


HOLDER = f"{socket.gethostname()}:{os.getpid()}"


def take_lease(job: Job, now: datetime, holder: str = HOLDER) -> bool:
    """Take ``job``'s lease if nobody holds it; False when another run holds it."""
    JobLock.objects.get_or_create(
        name=job.name, defaults={"until": now - timedelta(seconds=1), "holder": ""}
    )
    taken = JobLock.objects.filter(name=job.name, until__lt=now).update(
        holder=holder, until=now + job.lease
    )
    return taken == 1


def give_back_lease(job: Job, holder: str = HOLDER) -> None:
    JobLock.objects.filter(name=job.name, holder=holder).update(
        holder="", until=timezone.now() - timedelta(seconds=1)
    )


def is_due(job: Job, now: datetime) -> bool:
    last = JobRun.objects.filter(name=job.name, ok=True).order_by("-started_at").first()
    return last is None or last.started_at + job.every <= now


def run_job(job: Job, now: datetime | None = None) -> JobRun | None:
    """Run ``job`` once under its lease and record the run; None if another holds it."""
    now = now or timezone.now()
    if not take_lease(job, now):
        return None
    run = JobRun.objects.create(name=job.name, started_at=now)
    try:
        if job.atomic:
            with transaction.atomic():
                run.detail = job.run(now)
        else:
            run.detail = job.run(now)
        run.ok = True
    except Exception as error:
        log.exception("job %s failed", job.name)
        run.detail = f"{type(error).__name__}: {error}"
    finally:
        run.finished_at = timezone.now()
        run.save()
        give_back_lease(job)
    return run


def run_due_jobs(now: datetime | None = None) -> list[JobRun]:
    """Run every registered job that is due; the runs made."""
    now = now or timezone.now()
    runs = []
    for job in registered_jobs():
        if is_due(job, now):
            run = run_job(job, now)
            if run is not None:
                runs.append(run)
    return runs
