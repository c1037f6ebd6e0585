"""``/healthz`` and ``/readyz``, for load balancers and monitoring: no login, and no
detail beyond one word, since anyone who reaches the site may ask.

* ``/healthz``: this web process answers and reaches the database (200 ``ok``, else 503).
  A load balancer takes a web server out of rotation on 503.
* ``/readyz``: acquisition runs (200 ``ok``; 503 ``acquisition stopped``, or
  ``database unavailable``). Monitoring alerts on it; it says nothing of this web process.
"""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ops.acquisition import acquisition


def _answer(status: int, text: str) -> HttpResponse:
    return HttpResponse(f"{text}\n", status=status, content_type="text/plain; charset=utf-8")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return _answer(503, "database unavailable")
    return _answer(200, "ok")


@require_GET
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    try:
        state = acquisition()
    except DatabaseError:
        return _answer(503, "database unavailable")
    return _answer(200, "ok") if state.running else _answer(503, "acquisition stopped")
