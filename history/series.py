"""History series for charts: at most N buckets per pen, from raw samples or a rollup.

The coarsest rollup whose buckets still fit at least once in a chart bucket is read (raw
samples below one minute per chart bucket), and its rows are folded into the chart buckets
keeping each bucket's minimum and maximum, so a one-second spike in a year of data still
shows (min-max downsampling, as Grafana and Ignition do; LTTB would drop it). Only buckets
with samples are given; one with no good value (bad quality, a "no data" mark) has nulls,
so a chart shows a gap, never a line across an outage.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from history.buckets import RESOLUTIONS
from history.models import Rollup
from history.rollups import is_good
from poll.models import Sample

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


class _Folder:
    """Folds values into chart buckets of equal width from ``start``."""

    def __init__(self, start: datetime, end: datetime, max_points: int) -> None:
        self.start = start
        self.width = (end - start).total_seconds() / max_points
        self.series = Series()
        self._index: int | None = None
        self._low = self._high = self._sum = self._weight = 0.0
        self._any = False

    def add(
        self,
        time: datetime,
        low: float | None,
        high: float | None,
        avg: float | None,
        weight: float,
    ) -> None:
        index = int((time - self.start).total_seconds() // self.width)
        if index != self._index:
            self.flush()
            self._index = index
        if avg is None or low is None or high is None or weight <= 0:
            return
        if not self._any:
            self._low, self._high, self._any = low, high, True
        else:
            self._low, self._high = min(self._low, low), max(self._high, high)
        self._sum += avg * weight
        self._weight += weight

    def flush(self) -> None:
        if self._index is None:
            return
        series = self.series
        series.t.append(self.start + timedelta(seconds=self._index * self.width))
        good = self._any and self._weight > 0
        series.avg.append(self._sum / self._weight if good else None)
        series.min.append(self._low if good else None)
        series.max.append(self._high if good else None)
        self._index = None
        self._low = self._high = self._sum = self._weight = 0.0
        self._any = False


def read_series(
    point_id: int, start: datetime, end: datetime, max_points: int, resolution: str
) -> Series:
    """The chart series of one point from ``start`` to ``end`` at ``resolution``."""
    folder = _Folder(start, end, max_points)
    if resolution == "raw":
        rows = (
            Sample.objects.filter(point_id=point_id, time__gte=start, time__lt=end)
            .order_by("time")
            .values_list("time", "value", "q")
        )
        for time, value, q in rows.iterator(chunk_size=5000):
            good = value if is_good(value, q) else None
            folder.add(time, good, good, good, 1.0)
    else:
        rollups = (
            Rollup.objects.filter(
                point_id=point_id, resolution=resolution, start__gte=start, start__lt=end
            )
            .order_by("start")
            .values_list("start", "min", "max", "avg", "good", "covered")
        )
        for time, low, high, avg, good, covered in rollups.iterator(chunk_size=5000):
            folder.add(time, low, high, avg, good * covered)
    folder.flush()
    return folder.series


def raw_rows(
    point_id: int, start: datetime, end: datetime
) -> Iterator[tuple[datetime, float | None, int]]:
    """Every raw sample of a point in the range, read in chunks (for the CSV export)."""
    rows = (
        Sample.objects.filter(point_id=point_id, time__gte=start, time__lt=end)
        .order_by("time")
        .values_list("time", "value", "q")
    )
    yield from rows.iterator(chunk_size=5000)
