"""Rollups: each point's samples summed up per 1 min, 15 min, 1 h and 1 day bucket.

:func:`rollup` is the computation (plain Python, see :class:`~history.models.Rollup` for
what each figure means); :data:`ROLLUP_JOB` keeps the table up to date. It reads the samples
added since its last run (by id, so a late sample, e.g. a spool replayed after a database
outage, counts as new whatever its time) and recomputes, for each point concerned, every
bucket between the earliest and the latest of them: the 1 min and 15 min buckets from the
raw samples, the hour and day buckets from the 15 min buckets they are made of
(:func:`combine`), so that a run reads at most a quarter hour of raw samples around what is
new, not the whole day of every point that changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
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
    last_good: bool | None
    """Whether the last sample is good (its value holds on into the next bucket's gap);
    None for rows stored before it was kept."""


BUCKET_FIELDS = tuple(field.name for field in fields(Bucket))


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
        last_good=is_good(samples[-1][1], samples[-1][2]),
    )


FINE = "15min"
"""The resolution the coarser buckets are made of: every zone's midnight is on a quarter hour
(offsets are whole quarter hours), so a day, like an hour, is whole 15 min buckets."""
FROM_RAW = ("1min", FINE)
COMBINED = ("1h", "1d")


def combine(parts: Sequence[Bucket], start: datetime, end: datetime) -> Bucket:
    """The bucket from ``start`` to ``end`` made of its ``FINE`` buckets (in time order):
    the figures :func:`rollup` gives for their samples.

    In a part a sample's value holds until the part's end; in the whole bucket it holds
    until the next sample, perhaps in a later part, or the bucket's end. So the time from a
    part's end to the next part's first sample (and from the last part's end to ``end``)
    counts with the earlier part's last value, when that value is good.
    """
    weighted = good_time = 0.0
    for number, part in enumerate(parts):
        part_time = part.good * part.covered
        good_time += part_time
        if part.avg is not None:
            weighted += part.avg * part_time
        part_end = bucket_end(FINE, part.start)
        held_until = _first_time(parts[number + 1]) if number + 1 < len(parts) else end
        if part.last_good and part.last is not None:
            seconds = (held_until - part_end).total_seconds()
            weighted += part.last * seconds
            good_time += seconds
    covered = (end - _first_time(parts[0])).total_seconds()
    lows = [part.min for part in parts if part.min is not None]
    highs = [part.max for part in parts if part.max is not None]
    return Bucket(
        start=start,
        min=min(lows) if lows else None,
        max=max(highs) if highs else None,
        avg=weighted / good_time if good_time > 0 else None,
        first=parts[0].first,
        last=parts[-1].last,
        count=sum(part.count for part in parts),
        good=min(good_time / covered, 1.0) if covered > 0 else 0.0,
        covered=covered,
        last_good=parts[-1].last_good,
    )


def _first_time(part: Bucket) -> datetime:
    return bucket_end(FINE, part.start) - timedelta(seconds=part.covered)


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
    samples = _samples(
        point_id,
        min(spans[resolution][0] for resolution in FROM_RAW),
        max(spans[resolution][1] for resolution in FROM_RAW),
    )
    written = 0
    for resolution in FROM_RAW:
        first, end = spans[resolution]
        inside = [sample for sample in samples if first <= sample[0] < end]
        written += _replace(point_id, resolution, first, end, rollup(inside, resolution, zone))
    for resolution in COMBINED:
        first, end = spans[resolution]
        buckets = _combined(point_id, resolution, first, end, zone)
        written += _replace(point_id, resolution, first, end, buckets)
    return written


def _samples(point_id: int, start: datetime, end: datetime) -> list[RawSample]:
    return list(
        Sample.objects.filter(point_id=point_id, time__gte=start, time__lt=end)
        .order_by("time")
        .values_list("time", "value", "q")
    )


def _combined(
    point_id: int, resolution: str, first: datetime, end: datetime, zone: tzinfo
) -> list[Bucket]:
    """The ``resolution`` buckets from ``first`` to ``end``, made of the stored ``FINE``
    ones; from the raw samples where a part was stored before ``last_good`` was kept, or
    where a bucket does not start on a quarter hour (a zone's offset in times past)."""
    groups: dict[datetime, list[Bucket]] = {}
    for row in (
        Rollup.objects.filter(point_id=point_id, resolution=FINE, start__gte=first, start__lt=end)
        .order_by("start")
        .values(*BUCKET_FIELDS)
    ):
        part = Bucket(**row)
        groups.setdefault(bucket_start(resolution, part.start, zone), []).append(part)
    buckets = []
    for start, parts in groups.items():
        stop = bucket_end(resolution, start, zone)
        whole = all(int(edge.timestamp()) % RESOLUTIONS[FINE] == 0 for edge in (start, stop))
        if whole and all(part.last_good is not None for part in parts):
            buckets.append(combine(parts, start, stop))
        else:
            buckets += rollup(_samples(point_id, start, stop), resolution, zone)
    return buckets


def _replace(
    point_id: int, resolution: str, first: datetime, end: datetime, buckets: list[Bucket]
) -> int:
    """Store ``buckets`` as the point's only ``resolution`` buckets from ``first`` to ``end``."""
    Rollup.objects.filter(
        point_id=point_id, resolution=resolution, start__gte=first, start__lt=end
    ).delete()
    Rollup.objects.bulk_create(
        [Rollup(point_id=point_id, resolution=resolution, **bucket.__dict__) for bucket in buckets],
        batch_size=2000,
    )
    return len(buckets)


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
