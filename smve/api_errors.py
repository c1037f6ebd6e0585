"""Every error under /api/ is JSON: ``{"detail": "..."}`` with a message a person can act on.

Two layers, because errors come from two places. The REST framework's views hand their
exceptions to :func:`exception_handler`, which adds to DRF's own handler the Django errors a
request body can raise (too big, too many fields). Everything else (Django's own 404, 405
and 413 answers, a CSRF refusal, a 500 from any view, the login pages' errors) leaves
Django as an HTML page; :class:`JsonApiErrorsMiddleware` turns those into JSON on the way
out, keeping the status and headers, so a script never has to parse HTML.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.utils.deprecation import MiddlewareMixin
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

API_PREFIX = "/api/"


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "request_too_large"


def body_limit_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return (
        f"The request body is over {limit // (1024 * 1024)} MiB, the most the API reads; "
        "send a drawing as a file (multipart field `drawing`) or make it smaller."
    )


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus the request errors Django raises while a view reads the body."""
    if isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(body_limit_message())
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(f"The request cannot be read: {exc}")
    return drf_exception_handler(exc, context)


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX) or request.path_info == API_PREFIX[:-1]


class JsonApiErrorsMiddleware(MiddlewareMixin):
    """Error answers under /api/ that are not JSON become ``{"detail": ...}`` with the same
    status and headers. Placed first, so it also sees what the other middleware refuse.
    A ``MiddlewareMixin`` works for synchronous and asynchronous requests alike, so the
    live stream stays on the server's event loop."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if response.status_code < 400 or not is_api_request(request):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        return self._as_json(request, response)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        """Remember what broke, for the 500's message when DEBUG is on; Django still logs it
        and answers (and tells ``got_request_exception`` listeners) as usual."""
        request._api_exception = exception  # type: ignore[attr-defined]

    def _as_json(self, request: HttpRequest, response: HttpResponseBase) -> JsonResponse:
        status = response.status_code
        if status == 400 and _declared_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            status = 413  # Django refuses a body over the limit as any suspicious request
        data = getattr(response, "data", None)  # a DRF response rendered as HTML
        if not isinstance(data, dict | list):
            data = {"detail": _message(request, response, status)}
        converted = JsonResponse(data, status=status, safe=False)
        for header, value in response.headers.items():
            if header.lower() not in ("content-type", "content-length"):
                converted[header] = value
        converted.cookies = response.cookies
        return converted


def _message(request: HttpRequest, response: HttpResponseBase, status: int) -> str:
    if status == 404:
        return f"There is no API endpoint {request.path}."
    if status == 405:
        allowed = response.get("Allow", "")
        return f"{request.method} is not allowed on {request.path}; allowed: {allowed}."
    if status == 403:  # DRF's refusals carry their data; a bare 403 is Django's CSRF check
        return (
            "CSRF check failed: a write made with a session needs the X-CSRFToken header; "
            "scripts should send a token instead (Authorization: Token <key>)."
        )
    if status == 413:
        return body_limit_message()
    if status >= 500:
        exception = getattr(request, "_api_exception", None)
        if settings.DEBUG and exception is not None:
            return f"Server error: {type(exception).__name__}: {exception}"
        return "Server error: the request failed on our side and was logged."
    return f"The request was refused ({status} {response.reason_phrase})."


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0
