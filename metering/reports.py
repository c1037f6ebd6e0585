"""The monthly report of a building: per flat the consumption, the peak 15-minute demand and
when it was, and how many of the month's intervals were measured, estimated or missing.

Figures come from the stored readings alone (summed in SQL, in whole Wh), so a past month
produced again gives the same figures, and the totals match the readings to the watt-hour.
An interval belongs to the month when it ends in it (after the first local midnight, up to
and including the next month's); it is expected for a flat while a meter is assigned to it,
and missing when no reading with a value was fixed at its end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Max, OuterRef, Q, Subquery, Sum

from metering.models import Building, Flat, MeterAssignment, Reading, Status
from metering.quarters import QUARTER, floor_quarter, month_range


@dataclass
class FlatLine:
    flat_id: int
    flat: str
    floor: str
    occupant: str
    consumption_wh: int
    peak_demand_w: int | None
    peak_time: datetime | None
    measured: int
    estimated: int
    missing: int


@dataclass
class MonthlyReport:
    building: Building
    month: str
    start: datetime
    end: datetime
    lines: list[FlatLine]

    @property
    def total_wh(self) -> int:
        return sum(line.consumption_wh for line in self.lines)

    @property
    def missing(self) -> int:
        return sum(line.missing for line in self.lines)


def expected_intervals(assignments: list[MeterAssignment], start: datetime, end: datetime) -> int:
    """How many boundaries in ``(start, end]`` fall while some meter measures the flat."""
    total = 0
    last_counted: datetime | None = None
    for assignment in sorted(assignments, key=lambda a: a.start):
        low = max(assignment.start, start + QUARTER)
        low_quarter = floor_quarter(low)
        if low_quarter < low:
            low_quarter += QUARTER
        high = floor_quarter(min(assignment.end or end, end))
        if last_counted is not None and low_quarter <= last_counted:
            low_quarter = last_counted + QUARTER
        if high < low_quarter:
            continue
        total += int((high - low_quarter) / QUARTER) + 1
        last_counted = high
    return total


def monthly_report(building: Building, year: int, month: int) -> MonthlyReport:
    start, end = month_range(year, month)
    in_month = Q(time__gt=start, time__lte=end)
    readings = Reading.objects.filter(in_month, flat__building=building)
    figures: dict[int, dict[str, Any]] = {
        row["flat_id"]: dict(row)
        for row in readings.values("flat_id").annotate(
            consumption=Sum("consumption_wh"),
            peak=Max("demand_w"),
            measured=Count("time", filter=Q(status=Status.MEASURED), distinct=True),
            estimated=Count("time", filter=Q(status=Status.ESTIMATED), distinct=True),
        )
    }
    peak_time = Subquery(
        Reading.objects.filter(in_month, flat=OuterRef("pk"), demand_w__isnull=False)
        .order_by(F("demand_w").desc(), "time")
        .values("time")[:1]
    )
    flats = Flat.objects.filter(building=building).annotate(peak_time=peak_time).order_by("name")
    assignments: dict[int, list[MeterAssignment]] = {}
    for assignment in MeterAssignment.objects.filter(flat__building=building):
        assignments.setdefault(assignment.flat_id, []).append(assignment)
    lines = []
    for flat in flats:
        row: dict[str, Any] = figures.get(flat.pk, {})
        measured, estimated = row.get("measured", 0), row.get("estimated", 0)
        expected = expected_intervals(assignments.get(flat.pk, []), start, end)
        lines.append(
            FlatLine(
                flat_id=flat.pk,
                flat=flat.name,
                floor=flat.floor,
                occupant=flat.occupant,
                consumption_wh=row.get("consumption") or 0,
                peak_demand_w=row.get("peak"),
                peak_time=flat.peak_time if row.get("peak") is not None else None,
                measured=measured,
                estimated=estimated,
                missing=max(expected - measured - estimated, 0),
            )
        )
    return MonthlyReport(building, f"{year:04d}-{month:02d}", start, end, lines)
