"""Fixing quarter-hour readings from the samples the poller keeps of the meters' registers.

At each boundary, per register: a good sample within ``METERING_ON_TIME`` seconds of the
boundary is the reading (measured); otherwise, with good samples on both sides no more than
``METERING_MAX_GAP`` seconds apart, the value is interpolated linearly (estimated); otherwise
it is missing. Never a zero, never a guess across a silence. The reading's status is its
import register's.

A register that goes backwards, or forwards by more than ``METERING_MAX_DEMAND_W`` (100 kW)
could draw since the previous reading, was reset or swapped: the reading starts a new series
instead of counting a negative or impossible consumption.

The poller writes a counter's sample when it moves past its deadband and at least every 15
minutes (``POLL_SAMPLE_MAX_INTERVAL``), so a live meter always has reads around a boundary.
A boundary is fixed as soon as it passed and fixed again while later reads may still come in
(``METERING_MAX_GAP`` after it): every fix is an upsert on (meter, time), so runs are
idempotent and a job that was down catches up from where it got to. The very first run
starts at most ``METERING_FIRST_RUN_DAYS`` (2) days back.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, Q

from metering.models import MeterAssignment, Progress, Reading, Status
from metering.quarters import QUARTER, boundaries, floor_quarter
from metering.registers import REGISTERS, SCALE, register_points
from poll.models import Sample

CHUNK = 96  # boundaries per read of samples: one day
UPDATE_FIELDS = [
    "flat",
    "status",
    *REGISTERS,
    "new_series",
    "consumption_wh",
    "demand_w",
]


def on_time() -> float:
    return float(getattr(settings, "METERING_ON_TIME", 60))


def max_gap() -> float:
    return float(getattr(settings, "METERING_MAX_GAP", 1800))


def max_demand_w() -> float:
    return float(getattr(settings, "METERING_MAX_DEMAND_W", 100_000))


def first_run_days() -> float:
    return float(getattr(settings, "METERING_FIRST_RUN_DAYS", 2))


@dataclass
class Track:
    """One register's good samples, in time order (epoch seconds)."""

    times: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def at(self, when: float, tolerance: float, gap: float) -> tuple[str, float | None]:
        i = bisect_right(self.times, when)
        before = i - 1 if i > 0 else None
        after = i if i < len(self.times) else None
        near = [
            j for j in (before, after) if j is not None and abs(self.times[j] - when) <= tolerance
        ]
        if near:
            best = min(near, key=lambda j: abs(self.times[j] - when))
            return Status.MEASURED, self.values[best]
        if before is None or after is None or self.times[after] - self.times[before] > gap:
            return Status.MISSING, None
        v0, v1 = self.values[before], self.values[after]
        if v1 < v0:  # reset between the reads: the value at the boundary is unknown
            return Status.MISSING, None
        share = (when - self.times[before]) / (self.times[after] - self.times[before])
        return Status.ESTIMATED, v0 + (v1 - v0) * share


@dataclass
class Last:
    time: datetime
    flat_id: int
    import_wh: int


def _previous(meter_ids: list[int], before: datetime) -> dict[int, Last]:
    """Each meter's last reading with a value before ``before``.

    The database finds each meter's last time within two days (one grouped query that
    returns a row per meter); those readings are then read by their few distinct times
    (usually one: the previous boundary). A meter silent for longer is looked up alone.
    """
    found: dict[int, Last] = {}
    with_value = Reading.objects.filter(
        meter_id__in=meter_ids, time__lt=before, import_wh__isnull=False
    )
    last_times = dict(
        with_value.filter(time__gte=before - timedelta(days=2))
        .values("meter_id")
        .annotate(last=Max("time"))
        .values_list("meter_id", "last")
    )
    if last_times:
        rows = with_value.filter(time__in=set(last_times.values())).values_list(
            "meter_id", "time", "flat_id", "import_wh"
        )
        for meter_id, time, flat_id, wh in rows:
            if wh is not None and last_times.get(meter_id) == time:
                found[meter_id] = Last(time, flat_id, wh)
    for meter_id in meter_ids:
        if meter_id in found:
            continue
        row = (
            Reading.objects.filter(meter_id=meter_id, time__lt=before, import_wh__isnull=False)
            .order_by("-time")
            .values_list("time", "flat_id", "import_wh")
            .first()
        )
        if row is not None and row[2] is not None:
            found[meter_id] = Last(row[0], row[1], row[2])
    return found


