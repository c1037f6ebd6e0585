"""The alarm pages: the summary (``/alarms``), the journal (``/alarms/journal``), the KPIs
(``/alarms/kpis``), and the one-click way from an alarm to its point's screen.

Like the other pages they are shells: the alarms themselves come from the alarms API
(``/api/alarms/``, ``/api/alarm-journal/``, ``/api/alarm-kpis/``), read by the page's
scripts, which the site stream (``/api/stream?topic=site``) tells when to read again.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from console.access import console_page
from console.page_data import alarm_data, common_data
from console.views import active_profile
from hmi.models import Screen


@console_page
def summary(request: HttpRequest) -> HttpResponse:
    return _page(request, "console/alarms.html", "alarms")


@console_page
def journal(request: HttpRequest) -> HttpResponse:
    return _page(request, "console/alarm_journal.html", "alarms")


@console_page
def kpis(request: HttpRequest) -> HttpResponse:
    return _page(request, "console/alarm_kpis.html", "alarms")


@console_page
def alarm_screen(request: HttpRequest) -> HttpResponse:
    """The screen that shows an alarm: one with an element bound to its point (or its own
    tag), else the screen its area names."""
    profile = active_profile()
    screens = Screen.objects.filter(profile=profile).order_by("order", "name")
    for tag in (request.GET.get("point"), request.GET.get("tag")):
        if tag:
            shown = screens.filter(elements__tag=tag).first()
            if shown is not None:
                return redirect("console:screen", screen_id=shown.pk)
    area = request.GET.get("area")
    shown = screens.filter(name=area).first() if area else None
    if shown is None:
        raise Http404("No screen shows this alarm's point.")
    return redirect("console:screen", screen_id=shown.pk)


def _page(request: HttpRequest, template: str, page: str) -> HttpResponse:
    profile = active_profile()
    data = {**common_data(request, profile), **alarm_data(request)}
    return render(request, template, {"page_data": data, "page": page})
