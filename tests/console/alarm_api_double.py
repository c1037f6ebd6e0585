"""A test double of the alarms API (``/api/alarms/`` and its acknowledge and shelve), for
the console's browser tests until the alarms app is on main. Used ONLY through
``tests.console.alarm_double_settings`` (a test URLconf in front of the site's own); the
product never imports it.

Alarms live in the server process's memory; ``POST /test-double/alarms`` (test only)
raises one. Every change commits a revision the way the poller does, so the site stream
announces it and the console reads the alarms again.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from poll.acquisition.store import NOTIFY_CHANNEL, REVISION_LOCK_KEY
from poll.models import Revision

_alarms: dict[int, dict[str, Any]] = {}
_lock = threading.Lock()


def _commit_revision() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REVISION_LOCK_KEY])
        revision = Revision.objects.create(source="alarm-double").pk
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, str(revision)])


def _refusal(request: HttpRequest, permission: str | None) -> JsonResponse | None:
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    if permission and not request.user.has_perm(permission):
        return JsonResponse({"detail": "Your role may not do this."}, status=403)
    return None


@require_GET
def alarm_list(request: HttpRequest) -> JsonResponse:
    refused = _refusal(request, "hmi.view_screen")
    if refused:
        return refused
    with _lock:
        results = list(_alarms.values())
    return JsonResponse({"count": len(results), "next": None, "results": results})


def _change(request: HttpRequest, alarm_id: int, **fields: Any) -> JsonResponse:
    refused = _refusal(request, "poll.acknowledge_event")
    if refused:
        return refused
    with _lock:
        alarm = _alarms.get(alarm_id)
        if alarm is None:
            return JsonResponse({"detail": "No such alarm."}, status=404)
        alarm.update(fields, state_since=datetime.now(UTC).isoformat())
        answer = dict(alarm)
    _commit_revision()
    return JsonResponse(answer)


@require_POST
def acknowledge(request: HttpRequest, alarm_id: int) -> JsonResponse:
    state = _alarms.get(alarm_id, {}).get("state")
    return _change(request, alarm_id, state="ack" if state == "unack" else "normal")


@require_POST
def shelve(request: HttpRequest, alarm_id: int) -> JsonResponse:
    body = json.loads(request.body)
    return _change(request, alarm_id, state="shelved", reason=body["reason"])


@csrf_exempt
@require_POST
def raise_alarm(request: HttpRequest) -> JsonResponse:
    body = json.loads(request.body)
    with _lock:
        alarm_id = len(_alarms) + 1
        _alarms[alarm_id] = {
            "id": alarm_id,
            "state": "unack",
            "state_since": datetime.now(UTC).isoformat(),
            **body,
        }
    _commit_revision()
    return JsonResponse(_alarms[alarm_id], status=201)


urlpatterns = [
    path("api/alarms/", alarm_list),
    path("api/alarms/<int:alarm_id>/acknowledge/", acknowledge),
    path("api/alarms/<int:alarm_id>/shelve/", shelve),
    path("test-double/alarms", raise_alarm),
    path("", include("smve.urls")),
]
