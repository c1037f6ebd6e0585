"""Partition upkeep and retention: the two storage jobs of the historian.

``history.partitions`` creates the sample table's month partitions ahead (PostgreSQL; the
current month and :data:`MONTHS_AHEAD` more), so that the writer's rows land in their
month, never in the default partition.

``history.retention`` forgets what is older than each resolution keeps
(``settings.HISTORY_RETENTION_DAYS``: raw 90 days, 1 min a year, the others for ever by
default). On PostgreSQL raw samples go by dropping whole month partitions once the
month's end is past the limit (so up to a month more than the limit stays), never by a
DELETE over millions of rows; only what the default partition caught is deleted, in
chunks. On SQLite samples are deleted in chunks of :data:`CHUNK` rows, each in its own
transaction, so the poller's writer waits for one chunk at most. Rollups of a forgotten
raw range stay (the rollup job never recomputes a bucket older than what retention has
deleted, see :func:`raw_kept_since`); old 1-minute rollups are deleted in chunks too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from history.buckets import RESOLUTIONS
from history.jobs import Job
from history.models import Progress
from poll.models import Point
from poll.sample_partitions import DEFAULT, drop_months_before, ensure_months, months_between

MONTHS_AHEAD = 2
CHUNK = 10_000


def cutoff(resolution: str, now: datetime) -> datetime | None:
    """The oldest time ``resolution`` ("raw" or a rollup's) keeps; None: kept for ever."""
    days = settings.HISTORY_RETENTION_DAYS.get(resolution, 0)
    return now - timedelta(days=days) if days else None


RAW_FORGOTTEN = "history.raw_forgotten_before"
"""The :class:`~history.models.Progress` row that holds, in seconds since the epoch, the
time before which retention has deleted raw samples."""


def raw_kept_since() -> datetime | None:
    """Raw samples from here on are all there (None: none was ever deleted). Buckets that
    start before it must not be recomputed from what is left of their samples."""
    seconds = Progress.objects.filter(name=RAW_FORGOTTEN).values_list("last_id", flat=True)
    return datetime.fromtimestamp(seconds[0], UTC) if seconds else None


def _forgotten_before(when: datetime) -> None:
    progress, _ = Progress.objects.get_or_create(name=RAW_FORGOTTEN)
    progress.last_id = max(progress.last_id, int(when.timestamp()))
    progress.save()


def update_partitions(now: datetime) -> str:
    if connection.vendor != "postgresql":
        return "plain table (no partitions on this database)"
    with connection.cursor() as cursor:
        created = ensure_months(
            cursor, months_between(now, now + timedelta(days=31 * MONTHS_AHEAD))
        )
    return f"created {', '.join(created)}" if created else "nothing to create"


def delete_in_chunks(table: str, column: str, before: datetime, extra: str = "") -> int:
    """Delete the rows of ``table`` with ``column`` before ``before`` (and the ``extra``
    condition, code only), point by point (each read through the table's (point, ...)
    index, never a scan of the whole table), :data:`CHUNK` rows a transaction; returns
    how many."""
    sql = (
        f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table}"  # noqa: S608 - from code
        f" WHERE point_id = %s {extra} AND {column} < %s LIMIT {CHUNK})"
    )
    total = 0
    for point_id in Point.objects.order_by("id").values_list("id", flat=True).iterator():
        deleted = CHUNK
        while deleted == CHUNK:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [point_id, before])
                deleted = cursor.rowcount
            total += deleted
    return total


def apply_retention(now: datetime) -> str:
    done = []
    raw = cutoff("raw", now)
    if raw is not None:
        _forgotten_before(raw)  # first: a rollup run meanwhile leaves those buckets be
        if connection.vendor == "postgresql":
            with transaction.atomic(), connection.cursor() as cursor:
                dropped = drop_months_before(cursor, raw)
            done.append(f"dropped partitions {', '.join(dropped) or '(none)'}")
            deleted = delete_in_chunks(DEFAULT, "time", raw)
        else:
            deleted = delete_in_chunks("poll_sample", "time", raw)
        done.append(f"deleted {deleted} raw samples")
    for resolution in RESOLUTIONS:
        before = cutoff(resolution, now)
        if before is not None:
            count = delete_in_chunks(
                "history_rollup", "start", before, f"AND resolution = '{resolution}'"
            )
            done.append(f"deleted {count} {resolution} rollups")
    return "; ".join(done) or "everything is kept"


PARTITION_JOB = Job(name="history.partitions", every=timedelta(hours=6), run=update_partitions)
RETENTION_JOB = Job(
    name="history.retention", every=timedelta(hours=1), run=apply_retention, atomic=False
)
