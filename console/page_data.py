"""What a console page hands its scripts at load time (a JSON data block, never code)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from console.access import ACKNOWLEDGE_ALARM_PERMISSION, ACKNOWLEDGE_PERMISSION
from hmi.models import Screen
from hmi.palette import INVALID, NOT_CURRENT, Palette
from poll.models import IED, COMaster, Point, PointKind, Profile


def common_data(request: HttpRequest, profile: Profile | None) -> dict[str, Any]:
    """What every page needs: the site's time zone, the profile, the user's rights."""
    return {
        "timeZone": settings.TIME_ZONE,
        "profile": profile.pk if profile else None,
        "canAcknowledge": request.user.has_perm(ACKNOWLEDGE_PERMISSION),
    }


def screen_data(profile: Profile) -> dict[str, Any]:
    """The screen tree (for breadcrumb and list) and the colours the viewer adds itself."""
    screens = list(
        Screen.objects.filter(profile=profile).values("id", "name", "parent", "description")
    )
    palette = Palette.of(profile.pk)
    return {
        "screens": screens,
        "colours": {"invalid": palette.css(INVALID), "notCurrent": palette.css(NOT_CURRENT)},
    }


def events_data(profile: Profile) -> dict[str, Any]:
    """Names for the events table: COMasters, IEDs by (COMaster, address), and DIs."""
    ieds = IED.objects.filter(comaster__profile=profile).values("comaster_id", "address", "name")
    dis = Point.objects.filter(profile=profile, kind=PointKind.DI).values(
        "id", "tag", "description", "text_off", "text_on"
    )
    return {
        "comasters": comaster_names(profile),
        "ieds": [
            {"comaster": row["comaster_id"], "address": row["address"], "name": row["name"]}
            for row in ieds
        ],
        "dis": {
            str(row["id"]): {
                "tag": row["tag"],
                "description": row["description"],
                "texts": [row["text_off"], row["text_on"]],
            }
            for row in dis
        },
    }


def comaster_names(profile: Profile) -> dict[str, str]:
    return {
        str(pk): name
        for pk, name in COMaster.objects.filter(profile=profile).values_list("pk", "name")
    }


def alarm_data(request: HttpRequest) -> dict[str, Any]:
    """The user's rights on alarms (the API checks them again on every request)."""
    return {"canAcknowledgeAlarms": request.user.has_perm(ACKNOWLEDGE_ALARM_PERMISSION)}
