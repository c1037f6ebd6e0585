"""Every field link of a profile alike (COMasters, Modbus devices; MQTT connections when
they exist): its state, counters and last error, as the poller keeps them on the
LinkStateModel rows, and which poller runs it now (``poller``: the holder of its lease, on
PostgreSQL; empty when none does, and always on SQLite). Feeds the console's Communication
page (``GET /api/links``) and the operations page."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ops.api import READ_PERMISSION
from poll.acquisition.leases import lease_owners
from poll.models import COMaster, ModbusDevice, Profile

COUNTERS = ("polls", "timeouts", "bad_frames", "reconnects", "events_received")


def _where(device: Model) -> str:
    if isinstance(device, ModbusDevice):
        return f"{device.host}:{device.port} unit {device.unit}"
    assert isinstance(device, COMaster)
    return f"{device.host}:{device.port}"


def link_rows(profile: Profile | int | None) -> list[dict[str, Any]]:
    """COMasters then Modbus devices, by name, with how late their last poll is."""
    if profile is None:
        return []
    now = timezone.now()
    owners = lease_owners()
    rows = []
    kinds: tuple[tuple[str, str, type[COMaster] | type[ModbusDevice]], ...] = (
        ("COMaster", "mara", COMaster),
        ("Modbus", "modbus", ModbusDevice),
    )
    for kind, source, model in kinds:
        for device in model.objects.filter(profile=profile).order_by("name"):
            last = device.last_poll_at
            rows.append(
                {
                    "kind": kind,
                    "id": device.pk,
                    "name": device.name,
                    "where": _where(device),
                    "description": device.description,
                    "enabled": device.enabled,
                    "online": device.online,
                    "state_since": device.state_since,
                    "last_poll_at": last,
                    "late_seconds": (now - last).total_seconds() if last else None,
                    "poll_interval": device.poll_interval,
                    "latency_ms": device.latency_ms,
                    **{counter: getattr(device, counter) for counter in COUNTERS},
                    "exceptions": getattr(device, "exceptions", None),
                    "last_error": device.last_error,
                    "shard": device.shard,
                    "poller": owners.get((source, device.pk), ""),
                }
            )
    return rows


@require_GET
@never_cache
def links(request: HttpRequest) -> JsonResponse:
    """``GET /api/links?profile=ID``: ``{"results": [...]}``, every role may read it."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    if not request.user.has_perm(READ_PERMISSION):
        return JsonResponse({"detail": "Your account has no role."}, status=403)
    profile = request.GET.get("profile", "")
    if not profile.isdigit():
        return JsonResponse({"detail": "profile=ID: give the id of a profile."}, status=400)
    return JsonResponse({"results": link_rows(int(profile))})
