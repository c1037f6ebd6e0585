"""The metering API (issue 16, contract): readings of flats over a period, and a building's
monthly report, as JSON, CSV or XLSX; and the dashboard's data for the console page.

- ``GET /api/metering/readings/?flat=ID&start=&end=[&format=csv|xlsx]``: ``flat`` may be
  repeated; times ISO 8601 (without offset: site time). Service providers (and admins).
- ``GET /api/metering/report/?building=ID&month=YYYY-MM[&format=csv|xlsx]``: the same.
- ``GET /api/metering/dashboard/?building=ID``: what the console's /metering page draws;
  every role.
Bad parameters answer 400 with the parameter's name as key.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from history.api import query_time
from history.buckets import site_zone
from metering import exports
from metering.dashboard import dashboard
from metering.models import Building, Flat
from metering.reports import monthly_report

MAX_DAYS = 400
MAX_JSON_DAYS = 62
MAX_FLATS = 200
FORMATS = ("json", "csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CanDownload(permissions.BasePermission):
    message = "Downloading readings and reports needs the service provider role."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm("metering.download_reading"))


class CanSeeDashboard(permissions.BasePermission):
    message = "The metering dashboard needs a role."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm("metering.view_building"))


def _format(request: Request) -> str:
    fmt = request.query_params.get("format", "json")
    if fmt not in FORMATS:
        raise ValidationError({"format": ["json, csv or xlsx."]})
    return fmt


def _id(text: str, name: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= 12):
        raise ValidationError({name: [f"Give {name} as a whole number (an id)."]})
    return int(text)


def _attachment(response: Any, name: str) -> Any:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class _Base(APIView):
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # ``format`` picks our own CSV or XLSX, not a DRF renderer; errors are JSON.
        return (JSONRenderer(), JSONRenderer.media_type)


FORMAT_PARAMETER = OpenApiParameter(
    "format", str, enum=list(FORMATS), description="csv or xlsx to download (default json)."
)
DOWNLOADS: dict[Any, Any] = {
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV."),
    (200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX."),
    400: OpenApiResponse(description="A bad parameter, named as the key."),
    403: OpenApiResponse(description="Not a service provider."),
}


class ReadingsView(_Base):
    """Quarter-hour readings of chosen flats over a period."""

    permission_classes = [permissions.IsAuthenticated, CanDownload]

    @extend_schema(
        operation_id="metering_readings",
        parameters=[
            OpenApiParameter(
                "flat", int, many=True, required=True, description="A flat's id; repeat for more."
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
            FORMAT_PARAMETER,
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The readings."),
            **DOWNLOADS,
        },
    )
    def get(self, request: Request) -> Any:
        texts = request.query_params.getlist("flat")
        if not texts:
            raise ValidationError({"flat": ["Give at least one flat (flat=ID&flat=ID)."]})
        if len(texts) > MAX_FLATS:
            raise ValidationError({"flat": [f"At most {MAX_FLATS} flats."]})
        ids = [_id(text, "flat") for text in texts]
        found = set(Flat.objects.filter(pk__in=ids).values_list("pk", flat=True))
        unknown = [str(i) for i in ids if i not in found]
        if unknown:
            raise ValidationError({"flat": [f"No flat with id {', '.join(unknown)}."]})
        start, end = query_time(request, "start"), query_time(request, "end")
        if end <= start:
            raise ValidationError({"end": ["end must be after start."]})
        fmt = _format(request)
        limit = MAX_JSON_DAYS if fmt == "json" else MAX_DAYS
        if end - start > timedelta(days=limit):
            raise ValidationError(
                {"end": [f"At most {limit} days ({fmt}); download CSV or XLSX for more."]}
            )
        rows = exports.reading_rows(ids, start, end)
        if fmt == "csv":
            response = StreamingHttpResponse(
                exports.readings_csv(rows), content_type="text/csv; charset=utf-8"
            )
            return _attachment(response, "readings.csv")
        if fmt == "xlsx":
            book = exports.xlsx_file(
                "readings", exports.readings_header(), exports.READING_COLUMNS, rows
            )
            return _attachment(FileResponse(book, content_type=XLSX), "readings.xlsx")
        return Response(
            {
                "time_zone": str(site_zone()),
                "units": {"registers": "Wh/varh", "demand_w": "W"},
                "start": start.isoformat(),
                "end": end.isoformat(),
                "readings": [dict(zip(exports.READING_COLUMNS, row, strict=True)) for row in rows],
            }
        )


MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class ReportView(_Base):
    """A building's monthly report."""

    permission_classes = [permissions.IsAuthenticated, CanDownload]

    @extend_schema(
        operation_id="metering_report",
        parameters=[
            OpenApiParameter("building", int, required=True, description="The building's id."),
            OpenApiParameter("month", str, required=True, description="YYYY-MM (site time)."),
            FORMAT_PARAMETER,
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The report."),
            **DOWNLOADS,
        },
    )
    def get(self, request: Request) -> Any:
        building_id = _id(request.query_params.get("building", ""), "building")
        building = Building.objects.filter(pk=building_id).first()
        if building is None:
            raise ValidationError({"building": [f"No building with id {building_id}."]})
        match = MONTH.match(request.query_params.get("month", ""))
        if match is None:
            raise ValidationError({"month": ["Give month as YYYY-MM, e.g. 2026-11."]})
        fmt = _format(request)
        report = monthly_report(building, int(match[1]), int(match[2]))
        name = f"report-{building.pk}-{report.month}"
        if fmt == "csv":
            response = StreamingHttpResponse(
                exports.report_csv(report), content_type="text/csv; charset=utf-8"
            )
            return _attachment(response, f"{name}.csv")
        if fmt == "xlsx":
            book = exports.xlsx_file(
                report.month,
                exports.report_header(report),
                exports.REPORT_COLUMNS,
                exports.report_rows(report),
            )
            return _attachment(FileResponse(book, content_type=XLSX), f"{name}.xlsx")
        return Response(
            {
                "building": building.name,
                "month": report.month,
                "time_zone": str(site_zone()),
                "total_wh": report.total_wh,
                "missing": report.missing,
                "flats": [
                    dict(zip(exports.REPORT_COLUMNS, row, strict=True))
                    for row in list(exports.report_rows(report))[:-1]
                ],
            }
        )


class DashboardView(_Base):
    """What the console's metering page draws, for one building (default: the first)."""

    permission_classes = [permissions.IsAuthenticated, CanSeeDashboard]

    @extend_schema(
        operation_id="metering_dashboard",
        parameters=[
            OpenApiParameter("building", int, description="The building's id (default: the first).")
        ],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="Charts' data.")},
    )
    def get(self, request: Request) -> Response:
        text = request.query_params.get("building")
        buildings = Building.objects.order_by("name")
        building = buildings.filter(pk=_id(text, "building")).first() if text else buildings.first()
        if building is None:
            raise ValidationError({"building": ["No such building."]})
        return Response(dashboard(building, timezone.now()))
