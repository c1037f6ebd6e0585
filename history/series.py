"""History series for charts: at most N buckets per pen, from raw samples or a rollup.

The coarsest rollup whose buckets still fit at least once in a chart bucket is read (raw
samples below one minute per chart bucket), and its rows are folded into the chart buckets
keeping each bucket's minimum and maximum, so a one-second spike in a year of data still
shows (min-max downsampling, as Grafana and Ignition do; LTTB would drop it). Only buckets
with samples are given; one with no good value (bad quality, a "no data" mark) has nulls.

Gaps: a chart draws a line between consecutive values, so an outage must put a null between
the last good value before it and the first after, whichever buckets they fall in. A bucket
that holds good values and also some time without one (a no-data mark, bad quality: for a
rollup, a last sample without a value or a share of its covered time not good) is therefore
followed by an extra null row, half a bucket after it. An outage that spans empty buckets
starts with a mark in the bucket before them, so it is followed by a null too. The series
still has at most ``max_points`` rows, nulls included: when the buckets and their gaps'
nulls would be more, the range is folded again into as many fewer buckets.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection

from history.buckets import RESOLUTIONS

LONGEST = {
    name: seconds * (25 / 24 if name == "1d" else 1) for name, seconds in RESOLUTIONS.items()
}
"""The longest a bucket of each resolution can be (a day with a DST change has 25 hours)."""


def choose_resolution(start: datetime, end: datetime, max_points: int) -> str:
    """The coarsest resolution with buckets no longer than a chart bucket, else "raw"."""
    width = (end - start).total_seconds() / max_points
    fitting = [name for name, seconds in LONGEST.items() if seconds <= width]
    return fitting[-1] if fitting else "raw"


@dataclass
class Series:
    t: list[datetime] = field(default_factory=list)
    avg: list[float | None] = field(default_factory=list)
    min: list[float | None] = field(default_factory=list)
    max: list[float | None] = field(default_factory=list)

    def add(
        self, time: datetime, low: float | None, high: float | None, average: float | None
    ) -> None:
        self.t.append(time)
        self.min.append(low)
        self.max.append(high)
        self.avg.append(average)


EPOCH = {
    "postgresql": "date_part('epoch', {time})",
    "sqlite": "(CAST(strftime('%%s', substr({time}, 1, 19)) AS INTEGER)"
    " + CAST(substr({time}, 20) AS REAL))",
}
"""A time column as seconds since the epoch (a float), per database. SQLite keeps times as
text, 'YYYY-MM-DD HH:MM:SS[.ffffff]': whole seconds and the fraction are read apart, exact
to the microsecond (``julianday`` is not). Floats, not ``datetime``: Django's time zone
aware loader costs ~20 us a row, several times the rest of a row's work."""

BUCKET = {
    "postgresql": "floor(({epoch} - %s) / %s)",
    "sqlite": "CAST(({epoch} - %s) / %s AS INTEGER)",
}
"""The chart bucket of a row, counted from the range's start (times are on or after it, so
SQLite's truncation is the floor)."""


def _epoch(column: str) -> str:
    return EPOCH[connection.vendor].format(time=column)


def _bucket(column: str) -> str:
    return BUCKET[connection.vendor].format(epoch=_epoch(column))


FOLD = """
    SELECT bucket, min(CASE WHEN ok THEN low END), max(CASE WHEN ok THEN high END),
        sum(CASE WHEN ok THEN average * weight END) / sum(CASE WHEN ok THEN weight END),
        max(CASE WHEN gap THEN 1 ELSE 0 END)
    FROM ({rows}) AS row_of_range
    GROUP BY bucket
    ORDER BY bucket"""
"""Rows folded into chart buckets: min, max and the weighted average of the good ones
(none good: nulls, a gap), and whether any row has time without a good value (1: a null
follows the bucket). A year at 1 h (8,760 rows) comes back as 1,000 rows, and the
database's aggregates do in a few milliseconds what a Python loop does in tens."""

