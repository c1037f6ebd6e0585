"""What a client locked out by django-axes gets: 429 and a sentence that says why and for
how long, on every login path (settings.py, "Login throttling", says how lockout works).

Pages get the login page again with the sentence, the API gets JSON. django-axes turns a
lockout into a response in its middleware (``AXES_LOCKOUT_CALLABLE``), but the API's token
endpoint authenticates with DRF's request, which that middleware never sees: there the
lockout signal raises an API error instead, as django-axes recommends for DRF.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework.exceptions import APIException
from rest_framework.request import Request


class LockedOut(APIException):
    status_code = 429
    default_code = "locked_out"

    def __init__(self) -> None:
        super().__init__(lockout_message())
        self.wait = cool_off_seconds()  # DRF's handler sends it as Retry-After


def cool_off_seconds() -> int:
    return round(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_message() -> str:
    return (
        "Too many failed logins for this user from this address: logging in is blocked "
        f"for {cool_off_seconds() // 60} minutes. Try again later, or ask an administrator "
        "to unlock the account."
    )


def lockout_response(request: HttpRequest, *_: object) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``. django-axes passes more arguments, and not the same ones
    from its sync and its async middleware; the request is all this answer needs."""
    response: HttpResponse
    if request.path_info.startswith("/api/"):
        response = JsonResponse({"detail": lockout_message()}, status=429)
    else:
        context = {"lockout": lockout_message()}
        response = render(request, "console/login.html", context, status=429)
    response["Retry-After"] = str(cool_off_seconds())
    return response


def refuse_locked_out_api_login(sender: Any, request: Any = None, **kwargs: Any) -> None:
    """Receiver of django-axes' ``user_locked_out``: end a DRF login with a 429."""
    if isinstance(request, Request):
        raise LockedOut()
