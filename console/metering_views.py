"""The metering pages of the console: the dashboard (/metering, every role) and a building's
monthly report in HTML (/metering/report, the service provider's, like its downloads)."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from console.access import console_page
from console.page_data import common_data
from metering.exports import report_header
from metering.models import Building
from metering.quarters import local_day
from metering.reports import monthly_report
from poll.models import Profile

DOWNLOAD_PERMISSION = "metering.download_reading"
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@console_page
def metering(request: HttpRequest) -> HttpResponse:
    profile = Profile.objects.filter(active=True).first()
    data = {
        **common_data(request, profile),
        "canDownload": request.user.has_perm(DOWNLOAD_PERMISSION),
        "buildings": list(Building.objects.order_by("name").values("id", "name")),
    }
    return render(request, "console/metering.html", {"page_data": data, "page": "metering"})


@console_page
def metering_report(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(DOWNLOAD_PERMISSION):
        raise PermissionDenied("Reports are the service provider's.")
    text = request.GET.get("building", "")
    building = (
        Building.objects.filter(pk=int(text)).first() if text.isdigit() and len(text) < 12 else None
    )
    if building is None:
        raise Http404("No such building.")
    today = local_day(timezone.now())
    match = MONTH.match(request.GET.get("month", f"{today:%Y-%m}"))
    if match is None:
        raise Http404("Give the month as YYYY-MM.")
    report = monthly_report(building, int(match[1]), int(match[2]))
    context = {
        "report": report,
        "header": report_header(report),
        "page": "metering",
        "page_data": common_data(request, building.profile),
    }
    return render(request, "console/metering_report.html", context)
