"""The poller's health as the operations page shows it: its heartbeats (with the journal
backlog), the last batch written, and every device's link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from ops.acquisition import Acquisition, acquisition
from poll.models import COMaster, ModbusDevice, PollerHeartbeat, Profile, Revision


@dataclass(frozen=True)
class PollerHealth:
    acquisition: Acquisition
    heartbeats: list[PollerHeartbeat]
    last_batch_at: datetime | None
    devices: list[dict[str, Any]]


def device_rows(profile: Profile | None) -> list[dict[str, Any]]:
    """COMasters and Modbus devices alike, with how late their last poll is (seconds)."""
    if profile is None:
        return []
    now = timezone.now()
    rows = []
    for kind, model in (("COMaster", COMaster), ("Modbus", ModbusDevice)):
        for device in model.objects.filter(profile=profile).order_by("name"):
            late = (now - device.last_poll_at).total_seconds() if device.last_poll_at else None
            rows.append(
                {
                    "kind": kind,
                    "name": device.name,
                    "enabled": device.enabled,
                    "online": device.online,
                    "since": device.state_since,
                    "last_poll_at": device.last_poll_at,
                    "late_seconds": late,
                    "poll_interval": device.poll_interval,
                    "last_error": device.last_error,
                }
            )
    return rows


def poller_health(profile: Profile | None) -> PollerHealth:
    last = Revision.objects.order_by("-id").values_list("created_at", flat=True).first()
    return PollerHealth(
        acquisition=acquisition(),
        heartbeats=list(PollerHeartbeat.objects.order_by("-beat_at")),
        last_batch_at=last,
        devices=device_rows(profile),
    )
