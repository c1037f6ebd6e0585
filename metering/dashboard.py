"""The data the console's metering page draws for one building (``/api/metering/dashboard/``):
the building's 15-minute load profile today against yesterday and the same day last week,
each flat's consumption this month against last month, daily energy per flat for a calendar
heat map, and each meter's state. Everything from the stored readings."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Q, Sum

from history.buckets import site_zone
from metering.models import Building, Flat, MeterAssignment, Reading, Status
from metering.quarters import QUARTER, day_range, local_day, month_range
from metering.reports import expected_intervals
from outbox.sending import open_outage

HEAT_DAYS = 42


def _previous_month(day: date) -> tuple[int, int]:
    return (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)


def load_profile(building: Building, day: date) -> dict[str, Any]:
    """The building's demand (kW) per quarter hour of ``day``: x in minutes after midnight."""
    start, end = day_range(day)
    rows = (
        Reading.objects.filter(flat__building=building, time__gt=start, time__lte=end)
        .values("time")
        .annotate(demand=Sum("demand_w"))
        .order_by("time")
    )
    zone = site_zone()
    minutes, kw = [], []
    for row in rows:
        begin = (row["time"] - QUARTER).astimezone(zone)
        minutes.append(begin.hour * 60 + begin.minute)
        kw.append(None if row["demand"] is None else row["demand"] / 1000)
    return {"day": day.isoformat(), "minutes": minutes, "kw": kw}


def _month_totals(building: Building, start: datetime, end: datetime) -> dict[int, int]:
    return dict(
        Reading.objects.filter(flat__building=building, time__gt=start, time__lte=end)
        .values("flat_id")
        .annotate(total=Sum("consumption_wh"))
        .values_list("flat_id", "total")
    )


def daily_energy(building: Building, today: date) -> dict[str, Any]:
    """Daily energy (kWh) per flat for the last ``HEAT_DAYS`` days, today included."""
    first = today - timedelta(days=HEAT_DAYS - 1)
    start, _ = day_range(first)
    _, end = day_range(today)
    totals: dict[tuple[int, date], int] = defaultdict(int)
    rows = Reading.objects.filter(
        flat__building=building, time__gt=start, time__lte=end, consumption_wh__isnull=False
    ).values_list("flat_id", "time", "consumption_wh")
    for flat_id, time, wh in rows.iterator(chunk_size=5000):
        totals[(flat_id, local_day(time - QUARTER))] += wh or 0
    days = [first + timedelta(days=n) for n in range(HEAT_DAYS)]
    flats = Flat.objects.filter(building=building).order_by("name")
    return {
        "days": [d.isoformat() for d in days],
        "flats": [
            {
                "name": f.name,
                "kwh": [
                    totals.get((f.pk, d), 0) / 1000 if (f.pk, d) in totals else None for d in days
                ],
            }
            for f in flats
        ],
    }


def meter_states(building: Building, now: datetime) -> list[dict[str, Any]]:
    today = local_day(now)
    month_start, _ = month_range(today.year, today.month)
    assignments: dict[int, list[MeterAssignment]] = defaultdict(list)
    for a in MeterAssignment.objects.filter(flat__building=building).select_related("meter"):
        assignments[a.flat_id].append(a)
    last = dict(
        Reading.objects.filter(flat__building=building)
        .exclude(status=Status.MISSING)
        .values("flat_id")
        .annotate(last=Max("time"))
        .values_list("flat_id", "last")
    )
    good = dict(
        Reading.objects.filter(flat__building=building, time__gt=month_start, time__lte=now)
        .exclude(status=Status.MISSING)
        .values("flat_id")
        .annotate(n=Count("time", distinct=True))
        .values_list("flat_id", "n")
    )
    states = []
    for flat in Flat.objects.filter(building=building).order_by("name"):
        mine = assignments.get(flat.pk, [])
        current = next((a for a in mine if a.start <= now and (a.end is None or a.end > now)), None)
        expected = expected_intervals(
            mine, month_start, min(now, month_range(today.year, today.month)[1])
        )
        states.append(
            {
                "flat": flat.name,
                "flat_id": flat.pk,
                "meter": current.meter.name if current else None,
                "last_reading": last[flat.pk].isoformat() if flat.pk in last else None,
                "missing_this_month": max(expected - good.get(flat.pk, 0), 0),
            }
        )
    return states


def dashboard(building: Building, now: datetime) -> dict[str, Any]:
    today = local_day(now)
    this_start, _ = month_range(today.year, today.month)
    last_start, last_end = month_range(*_previous_month(today))
    this_month = _month_totals(building, this_start, now)
    last_month = _month_totals(building, last_start, last_end)
    flats = list(Flat.objects.filter(building=building).order_by("name"))
    outage = open_outage()
    return {
        "building": {"id": building.pk, "name": building.name},
        "buildings": list(Building.objects.order_by("name").values("id", "name")),
        "time_zone": str(site_zone()),
        "month": f"{today:%Y-%m}",
        "load_profile": {
            "today": load_profile(building, today),
            "yesterday": load_profile(building, today - timedelta(days=1)),
            "last_week": load_profile(building, today - timedelta(days=7)),
        },
        "consumption": {
            "flats": [f.name for f in flats],
            "this_month_kwh": [(this_month.get(f.pk) or 0) / 1000 for f in flats],
            "last_month_kwh": [(last_month.get(f.pk) or 0) / 1000 for f in flats],
        },
        "daily": daily_energy(building, today),
        "meters": meter_states(building, now),
        "mail_outage": outage.started_at.isoformat() if outage else None,
        "estimated_this_month": Reading.objects.filter(
            Q(status=Status.ESTIMATED), flat__building=building, time__gt=this_start
        ).count(),
    }
