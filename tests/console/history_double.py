"""A stand-in for the historian's ``GET /api/history/`` for the Trends page's tests, built
from the ``Sample`` rows with the contract the issue states; used only while the real API
is not in the site (``trends_urls`` routes to it only then). Never shipped.

``?tag=A&tag=B&start=ISO&end=ISO&max_points=N`` ->
``{"resolution", "series": [{"tag", "unit", "t", "avg", "min", "max"}]}``, at most N
buckets per tag (raw rows when they fit), nulls for bad or missing values;
``&format=csv`` gives the same rows as CSV.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.dateparse import parse_datetime

from poll.models import Point, Sample

RESOLUTIONS = [
    ("1min", timedelta(minutes=1)),
    ("15min", timedelta(minutes=15)),
    ("1h", timedelta(hours=1)),
    ("1d", timedelta(days=1)),
]


def history(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=403)
    tags = request.GET.getlist("tag")
    start = parse_datetime(request.GET.get("start", ""))
    end = parse_datetime(request.GET.get("end", ""))
    max_points = int(request.GET.get("max_points", "1000"))
    if not tags or start is None or end is None or start >= end or max_points < 1:
        return JsonResponse({"detail": "tag, start < end and max_points are needed."}, status=400)
    units = dict(Point.objects.filter(tag__in=tags).values_list("tag", "unit"))
    rows = {
        tag: list(
            Sample.objects.filter(point__tag=tag, time__gte=start, time__lt=end)
            .order_by("time")
            .values_list("time", "value", "q")
        )
        for tag in tags
    }
    resolution, width = _resolution(start, end, max_points, max(map(len, rows.values())))
    series = [
        {"tag": tag, "unit": units.get(tag, ""), **_buckets(rows[tag], start, width)}
        for tag in tags
    ]
    if request.GET.get("format") == "csv":
        return _csv(series)
    return JsonResponse({"resolution": resolution, "series": series})


def _resolution(
    start: datetime, end: datetime, max_points: int, most_rows: int
) -> tuple[str, timedelta | None]:
    if most_rows <= max_points:
        return "raw", None
    for name, width in RESOLUTIONS:
        if (end - start) / width <= max_points:
            return name, width
    return RESOLUTIONS[-1][0], RESOLUTIONS[-1][1]


def _buckets(
    rows: list[tuple[datetime, float | None, int]], start: datetime, width: timedelta | None
) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {"t": [], "avg": [], "min": [], "max": []}
    if width is None:
        for time, value, q in rows:
            good = value if q == 0 else None
            for key, item in (("t", time.isoformat()), ("avg", good), ("min", good), ("max", good)):
                out[key].append(item)
        return out
    groups: dict[datetime, list[float]] = {}
    for time, value, q in rows:
        bucket = start + width * ((time - start) // width)
        groups.setdefault(bucket, [])
        if value is not None and q == 0:
            groups[bucket].append(value)
    for bucket, values in groups.items():
        out["t"].append(bucket.isoformat())
        out["avg"].append(sum(values) / len(values) if values else None)
        out["min"].append(min(values) if values else None)
        out["max"].append(max(values) if values else None)
    return out


def _csv(series: list[dict[str, Any]]) -> HttpResponse:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["tag", "unit", "time", "avg", "min", "max"])
    for pen in series:
        for row in zip(pen["t"], pen["avg"], pen["min"], pen["max"], strict=True):
            writer.writerow([pen["tag"], pen["unit"], *row])
    return HttpResponse(text.getvalue(), content_type="text/csv")
