"""The operator's pages: screens, the event list and the communication status.

Each page is a shell: the header, the layout and a JSON data block with names and rights.
The live content comes from the REST API and the screen stream, read by the page's
scripts (``static/console/js/``).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from console.access import console_page
from console.control_data import control_data
from console.page_data import common_data, events_data, screen_data
from hmi.models import Screen
from poll.models import IED, COMaster, Profile


def active_profile() -> Profile | None:
    return Profile.objects.filter(active=True).first()


def root_screen(profile: Profile) -> Screen | None:
    """The top of the profile's screen tree: the first screen without a parent."""
    return Screen.objects.filter(profile=profile, parent=None).order_by("order", "name").first()


@console_page
def home(request: HttpRequest) -> HttpResponse:
    """The root screen of the active profile (or a page that says why there is none)."""
    profile = active_profile()
    screen = root_screen(profile) if profile else None
    if screen is not None:
        return redirect("console:screen", screen_id=screen.pk)
    return render(
        request,
        "console/no_screen.html",
        {"profile": profile, "page_data": common_data(request, profile)},
    )


@console_page
def screen(request: HttpRequest, screen_id: int) -> HttpResponse:
    shown = get_object_or_404(Screen.objects.select_related("profile"), pk=screen_id)
    data = {
        **common_data(request, shown.profile),
        **screen_data(shown.profile),
        **control_data(request, shown.profile),
        "screen": shown.pk,
    }
    context = {"screen": shown, "page_data": data, "page": "screens"}
    return render(request, "console/screen.html", {**context, "can_control": data["canControl"]})


@console_page
def events(request: HttpRequest) -> HttpResponse:
    profile = active_profile()
    data = common_data(request, profile)
    if profile is not None:
        data.update(events_data(profile))
    return render(
        request,
        "console/events.html",
        {
            "page_data": data,
            "page": "events",
            "comasters": COMaster.objects.filter(profile=profile),
            "ieds": IED.objects.filter(comaster__profile=profile).select_related("comaster"),
        },
    )


@console_page
def status(request: HttpRequest) -> HttpResponse:
    profile = active_profile()
    return render(
        request,
        "console/status.html",
        {"page_data": common_data(request, profile), "page": "status", "profile": profile},
    )
