"""Believable readings for a demo: each assigned meter's quarter hours over past days, with a
daily shape (night base, morning and evening peaks), a weekly one (more at home at weekends)
and each flat's own size, written in bulk. A few intervals are left estimated or missing, as
a real building has them, so the dashboard's states show something."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from history.buckets import site_zone
from metering.fixing import PROGRESS
from metering.models import MeterAssignment, Progress, Reading, Status
from metering.quarters import QUARTER, floor_quarter

BATCH = 5000


def _watts(local: datetime, size: float) -> float:
    hour = local.hour + local.minute / 60
    weekend = local.weekday() >= 5
    morning = math.exp(-(((hour - (9.0 if weekend else 7.5)) / 1.2) ** 2))
    evening = math.exp(-(((hour - 19.5) / 1.8) ** 2))
    midday = 0.6 * math.exp(-(((hour - 12.5) / 1.5) ** 2)) if weekend else 0.0
    return size * (250 + 1800 * morning + 2400 * evening + 1500 * midday)


@transaction.atomic
def backfill(days: int, now: datetime | None = None, seed: int = 16) -> int:
    """Write ``days`` of readings up to ``now`` for every open assignment; the count written."""
    now = now or timezone.now()
    end = floor_quarter(now)
    start = end - timedelta(days=days)
    rng = random.Random(seed)
    zone = site_zone()
    written = 0
    rows: list[Reading] = []
    for assignment in MeterAssignment.objects.filter(end__isnull=True).order_by("pk"):
        size = rng.uniform(0.6, 1.5)
        register = rng.uniform(3_000_000, 40_000_000)  # Wh counted before the demo's days
        outage = start + timedelta(days=rng.uniform(5, days - 2)) if days > 7 else None
        time = max(start, floor_quarter(assignment.start))
        last: tuple[datetime, int] | None = None  # the meter's previous reading with a value
        while time <= end:
            watts = _watts((time - QUARTER).astimezone(zone), size) * rng.uniform(0.8, 1.2)
            register += watts / 4
            reading = Reading(meter_id=assignment.meter_id, flat_id=assignment.flat_id, time=time)
            if outage is not None and outage <= time < outage + timedelta(hours=2):
                reading.status = Status.MISSING
            else:
                wh = round(register)
                reading.status = Status.ESTIMATED if rng.random() < 0.01 else Status.MEASURED
                reading.import_wh, reading.export_wh = wh, 0
                reading.import_varh, reading.export_varh = round(register * 0.33), 0
                if last is None:
                    reading.new_series = True
                else:
                    reading.consumption_wh = wh - last[1]
                    if time - last[0] == QUARTER:
                        reading.demand_w = reading.consumption_wh * 4
                last = (time, wh)
            rows.append(reading)
            time += QUARTER
            if len(rows) >= BATCH:
                written += _flush(rows)
        written += _flush(rows)
    Progress.objects.update_or_create(name=PROGRESS, defaults={"until": end})
    return written


def _flush(rows: list[Reading]) -> int:
    Reading.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    count = len(rows)
    rows.clear()
    return count
