"""Who may open the console's pages: a logged-in user whose role reads the plant."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

#: A page's response type (a CSV download streams).
R = TypeVar("R", bound=HttpResponseBase)

#: Every role (viewer and up) has it; a user without a role is refused.
READ_PERMISSION = "hmi.view_screen"
ACKNOWLEDGE_PERMISSION = "poll.acknowledge_event"
#: Acknowledging and shelving alarms is the operator's, as acknowledging events is; the
#: alarms API enforces its own permission, this one only decides which buttons show.
ACKNOWLEDGE_ALARM_PERMISSION = ACKNOWLEDGE_PERMISSION


def console_page(view: Callable[..., R]) -> Callable[..., R]:
    """Anonymous users go to the login page; logged-in users without a role get 403."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> R:
        if not request.user.has_perm(READ_PERMISSION):
            raise PermissionDenied("Your account has no role: ask for the viewer role.")
        return view(request, *args, **kwargs)

    return login_required(checked)
