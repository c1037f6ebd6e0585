"""Rollups: each point's samples summed up per 1 min, 15 min, 1 h and 1 day bucket.

:func:`rollup` is the computation (plain Python, see :class:`~history.models.Rollup` for
what each figure means); :data:`ROLLUP_JOB` keeps the table up to date. It reads the samples
added since its last run (by id, so a late sample, e.g. a spool replayed after a database
outage, counts as new whatever its time) and recomputes, for each point concerned, every
bucket between the earliest and the latest of them, from the raw samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from django.db import transaction
from django.db.models import Max, Min

from history.buckets import RESOLUTIONS, bucket_end, bucket_start, site_zone
from history.jobs import Job
from history.models import Progress, Rollup
from history.retention import raw_kept_since
from poll.models import Sample

RawSample = tuple[datetime, float | None, int]
"""time, value (None: no data), q."""


@dataclass(frozen=True)
class Bucket:
    start: datetime
    min: float | None
    max: float | None
    avg: float | None
    first: float | None
    last: float | None
    count: int
    good: float
    covered: float


def is_good(value: float | None, q: int) -> bool:
    return value is not None and q == 0


def rollup(samples: Sequence[RawSample], resolution: str, zone: tzinfo) -> list[Bucket]:
    """The buckets of ``samples`` (in time order) at ``resolution``."""
    buckets: list[Bucket] = []
    index = 0
    while index < len(samples):
        start = bucket_start(resolution, samples[index][0], zone)
        end = bucket_end(resolution, start, zone)
        stop = index
        while stop < len(samples) and samples[stop][0] < end:
            stop += 1
        buckets.append(_bucket(samples[index:stop], start, end))
        index = stop
    return buckets


def _bucket(samples: Sequence[RawSample], start: datetime, end: datetime) -> Bucket:
    weighted = good_time = 0.0
    values: list[float] = []
    for number, (time, value, q) in enumerate(samples):
        until = samples[number + 1][0] if number + 1 < len(samples) else end
        if is_good(value, q):
            assert value is not None
            values.append(value)
            seconds = (until - time).total_seconds()
            weighted += value * seconds
            good_time += seconds
    covered = (end - samples[0][0]).total_seconds()
    return Bucket(
        start=start,
        min=min(values) if values else None,
        max=max(values) if values else None,
        avg=weighted / good_time if good_time > 0 else None,
        first=samples[0][1],
        last=samples[-1][1],
        count=len(samples),
        good=good_time / covered if covered > 0 else 0.0,
        covered=covered,
    )


def recompute(
    point_id: int,
    earliest: datetime,
    latest: datetime,
    zone: tzinfo,
    since: datetime | None = None,
) -> int:
    """Recompute every bucket of ``point_id`` that holds a time from ``earliest`` to
    ``latest``, except those that start before ``since`` (their raw samples may be gone:
    their rollups stay as they are); returns how many buckets were written."""
    spans = {}
    for resolution in RESOLUTIONS:
        first = bucket_start(resolution, earliest, zone)
        if since is not None and first < since:
            first = bucket_end(resolution, first, zone)
        spans[resolution] = (
            first,
            bucket_end(resolution, bucket_start(resolution, latest, zone), zone),
        )
    low = min(span[0] for span in spans.values())
    high = max(span[1] for span in spans.values())
    samples: list[RawSample] = list(
        Sample.objects.filter(point_id=point_id, time__gte=low, time__lt=high)
        .order_by("time")
        .values_list("time", "value", "q")
    )
    written = 0
    for resolution, (first, end) in spans.items():
        inside = [sample for sample in samples if first <= sample[0] < end]
        Rollup.objects.filter(
            point_id=point_id, resolution=resolution, start__gte=first, start__lt=end
        ).delete()
        rows = [
            Rollup(point_id=point_id, resolution=resolution, **bucket.__dict__)
            for bucket in rollup(inside, resolution, zone)
        ]
        Rollup.objects.bulk_create(rows, batch_size=2000)
        written += len(rows)
    return written


def update_rollups(now: datetime) -> str:
    """The rollup job: recompute the buckets that samples added since the last run touch."""
    progress, _ = Progress.objects.select_for_update().get_or_create(name="rollups")
    new = Sample.objects.filter(id__gt=progress.last_id)
    last_id = new.aggregate(last=Max("id"))["last"]
    if last_id is None:
        return "nothing new"
    touched = (
        new.filter(id__lte=last_id)
        .values("point_id")
        .annotate(earliest=Min("time"), latest=Max("time"))
        .order_by()
    )
    zone = site_zone()
    since = raw_kept_since()
    written = points = 0
    for row in touched:
        earliest, latest = row["earliest"], row["latest"]
        if since is not None:
            if latest < since:
                continue  # a late sample older than the raw data kept: rollups stay
            earliest = max(earliest, since)
        written += recompute(row["point_id"], earliest, latest, zone, since)
        points += 1
    progress.last_id = last_id
    progress.save()
    return f"{written} buckets of {points} points"


def mark_rolled_up_to(last_id: int, only_if_done_to: int) -> None:
    """Record that samples up to ``last_id`` are rolled up, when everything up to
    ``only_if_done_to`` already was (so that no waiting sample is skipped)."""
    with transaction.atomic():
        progress, _ = Progress.objects.select_for_update().get_or_create(name="rollups")
        if progress.last_id >= only_if_done_to:
            progress.last_id = max(progress.last_id, last_id)
            progress.save()


ROLLUP_JOB = Job(name="history.rollups", every=timedelta(minutes=1), run=update_rollups)
