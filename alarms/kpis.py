"""Alarm-system KPIs (ISA-18.2 / EEMUA 191) over a period, computed in SQL.

The database aggregates: activations per 10-minute bucket, per alarm, per priority, the
chattering windows and the times to acknowledge all come back as a few rows, never one row
per transition. The activation and chattering counts are summed from the counts the database
keeps as the journal is written (per bucket and priority, per day and alarm: migration
0005), with the journal read only for the partial buckets and days at the period's edges:
a month is a few thousand rows, not every activation. Python then only walks the
per-bucket counts to find flood episodes (a flood starts in a bucket above 10 activations
and lasts until a bucket below 5).

An activation is a transition into ``unack`` by the process (``activate``): what an operator
is called for. Buckets are 10-minute windows aligned on the epoch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import OuterRef, Subquery

from alarms.counts import BUCKET_S, CHATTER_COUNT, CHATTER_WINDOW_S, DAY_S
from alarms.models import ActivationCount, Alarm, AlarmDayCount, AlarmTransition
from alarms.states import State
from poll.acquisition.batch import EPOCH

FLOOD_START = 10  # more than this many in a bucket starts a flood...
FLOOD_END = 5  # ...and a bucket with fewer than this ends it
STANDING = timedelta(hours=24)
# EEMUA 191's guideline for the share of each priority (urgent counts with high).
GUIDELINE = {"low": 0.80, "medium": 0.15, "high": 0.05}


def _epoch(column: str) -> str:
    """SQL for a datetime column as seconds since the epoch, on this database."""
    if connection.vendor == "postgresql":  # a double (EXTRACT gives a slower numeric)
        return f"date_part('epoch', {column})"
    # julianday() is a double of days: round to the millisecond it can still tell apart.
    return f"ROUND((julianday({column}) - 2440587.5) * 86400.0, 3)"


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


_TABLE = AlarmTransition._meta.db_table
_COUNTS = ActivationCount._meta.db_table
_DAYS = AlarmDayCount._meta.db_table


KPI_WORK_MEM = "64MB"
"""Memory PostgreSQL may use per sort or hash while computing the KPIs (the default 4 MB
sends the sorts of a month of activations to disk)."""


def compute(period: Period) -> dict[str, Any]:
    """Every KPI of ``period`` as JSON-ready data, read in one transaction."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('work_mem', %s, true)", [KPI_WORK_MEM])
        return _compute(period)


