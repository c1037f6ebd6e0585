"""An outage is a gap in the chart series at every resolution: a null lies between the last
good value before it and the first one after it, wherever they fall in the buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from history.buckets import RESOLUTIONS
from history.rollups import update_rollups
from poll.models import Point, Sample

pytestmark = pytest.mark.django_db
START = datetime(2025, 6, 1, tzinfo=UTC)
NO_DATA = 4


@pytest.fixture
def viewer(role_user):
    client = APIClient()
    client.force_authenticate(role_user("viewer"))
    return client


def store_with_outage(
    point: Point, every: timedelta, until: datetime, mark: datetime, back: datetime
) -> tuple[datetime, datetime, datetime]:
    """Good samples every ``every`` from START to ``until``, except from ``mark`` (a "no
    data" sample) to ``back`` (the first good one again); returns the times of the last
    good sample before the outage, of the mark and of the first good sample after it."""
    rows, time = [], START
    while time < until:
        if time < mark or time >= back:
            rows.append(Sample(point=point, time=time, value=1.0 if time < mark else 2.0, q=0))
        time += every
    rows.append(Sample(point=point, time=mark, value=None, q=NO_DATA))
    rows.append(Sample(point=point, time=back, value=2.0, q=0))
    Sample.objects.bulk_create(rows, batch_size=5000, ignore_conflicts=True)
    before = max(row.time for row in rows if row.time < mark)
    return before, mark, back


def series_of(client, point: Point, end: datetime, max_points: int) -> tuple[str, dict]:
    answer = client.get(
        "/api/history/",
        {
            "tag": point.tag,
            "start": START.isoformat(),
            "end": end.isoformat(),
            "max_points": max_points,
        },
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    (series,) = body["series"]
    series["t"] = [datetime.fromisoformat(time) for time in series["t"]]
    return body["resolution"], series


def is_null(series: dict, index: int) -> bool:
    return all(series[key][index] is None for key in ("avg", "min", "max"))


def assert_one_gap_between(series: dict, before: datetime, mark: datetime, after: datetime) -> None:
    """The only null of the series comes right after the row of the bucket where the outage
    starts (its "no data" mark; times are bucket starts), so no line is drawn over the
    outage's time; the good values on both sides still show."""
    t = series["t"]
    assert t == sorted(t) and len(set(t)) == len(t)
    valued = [index for index in range(len(t)) if not is_null(series, index)]
    nulls = [index for index in range(len(t)) if is_null(series, index)]
    assert len(nulls) == 1, series
    holding_mark = max(index for index in valued if t[index] <= mark)
    assert nulls[0] == holding_mark + 1
    assert max(index for index in valued if t[index] <= before) <= holding_mark
    assert max(index for index in valued if t[index] <= after) >= holding_mark


def test_an_outage_inside_one_raw_bucket_is_followed_by_a_null(viewer, point):
    # 36 s buckets: good every 2 s, no data from 13 s to 25 s, all in the first bucket.
    end = START + timedelta(hours=1)
    before, mark, after = store_with_outage(
        point,
        timedelta(seconds=2),
        end,
        START + timedelta(seconds=13),
        START + timedelta(seconds=25),
    )
    resolution, series = series_of(viewer, point, end, 100)
    assert resolution == "raw"
    assert_one_gap_between(series, before, mark, after)
    assert series["max"][0] == 2.0 and series["min"][0] == 1.0  # both sides still show


def test_an_outage_over_empty_raw_buckets_has_a_null_before_them(viewer, point):
    end = START + timedelta(hours=1)
    before, mark, after = store_with_outage(
        point,
        timedelta(seconds=2),
        end,
        START + timedelta(seconds=101),
        START + timedelta(seconds=400),
    )
    resolution, series = series_of(viewer, point, end, 100)
    assert resolution == "raw"
    assert_one_gap_between(series, before, mark, after)


@pytest.mark.parametrize("resolution", ["1min", "15min", "1h", "1d"])
@pytest.mark.parametrize("length", [0.4, 3.5], ids=["inside-a-bucket", "over-buckets"])
def test_an_outage_is_a_gap_in_rollup_series(viewer, point, resolution, length):
    # 40 rollup buckets in 36 chart buckets; good every sixth of a bucket; an outage of
    # 0.4 bucket (inside one rollup bucket) or 3.5 buckets (over empty ones).
    bucket = timedelta(seconds=RESOLUTIONS[resolution])
    end = START + 40 * bucket
    mark = START + 20 * bucket + bucket / 4
    before, mark, after = store_with_outage(point, bucket / 6, end, mark, mark + length * bucket)
    update_rollups(START)
    chosen, series = series_of(viewer, point, end, 36)
    assert chosen == resolution
    assert_one_gap_between(series, before, mark, after)


def test_a_one_hour_outage_in_a_year_is_a_null_in_the_1000_bucket_series(viewer, point):
    end = START + timedelta(days=365)
    mark = START + timedelta(days=200, hours=3)
    before, mark, after = store_with_outage(
        point, timedelta(hours=6), end, mark, mark + timedelta(hours=1)
    )
    update_rollups(START)
    resolution, series = series_of(viewer, point, end, 1000)
    assert resolution == "1h"
    assert_one_gap_between(series, before, mark, after)


def test_no_outage_no_null(viewer, point):
    end = START + timedelta(days=2)
    Sample.objects.bulk_create(
        Sample(point=point, time=START + timedelta(seconds=seconds), value=1.5, q=0)
        for seconds in range(0, 2 * 86400, 37)
    )
    update_rollups(START)
    for max_points in (100, 1000, 5000):
        _, series = series_of(viewer, point, end, max_points)
        assert series["t"] and None not in series["avg"]


def test_the_nulls_of_gaps_count_in_max_points(viewer, point):
    # A sample every second for 100 s, every 10 s chart bucket full, and three outages of
    # one second: 10 buckets and 3 nulls would be 13 rows; the series folds into fewer
    # buckets instead, and still has a null after each outage.
    end = START + timedelta(seconds=100)
    marks = {15, 45, 75}
    Sample.objects.bulk_create(
        Sample(
            point=point,
            time=START + timedelta(seconds=second),
            value=None if second in marks else float(second),
            q=NO_DATA if second in marks else 0,
        )
        for second in range(100)
    )
    resolution, series = series_of(viewer, point, end, 10)
    assert resolution == "raw"
    assert len(series["t"]) <= 10
    assert sum(is_null(series, index) for index in range(len(series["t"]))) == 3
