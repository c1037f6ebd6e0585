"""The poller's health as the operations page shows it: its heartbeats (with the journal
backlog), the last batch written, and every device's link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ops.acquisition import Acquisition, acquisition
from ops.links import link_rows
from poll.models import PollerHeartbeat, Profile, Revision


@dataclass(frozen=True)
class PollerHealth:
    acquisition: Acquisition
    heartbeats: list[PollerHeartbeat]
    last_batch_at: datetime | None
    devices: list[dict[str, Any]]


def poller_health(profile: Profile | None) -> PollerHealth:
    last = Revision.objects.order_by("-id").values_list("created_at", flat=True).first()
    return PollerHealth(
        acquisition=acquisition(),
        heartbeats=list(PollerHeartbeat.objects.order_by("-beat_at")),
        last_batch_at=last,
        devices=link_rows(profile),
    )
