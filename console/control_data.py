"""What the screen page's control panel needs at load time: whether the user may give
commands at all, which elements can be controlled, and who the user is (to tell their own
selection from someone else's). A viewer gets none of it, and no panel."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from commands.models import CommandDefinition, Role
from commands.service import Actor
from poll.models import Profile


def may_control(request: HttpRequest) -> bool:
    return Actor(request.user).may(Role.OPERATOR)


def control_data(request: HttpRequest, profile: Profile) -> dict[str, Any]:
    """An element is controllable when a point of the profile with the element's tag has
    commands (the panel lists them; the API checks every rule again)."""
    if not may_control(request):
        return {"canControl": False}
    tags = (
        CommandDefinition.objects.filter(point__profile=profile)
        .values_list("point__tag", flat=True)
        .distinct()
    )
    return {
        "canControl": True,
        "controllable": sorted(tags),
        "username": request.user.get_username(),
    }
