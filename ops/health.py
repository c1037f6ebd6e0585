"""``/healthz`` and ``/readyz``, for load balancers and monitoring: no login, and no
detail beyond one word, since anyone who reaches the site may ask.

* ``/healthz``: this web process answers and reaches the database (200 ``ok``, else 503).
  A load balancer takes a web server out of rotation on 503.
* ``/readyz``: acquisition runs (200 ``ok``; 503 ``acquisition stopped``, or
  ``database unavailable``). Monitoring alerts on it; it says nothing of this web process.
  With several pollers (PostgreSQL leases) each further line says how many lease units
  (COMasters, Modbus devices, MQTT broker connections) one poller runs: ``NAME: N``. The
  operations page says which.
"""

from __future__ import annotations

from collections import Counter

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ops.acquisition import acquisition
from poll.acquisition.leases import lease_owners


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
        owners = Counter(lease_owners().values())
    except DatabaseError:
        return _answer(503, "database unavailable")
    lines = [f"{poller}: {count}" for poller, count in sorted(owners.items())]
    if state.running:
        return _answer(200, "\n".join(["ok", *lines]))
    return _answer(503, "\n".join(["acquisition stopped", *lines]))
