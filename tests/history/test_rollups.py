"""Rollups against a brute-force computation, across a DST change, and the rollup job."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from history.buckets import bucket_end, bucket_start
from history.rollups import FINE, combine, rollup

MADRID = ZoneInfo("Europe/Madrid")
# Local midnight of the day before the spring change (2026-03-29: 23 hours) in UTC.
ORIGIN = datetime(2026, 3, 28, tzinfo=MADRID).astimezone(UTC)
MINUTES = 4 * 24 * 60  # four days: a normal one, the 23-hour one, two more

samples_strategy = st.lists(
    st.tuples(
        st.integers(0, MINUTES - 1),
        st.one_of(st.none(), st.integers(-50, 50).map(float)),
        st.sampled_from([0, 0, 0, 1]),
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda sample: sample[0],
).map(sorted)


def key(resolution: str, minute: int) -> object:
    """The bucket of a minute, worked out differently from the code under test."""
    time = ORIGIN + timedelta(minutes=minute)
    if resolution == "1d":
        return time.astimezone(MADRID).date()
    return int(time.timestamp()) // {"1min": 60, "15min": 900, "1h": 3600}[resolution]


def brute_force(samples: list[tuple[int, float | None, int]], resolution: str) -> list[dict]:
    """Expand into one value a minute and sum up each bucket's minutes."""
    by_minute = {minute: (value, q) for minute, value, q in samples}
    buckets: dict[object, list[tuple[int, float | None, int]]] = defaultdict(list)
    held: tuple[float | None, int] | None = None
    current = None
    for minute in range(samples[0][0], MINUTES + 26 * 60):
        bucket = key(resolution, minute)
        if bucket != current:
            held, current = None, bucket  # a value holds only inside its bucket
        if minute in by_minute:
            held = by_minute[minute]
        if held is not None:
            buckets[bucket].append((minute, *held))
    result = []
    for minutes in buckets.values():
        good = [value for _, value, q in minutes if value is not None and q == 0]
        inside = [(m, v, q) for m, v, q in minutes if m in by_minute]
        result.append(
            {
                "min": min(good) if good else None,
                "max": max(good) if good else None,
                "avg": sum(good) / len(good) if good else None,
                "first": inside[0][1],
                "last": inside[-1][1],
                "count": len(inside),
                "good": len(good) / len(minutes),
            }
        )
    return result


@pytest.mark.parametrize("resolution", ["1min", "15min", "1h", "1d"])
@settings(max_examples=40, deadline=None)
@given(samples=samples_strategy)
def test_rollups_equal_brute_force_across_dst(resolution, samples):
    rows = [(ORIGIN + timedelta(minutes=m), value, q) for m, value, q in samples]
    buckets = rollup(rows, resolution, MADRID)
    expected = brute_force(samples, resolution)
    assert len(buckets) == len(expected)
    for bucket, want in zip(buckets, expected, strict=True):
        for name in ("min", "max", "first", "last", "count"):
            assert getattr(bucket, name) == want[name], name
        for name in ("avg", "good"):
            got = getattr(bucket, name)
            assert (got is None) == (want[name] is None)
            if got is not None:
                assert got == pytest.approx(want[name])


@pytest.mark.parametrize("resolution", ["1h", "1d"])
@settings(max_examples=60, deadline=None)
@given(samples=samples_strategy)
def test_hours_and_days_made_of_quarter_hours_equal_those_of_the_samples(resolution, samples):
    """What the rollup job stores for an hour or a day, combined from the 15 min buckets,
    is what the samples give directly (a value held across quarters, gaps, bad values)."""
    rows = [(ORIGIN + timedelta(minutes=m), value, q) for m, value, q in samples]
    groups: dict[datetime, list] = defaultdict(list)
    for part in rollup(rows, FINE, MADRID):
        groups[bucket_start(resolution, part.start, MADRID)].append(part)
    combined = [
        combine(parts, start, bucket_end(resolution, start, MADRID))
        for start, parts in groups.items()
    ]
    direct = rollup(rows, resolution, MADRID)
    assert len(combined) == len(direct)
    for got, want in zip(combined, direct, strict=True):
        for name in ("start", "min", "max", "first", "last", "count", "last_good"):
            assert getattr(got, name) == getattr(want, name), name
        for name in ("avg", "good", "covered"):
            assert (getattr(got, name) is None) == (getattr(want, name) is None), name
            if getattr(want, name) is not None:
                assert getattr(got, name) == pytest.approx(getattr(want, name)), name


def test_day_buckets_follow_the_site_time_zone_over_dst():
    spring = bucket_start("1d", datetime(2026, 3, 29, 12, tzinfo=UTC), MADRID)
    autumn = bucket_start("1d", datetime(2026, 10, 25, 12, tzinfo=UTC), MADRID)
    assert spring == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert bucket_end("1d", spring, MADRID) - spring == timedelta(hours=23)
    assert bucket_end("1d", autumn, MADRID) - autumn == timedelta(hours=25)