def fix_range(after: datetime, until: datetime) -> int:
    """Fix every boundary in ``(after, until]``; answer how many readings were written."""
    todo = list(boundaries(after, until))
    if not todo:
        return 0
    assignments = list(
        MeterAssignment.objects.filter(start__lte=todo[-1]).filter(
            Q(end__isnull=True) | Q(end__gte=todo[0])
        )
    )
    if not assignments:
        return 0
    meter_ids = sorted({a.meter_id for a in assignments})
    points = register_points(meter_ids)
    last = _previous(meter_ids, todo[0])
    written = 0
    for index in range(0, len(todo), CHUNK):
        chunk = todo[index : index + CHUNK]
        tracks = _tracks(points, chunk[0], chunk[-1])
        kept = _with_values(meter_ids, chunk[0], chunk[-1])
        rows = [
            row
            for boundary in chunk
            for row in _fix_boundary(boundary, assignments, tracks, last, kept)
        ]
        Reading.objects.bulk_create(
            rows,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["meter", "time"],
            update_fields=UPDATE_FIELDS,
        )
        written += len(rows)
    return written


def _with_values(
    meter_ids: list[int], first: datetime, last: datetime
) -> dict[tuple[int, datetime], tuple[int, int]]:
    """The readings with a value already fixed in ``[first, last]``: (meter, time) -> (flat,
    import Wh)."""
    rows = Reading.objects.filter(
        meter_id__in=meter_ids, time__gte=first, time__lte=last, import_wh__isnull=False
    ).values_list("meter_id", "time", "flat_id", "import_wh")
    return {(m, t): (f, wh) for m, t, f, wh in rows if wh is not None}


def _tracks(
    points: dict[int, tuple[int, str]], first: datetime, last: datetime
) -> dict[tuple[int, str], Track]:
    span = timedelta(seconds=max(max_gap(), on_time()))
    samples = (
        Sample.objects.filter(
            point_id__in=list(points),
            time__gte=first - span,
            time__lte=last + span,
            q=0,
            value__isnull=False,
        )
        .order_by("time")
        .values_list("point_id", "time", "value")
    )
    tracks: dict[tuple[int, str], Track] = defaultdict(Track)
    for point_id, time, value in samples.iterator(chunk_size=50_000):
        if value is None:
            continue
        track = tracks[points[point_id]]
        track.times.append(time.timestamp())
        track.values.append(value)
    return tracks


def _fix_boundary(
    boundary: datetime,
    assignments: Iterable[MeterAssignment],
    tracks: dict[tuple[int, str], Track],
    last: dict[int, Last],
    kept: dict[tuple[int, datetime], tuple[int, int]],
) -> list[Reading]:
    when = boundary.timestamp()
    tolerance, gap = on_time(), max_gap()
    rows = []
    for assignment in assignments:
        if assignment.start > boundary or (assignment.end and assignment.end < boundary):
            continue
        meter = assignment.meter_id
        values: dict[str, int | None] = {}
        status = Status.MISSING
        for name in REGISTERS:
            track = tracks.get((meter, name))
            found, value = track.at(when, tolerance, gap) if track else (Status.MISSING, None)
            values[name] = None if value is None else round(value * SCALE)
            if name == "import_wh":
                status = Status(found)
        reading = Reading(
            meter_id=meter, flat_id=assignment.flat_id, time=boundary, status=status, **values
        )
        current = values["import_wh"]
        if current is None and (meter, boundary) in kept:
            # Fixed with a value before (from samples since thinned, or a backfill): a fix
            # again with less to go on does not turn it into a missing one.
            flat_id, wh = kept[(meter, boundary)]
            last[meter] = Last(boundary, flat_id, wh)
            continue
        if current is not None:
            previous = last.get(meter)
            hours = (boundary - previous.time).total_seconds() / 3600 if previous else 0.0
            if (
                previous is None
                or previous.flat_id != assignment.flat_id
                or current < previous.import_wh
                or current - previous.import_wh > max_demand_w() * hours
            ):
                reading.new_series = True
            else:
                reading.consumption_wh = current - previous.import_wh
                if boundary - previous.time == QUARTER:
                    reading.demand_w = reading.consumption_wh * 4
            last[meter] = Last(boundary, assignment.flat_id, current)
        rows.append(reading)
    return rows


PROGRESS = "readings"


def fix_due(now: datetime) -> str:
    """The readings job: fix what passed since the last run, and again what may still change."""
    until = floor_quarter(now - timedelta(seconds=on_time()))
    progress = Progress.objects.filter(name=PROGRESS).first()
    if progress is None:
        first = MeterAssignment.objects.order_by("start").values_list("start", flat=True).first()
        if first is None:
            return "no meter is assigned to a flat"
        after = max(floor_quarter(first), until - timedelta(days=first_run_days())) - QUARTER
    else:
        after = min(progress.until, until) - timedelta(seconds=max_gap())
    written = fix_range(after, until)
    Progress.objects.update_or_create(name=PROGRESS, defaults={"until": until})
    return f"{written} readings fixed up to {until.isoformat()}"
