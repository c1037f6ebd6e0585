"""Demo history: believable past values for a site's AIs, so that a trend has a past.

Shapes by unit or tag: currents and powers follow a daily load curve (a morning and an
evening peak, quieter weekends), levels fill and draw in cycles of a few hours, energy
counters only rise, anything else wanders slowly around the middle of its limits. Every
series carries some noise, drawn from a generator seeded by the tag so the demo is the same
every time.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db import transaction

from history.buckets import site_zone
from history.rollups import recompute
from poll.models import AI, Point, Sample


def shape(point: Point, when: datetime, rng: random.Random) -> float:
    low = point.low_limit if point.low_limit is not None else 0.0
    high = point.high_limit if point.high_limit is not None else 100.0
    if high <= low:
        high = low + 100.0
    span = high - low
    hours = when.timestamp() / 3600
    local = when.astimezone(site_zone())
    day_hour = local.hour + local.minute / 60
    tag = point.tag.upper()
    unit = point.unit
    if unit == "kWh" or "ENERGY" in tag:
        return round(low + span * 0.001 * hours, 3)
    if unit in ("m", "%") or "LEVEL" in tag or tag.startswith("LT"):
        cycle = (hours % 5) / 5  # fill for 4 hours, draw in 1
        fill = cycle / 0.8 if cycle < 0.8 else (1 - cycle) / 0.2
        return low + span * (0.2 + 0.6 * fill) + rng.gauss(0, span * 0.005)
    if unit in ("A", "MW", "Mvar", "kW", "m3/h"):
        peaks = math.exp(-(((day_hour - 9) / 2.5) ** 2)) + 0.8 * math.exp(
            -(((day_hour - 20) / 2) ** 2)
        )
        weekend = 0.7 if local.weekday() >= 5 else 1.0
        load = 0.25 + 0.55 * peaks * weekend
        return low + span * load + rng.gauss(0, span * 0.02)
    return low + span * (0.5 + 0.1 * math.sin(hours / 7)) + rng.gauss(0, span * 0.01)


def series(point: Point, start: datetime, end: datetime, step: timedelta) -> Iterator[Sample]:
    rng = random.Random(point.tag)
    when = start
    while when < end:
        yield Sample(point_id=point.pk, time=when, value=shape(point, when, rng), q=0)
        when += step


def backfill(profile_id: int, end: datetime, days: int, step: timedelta) -> int:
    """Samples of every AI of the profile for ``days`` up to ``end`` (those already there
    are kept: running it again adds nothing), and their rollups; returns the points done."""
    start = end - timedelta(days=days)
    points = list(AI.objects.filter(profile_id=profile_id))
    zone = site_zone()
    for point in points:
        with transaction.atomic():
            Sample.objects.bulk_create(
                series(point, start, end, step), batch_size=5000, ignore_conflicts=True
            )
            recompute(point.pk, start, end - timedelta(microseconds=1), zone)
    return len(points)