def _compute(period: Period) -> dict[str, Any]:
    buckets, by_priority = _activation_counts(period)
    by_alarm = _alarm_counts(period)
    total = sum(count for _, count in buckets)
    bucket_count = max(1, int(-(-period.seconds // BUCKET_S)))
    floods = _floods(buckets)
    flood_buckets = sum(episode["buckets"] for episode in floods)
    return {
        "start": period.start,
        "end": period.end,
        "activations": total,
        "average_per_10_min": total / bucket_count,
        "peak_10_min": max((count for _, count in buckets), default=0),
        "flood_episodes": floods,
        "time_in_flood": min(1.0, flood_buckets / bucket_count),
        "top_ten": _top_ten(by_alarm, total),
        "chattering": _chattering(by_alarm),
        "standing": _standing(period.end),
        "shelved": _listed(State.SHELVED),
        "out_of_service": _listed(State.OUT_OF_SERVICE),
        "priority_distribution": _priorities(by_priority, total),
        "time_to_acknowledge": _time_to_acknowledge(period),
    }


def _floods(buckets: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Flood episodes from the non-empty buckets' counts (missing buckets count 0)."""
    episodes: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    previous: int | None = None
    for bucket, count in buckets:
        if current is not None and previous is not None and bucket > previous + 1:
            current = None  # an empty bucket between: below 5, the flood ended
        if current is None and count > FLOOD_START:
            current = {"start": _at(bucket), "buckets": 0, "activations": 0}
            episodes.append(current)
        if current is not None:
            if count < FLOOD_END:
                current = None
            else:
                current["buckets"] += 1
                current["activations"] += count
                current["end"] = _at(bucket + 1)
        previous = bucket
    return episodes


def _at(bucket: int) -> datetime:
    return EPOCH + timedelta(seconds=int(bucket) * BUCKET_S)


_BUCKET = f"CAST(FLOOR({{epoch}} / {BUCKET_S}) AS BIGINT)"


def _whole(period: Period, seconds: int) -> tuple[int, int, list[tuple[datetime, datetime]]]:
    """The windows of ``seconds`` (buckets or days) that ``period`` covers whole, as
    ``first, last`` (last excluded), and the partial stretches at its edges that only the
    journal can count (at most one window each)."""
    first = math.ceil((period.start - EPOCH).total_seconds() / seconds)
    last = math.floor((period.end - EPOCH).total_seconds() / seconds)
    if first >= last:  # no whole window: all from the journal
        return 0, 0, [(period.start, period.end)]
    at = [EPOCH + timedelta(seconds=window * seconds) for window in (first, last)]
    return first, last, [(period.start, at[0]), (at[1], period.end)]


def _activation_counts(
    period: Period,
) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    """Activations per bucket (in bucket order) and per priority: the stored counts of
    the buckets the period covers whole, and the journal's activations in the partial
    buckets at its edges."""
    adapt = connection.ops.adapt_datetimefield_value
    first, last, edges = _whole(period, BUCKET_S)
    bucket = _BUCKET.format(epoch=_epoch("time"))
    ranges = " OR ".join(["(time >= %s AND time < %s)"] * len(edges))
    counted = (
        f"SELECT bucket AS b, priority, activations AS n FROM {_COUNTS} "
        "WHERE bucket >= %s AND bucket < %s UNION ALL "
        f"SELECT {bucket} AS b, priority, 1 AS n FROM {_TABLE} "
        f"WHERE event = 'activate' AND to_state = 'unack' AND ({ranges})"
    )
    params = [first, last, *(adapt(when) for edge in edges for when in edge)]
    rows = _rows(f"SELECT b, priority, SUM(n) FROM ({counted}) a GROUP BY b, priority", params)
    by_bucket: dict[int, int] = {}
    by_priority: dict[str, int] = {}
    for b, priority, n in rows:
        by_bucket[b] = by_bucket.get(b, 0) + int(n)
        by_priority[priority] = by_priority.get(priority, 0) + int(n)
    return sorted(by_bucket.items()), by_priority


def _alarm_counts(period: Period) -> dict[int, tuple[int, int]]:
    """Each alarm's activations and chattering windows (an activation whose second
    predecessor is at most 60 s before it): the stored counts of the days the period
    covers whole, and the journal's activations on the partial days at its edges, whose
    predecessors are looked for back to 60 s before the edge (not before the period)."""
    adapt = connection.ops.adapt_datetimefield_value
    first, last, edges = _whole(period, DAY_S)
    lag = f"LAG(time, {CHATTER_COUNT - 1}) OVER (PARTITION BY alarm_id ORDER BY time, id)"
    close = f"{_epoch('time')} - {_epoch('earlier')} <= {CHATTER_WINDOW_S}"
    journal = (
        "SELECT alarm_id, CASE WHEN time >= %s THEN 1 ELSE 0 END AS n, "
        f"CASE WHEN time >= %s AND earlier IS NOT NULL AND {close} THEN 1 ELSE 0 END AS c "
        f"FROM (SELECT alarm_id, time, {lag} AS earlier FROM {_TABLE} "
        "WHERE event = 'activate' AND to_state = 'unack' AND time >= %s AND time < %s) w"
    )
    parts = [f"SELECT alarm_id, activations AS n, chattering AS c FROM {_DAYS} "
             "WHERE day >= %s AND day < %s"]  # fmt: skip
    params: list[Any] = [first, last]
    for start, end in edges:
        if start >= end:
            continue
        since = max(period.start, start - timedelta(seconds=CHATTER_WINDOW_S))
        parts.append(journal)
        params += [adapt(start), adapt(start), adapt(since), adapt(end)]
    rows = _rows(
        f"SELECT alarm_id, SUM(n), SUM(c) FROM ({' UNION ALL '.join(parts)}) a "
        "GROUP BY alarm_id HAVING SUM(n) > 0",
        params,
    )
    return {alarm: (int(n), int(c)) for alarm, n, c in rows}


def _tags(alarms: list[int]) -> dict[int, str]:
    return dict(Alarm.objects.filter(pk__in=alarms).values_list("pk", "definition__tag"))


def _top_ten(by_alarm: dict[int, tuple[int, int]], total: int) -> list[dict[str, Any]]:
    top = sorted(((alarm, n) for alarm, (n, _) in by_alarm.items()), key=lambda i: (-i[1], i[0]))
    tags = _tags([alarm for alarm, _ in top[:10]])
    return [
        {
            "alarm": alarm,
            "tag": tags.get(alarm, ""),
            "activations": n,
            "share": n / total if total else 0.0,
        }
        for alarm, n in top[:10]
    ]


def _chattering(by_alarm: dict[int, tuple[int, int]]) -> list[dict[str, Any]]:
    """Alarms activated 3 or more times within 60 s, by their count of such windows."""
    windows = sorted(
        ((alarm, c) for alarm, (_, c) in by_alarm.items() if c), key=lambda i: (-i[1], i[0])
    )
    tags = _tags([alarm for alarm, _ in windows])
    return [{"alarm": alarm, "tag": tags.get(alarm, ""), "windows": c} for alarm, c in windows]


def _standing(end: datetime) -> list[dict[str, Any]]:
    """Alarms still active whose last activation is more than 24 h before ``end`` (the
    latest activation of each active alarm, read from the activations' index)."""
    latest = AlarmTransition.objects.filter(alarm=OuterRef("pk"), event="activate").order_by(
        "-time"
    )
    alarms = (
        Alarm.objects.filter(active=True)
        .annotate(since=Subquery(latest.values("time")[:1]))
        .filter(since__lte=end - STANDING)
        .select_related("definition")
        .order_by("since")
    )
    return [{"alarm": a.pk, "tag": a.definition.tag, "since": a.since} for a in alarms]


def _listed(state: State) -> list[dict[str, Any]]:
    alarms = Alarm.objects.filter(state=state).select_related("definition").order_by("id")
    return [
        {
            "alarm": a.pk,
            "tag": a.definition.tag,
            "since": a.state_since,
            "until": a.shelved_until,
            "reason": a.reason,
        }
        for a in alarms
    ]


def _priorities(counts: dict[str, int], total: int) -> dict[str, Any]:
    shares = {
        p: (counts.get(p, 0) / total if total else 0.0) for p in ("urgent", "high", "medium", "low")
    }
    return {
        "counts": {p: counts.get(p, 0) for p in shares},
        "shares": shares,
        "guideline": GUIDELINE,
    }


def _time_to_acknowledge(period: Period) -> dict[str, float | None]:
    """Median and p90 seconds from an activation to its acknowledgement (acknowledgements
    in the period, each paired with the latest activation of its alarm before it: the
    delay the database stored with the acknowledgement, migration 0004)."""
    adapt = connection.ops.adapt_datetimefield_value
    params = [adapt(period.start), adapt(period.end)]
    delays = (
        f"SELECT seconds_to_ack AS d FROM {_TABLE} WHERE event = 'acknowledge' "
        "AND time >= %s AND time < %s AND seconds_to_ack IS NOT NULL"
    )
    if connection.vendor == "postgresql":  # nearest rank is percentile_disc
        median, p90, count = _rows(
            "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY d), "
            f"percentile_disc(0.9) WITHIN GROUP (ORDER BY d), COUNT(*) FROM ({delays}) c",
            params,
        )[0]
        if not count:
            return {"median_s": None, "p90_s": None, "count": 0}
        return {"median_s": float(median), "p90_s": float(p90), "count": count}
    count = _rows(f"SELECT COUNT(*) FROM ({delays}) c", params)[0][0]
    if not count:
        return {"median_s": None, "p90_s": None, "count": 0}

    def nth(fraction: float) -> float:
        offset = max(0, math.ceil(fraction * count) - 1)  # the nearest-rank percentile
        sql = f"SELECT d FROM ({delays}) c ORDER BY d LIMIT 1 OFFSET {offset}"
        return float(_rows(sql, params)[0][0])

    return {"median_s": nth(0.5), "p90_s": nth(0.9), "count": count}
