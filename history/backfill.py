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
from datetime import datetime, timedelta

from django.db import connection, transaction

from history.buckets import RESOLUTIONS, site_zone
from history.models import Rollup
from history.rollups import RawSample, mark_rolled_up_to, rollup
from poll.models import AI, Point, Sample
from poll.sample_partitions import ensure_months, months_between


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


def series(point: Point, start: datetime, end: datetime, step: timedelta) -> list[RawSample]:
    rng = random.Random(point.tag)
    count = int((end - start) / step)
    return [
        (when, shape(point, when, rng), 0)
        for when in (start + step * number for number in range(count))
    ]


SAMPLES = """
    INSERT INTO poll_sample (point_id, time, value, q) VALUES (%s, %s, %s, %s)
    ON CONFLICT (point_id, time) DO NOTHING"""
ROLLUPS = """
    INSERT INTO history_rollup (point_id, resolution, start, min, max, avg, first, last, count,
        good, covered, last_good) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"""


def backfill(profile_id: int, end: datetime, days: int, step: timedelta) -> int:
    """Samples of every AI of the profile for ``days`` up to ``end`` (those already there
    are kept: running it again adds nothing), and their rollups; returns the points done.

    Written with one prepared statement a table (``executemany``): the demo's 163 points
    would take minutes through model instances."""
    start = end - timedelta(days=days)
    if connection.vendor == "postgresql":  # the past months' partitions, not the default one
        with transaction.atomic(), connection.cursor() as cursor:
            ensure_months(cursor, months_between(start, end))
    before = _last_sample_id()
    points = list(AI.objects.filter(profile_id=profile_id))
    zone = site_zone()
    adapt = connection.ops.adapt_datetimefield_value
    for point in points:
        samples = series(point, start, end, step)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                SAMPLES, [(point.pk, adapt(time), value, q) for time, value, q in samples]
            )
            for resolution in RESOLUTIONS:
                buckets = rollup(samples, resolution, zone)
                if not buckets:
                    continue
                Rollup.objects.filter(
                    point=point,
                    resolution=resolution,
                    start__gte=buckets[0].start,
                    start__lte=buckets[-1].start,
                ).delete()
                cursor.executemany(
                    ROLLUPS,
                    [
                        (
                            point.pk,
                            resolution,
                            adapt(b.start),
                            b.min,
                            b.max,
                            b.avg,
                            b.first,
                            b.last,
                            b.count,
                            b.good,
                            b.covered,
                            b.last_good,
                        )
                        for b in buckets
                    ],
                )
    # Its rollups are written: the rollup job need not read these samples again.
    mark_rolled_up_to(
        Sample.objects.order_by("-id").values_list("id", flat=True).first() or 0, before
    )
    return len(points)


def _last_sample_id() -> int:
    return Sample.objects.order_by("-id").values_list("id", flat=True).first() or 0