ROLLUP_ROWS = """
    SELECT {bucket} AS bucket, min AS low, max AS high, avg AS average,
        good * covered AS weight,
        (avg IS NOT NULL AND min IS NOT NULL AND max IS NOT NULL AND good * covered > 0) AS ok,
        ("last" IS NULL OR covered - good * covered > %s) AS gap
    FROM history_rollup
    WHERE point_id = %s AND resolution = %s AND start >= %s AND start < %s"""
"""A rollup row has a gap when its last sample is a "no data" mark (the outage goes on into
the next bucket, however little of this one it covers) or when more than
:data:`NOT_GOOD_SLACK` seconds of its covered time had no good value."""
NOT_GOOD_SLACK = 0.001
"""Seconds of a rollup bucket without good value taken as float rounding, not a gap: the
good share is a sum of float durations over up to a day's samples, off by far less."""

RAW_ROWS = """
    SELECT {bucket} AS bucket, value AS low, value AS high, value AS average, 1.0 AS weight,
        (value IS NOT NULL AND q = 0) AS ok, (value IS NULL OR q <> 0) AS gap
    FROM poll_sample
    WHERE point_id = %s AND time >= %s AND time < %s"""


def read_series(
    point_id: int, start: datetime, end: datetime, max_points: int, resolution: str
) -> Series:
    """The chart series of one point from ``start`` to ``end`` at ``resolution``: one
    query on the (point, resolution, start) or (point, time) index, folded by the
    database into at most ``max_points`` rows, gaps' nulls included (folded again into
    fewer buckets in the rare case they would be more)."""
    buckets = max_points
    while True:
        series = _fold(point_id, start, end, buckets, resolution, gaps=max_points > 1)
        over = len(series.t) - max_points
        if over <= 0:
            return series
        buckets = max(1, buckets - over)


def _fold(
    point_id: int, start: datetime, end: datetime, buckets: int, resolution: str, gaps: bool
) -> Series:
    """The range folded into ``buckets`` chart buckets, with a null after each bucket
    holding a gap when ``gaps``."""
    adapt = connection.ops.adapt_datetimefield_value
    width = (end - start).total_seconds() / buckets
    bucket = [start.timestamp(), width]
    if resolution == "raw":
        rows = RAW_ROWS.format(bucket=_bucket("time"))
        params = [*bucket, point_id, adapt(start), adapt(end)]
    else:
        rows = ROLLUP_ROWS.format(bucket=_bucket("start"))
        params = [*bucket, NOT_GOOD_SLACK, point_id, resolution, adapt(start), adapt(end)]
    series = Series()
    with connection.cursor() as cursor:
        cursor.execute(FOLD.format(rows=rows), params)
        for number, low, high, average, gap in cursor.fetchall():
            time = start + timedelta(seconds=int(number) * width)
            series.add(time, low, high, average)
            if gaps and gap and average is not None:
                series.add(time + timedelta(seconds=width / 2), None, None, None)
    return series


EXPORT_ROWS = """
    SELECT {epoch}, value, q FROM poll_sample
    WHERE point_id = %s AND time >= %s AND time < %s
    ORDER BY time"""
EXPORT_CHUNK = 5000


def raw_rows(
    point_id: int, start: datetime, end: datetime
) -> Iterator[tuple[float, float | None, int]]:
    """Every raw sample of a point in the range as (seconds since the epoch, value, q), for
    the CSV export: read :data:`EXPORT_CHUNK` rows at a time through a server-side cursor
    on PostgreSQL (``chunked_cursor``), so memory stays flat whatever the range."""
    adapt = connection.ops.adapt_datetimefield_value
    with connection.chunked_cursor() as cursor:
        cursor.execute(
            EXPORT_ROWS.format(epoch=_epoch("time")), [point_id, adapt(start), adapt(end)]
        )
        while rows := cursor.fetchmany(EXPORT_CHUNK):
            yield from rows
