"""``GET /api/history/``: chart series of points over a time range, as JSON or CSV.

The contract (issue 12) is fixed: ``tag`` (repeated), ``start``, ``end`` (ISO 8601; a time
without offset is in the site's time zone), ``max_points``; the answer is columnar:
``{"resolution", "series": [{"tag", "unit", "t", "avg", "min", "max"}]}``; nulls are gaps
(``history.series``: a null row follows each bucket holding an outage). ``format=csv``
gives the same series as CSV, and with ``resolution=raw`` every raw sample of the range,
streamed in constant memory. Viewer role and up.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from history.buckets import RESOLUTIONS, site_zone
from history.series import choose_resolution, raw_rows, read_series
from poll.models import Point, Profile

MAX_TAGS = 20
MAX_POINTS = 10_000
DEFAULT_POINTS = 1000
CHOICES = ("raw", *RESOLUTIONS)


class CanReadHistory(permissions.BasePermission):
    message = "Reading history needs the viewer role."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm("poll.view_sample"))


class SeriesSerializer(serializers.Serializer[Any]):
    tag = serializers.CharField()
    unit = serializers.CharField()
    t = serializers.ListField(child=serializers.DateTimeField())
    avg = serializers.ListField(child=serializers.FloatField(allow_null=True))
    min = serializers.ListField(child=serializers.FloatField(allow_null=True))
    max = serializers.ListField(child=serializers.FloatField(allow_null=True))


class HistorySerializer(serializers.Serializer[Any]):
    resolution = serializers.ChoiceField(choices=CHOICES)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    series = SeriesSerializer(many=True)


class _Echo:
    def write(self, line: str) -> str:
        return line


def _utc(time: datetime) -> str:
    """ISO 8601 in UTC with "Z": 5 bytes a bucket less than "+00:00", 6% of a pen's answer."""
    return time.astimezone(UTC).isoformat().replace("+00:00", "Z")


PIECE = 1000
"""CSV lines sent together: a piece of ~60 KB rather than one send per line."""


def _in_pieces(lines: Iterator[str]) -> Iterator[str]:
    while piece := "".join(islice(lines, PIECE)):
        yield piece


def query_time(request: Request, name: str) -> datetime:
    """The query parameter ``name`` as an aware time (ISO 8601; without an offset, site
    time), or a 400 naming it. Shared by the API's range reads."""
    text = request.query_params.get(name, "")
    try:
        value = parse_datetime(text)
    except ValueError:
        value = None
    if value is None:
        raise ValidationError({name: [f"Give {name} as an ISO 8601 time, e.g. 2026-01-31T12:00Z."]})
    if timezone.is_naive(value):
        value = timezone.make_aware(value, site_zone())
    return value


def _parameters(request: Request) -> tuple[list[Point], datetime, datetime, int, str | None]:
    tags = request.query_params.getlist("tag")
    if not tags:
        raise ValidationError({"tag": ["Give at least one tag (tag=A&tag=B)."]})
    if len(tags) > MAX_TAGS:
        raise ValidationError({"tag": [f"At most {MAX_TAGS} tags."]})
    if any("\x00" in tag for tag in tags):  # no database stores it, so no tag holds it
        raise ValidationError({"tag": ["A tag holds no NUL character."]})
    start, end = query_time(request, "start"), query_time(request, "end")
    if end <= start:
        raise ValidationError({"end": ["end must be after start."]})
    text = request.query_params.get("max_points", str(DEFAULT_POINTS))
    if not (text.isascii() and text.isdigit() and len(text) <= 6) or not (
        1 <= int(text) <= MAX_POINTS
    ):
        raise ValidationError(
            {"max_points": [f"Give max_points as a whole number from 1 to {MAX_POINTS}."]}
        )
    resolution = request.query_params.get("resolution") or None
    if resolution is not None and resolution not in CHOICES:
        raise ValidationError({"resolution": [f"One of {', '.join(CHOICES)}."]})
    fmt = request.query_params.get("format", "json")
    if fmt not in ("json", "csv"):
        raise ValidationError({"format": ["json or csv."]})
    profile = Profile.objects.filter(active=True).first()
    found = {
        point.tag: point
        for point in Point.objects.filter(profile=profile, tag__in=tags).only("id", "tag", "unit")
    }
    missing = [tag for tag in tags if tag not in found]
    if missing:
        raise ValidationError(
            {"tag": [f"No point with tag {', '.join(missing)} in the active profile."]}
        )
    return [found[tag] for tag in tags], start, end, int(text), resolution


class HistoryView(APIView):
    """Chart series of points' history; see the module docstring for the contract."""

    permission_classes = [permissions.IsAuthenticated, CanReadHistory]
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # ``format`` picks our own CSV stream, not a DRF renderer; errors are JSON.
        return (JSONRenderer(), JSONRenderer.media_type)

    @extend_schema(
        operation_id="history",
        parameters=[
            OpenApiParameter(
                "tag",
                str,
                many=True,
                required=True,
                description="A point's tag; repeat for more pens.",
            ),
            OpenApiParameter(
                "start",
                OpenApiTypes.DATETIME,
                required=True,
                description="ISO 8601; without offset, site time.",
            ),
            OpenApiParameter(
                "end", OpenApiTypes.DATETIME, required=True, description="ISO 8601, after start."
            ),
            OpenApiParameter(
                "max_points",
                {"type": "integer", "minimum": 1, "maximum": MAX_POINTS},
                description=f"Most rows per series (default {DEFAULT_POINTS}); a bucket"
                " holding an outage or bad quality is followed by a null row, counted in.",
            ),
            OpenApiParameter(
                "resolution",
                str,
                enum=list(CHOICES),
                description="Force a resolution (default: the coarsest that gives enough buckets).",
            ),
            OpenApiParameter(
                "format",
                str,
                enum=["json", "csv"],
                description="csv streams the same series; with resolution=raw, every raw sample.",
            ),
        ],
        responses={
            200: HistorySerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The series as CSV."),
        },
    )
    def get(self, request: Request) -> Response | StreamingHttpResponse:
        points, start, end, max_points, forced = _parameters(request)
        resolution = forced or choose_resolution(start, end, max_points)
        if request.query_params.get("format") == "csv":
            return self._csv(points, start, end, max_points, resolution, raw=forced == "raw")
        series = []
        for point in points:
            data = read_series(point.pk, start, end, max_points, resolution)
            series.append(
                {
                    "tag": point.tag,
                    "unit": point.unit,
                    "t": [_utc(time) for time in data.t],
                    "avg": data.avg,
                    "min": data.min,
                    "max": data.max,
                }
            )
        return Response(
            {
                "resolution": resolution,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "series": series,
            }
        )

    def _csv(
        self,
        points: list[Point],
        start: datetime,
        end: datetime,
        max_points: int,
        resolution: str,
        *,
        raw: bool,
    ) -> StreamingHttpResponse:
        zone = site_zone()
        writer = csv.writer(_Echo())

        def lines() -> Iterator[str]:
            yield (
                f"# site time zone: {zone}; units: "
                + ", ".join(f"{point.tag} [{point.unit}]" for point in points)
                + "\r\n"
            )
            if raw:
                yield writer.writerow(["time", "tag", "unit", "value", "q"])
                for point in points:
                    for seconds, value, q in raw_rows(point.pk, start, end):
                        time = datetime.fromtimestamp(seconds, zone).isoformat()
                        yield writer.writerow([time, point.tag, point.unit, value, q])
                return
            yield writer.writerow(["time", "tag", "unit", "avg", "min", "max"])
            for point in points:
                data = read_series(point.pk, start, end, max_points, resolution)
                for row in zip(data.t, data.avg, data.min, data.max, strict=True):
                    yield writer.writerow(
                        [row[0].astimezone(zone).isoformat(), point.tag, point.unit, *row[1:]]
                    )

        response = StreamingHttpResponse(
            _in_pieces(lines()), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="history.csv"'
        return response
