"""Whether acquisition runs, from the pollers' heartbeats (poll.models.PollerHeartbeat).

Acquisition counts as stopped when the newest heartbeat is older than
ACQUISITION_STALE_SECONDS (default 10: five of the writer's 2-second beats), or when no
poller has ever beaten. Then every value on every screen is out of date, whatever the
per-device timeouts say, and the console says so at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from poll.models import PollerHeartbeat

DEFAULT_STALE_SECONDS = 10.0


@dataclass(frozen=True)
class Acquisition:
    running: bool
    last_beat: datetime | None
    """The newest heartbeat: since when acquisition is stopped, when it is."""
    stale_after: float

    def as_json(self) -> dict[str, object]:
        return {
            "running": self.running,
            "lastBeat": self.last_beat.isoformat() if self.last_beat else None,
            "staleAfter": self.stale_after,
        }


def stale_seconds() -> float:
    value = getattr(settings, "ACQUISITION_STALE_SECONDS", None)
    if value is None:
        return float(os.environ.get("ACQUISITION_STALE_SECONDS", DEFAULT_STALE_SECONDS))
    return float(value)


def acquisition() -> Acquisition:
    """One query: the newest heartbeat of all pollers."""
    last = PollerHeartbeat.objects.aggregate(last=Max("beat_at"))["last"]
    stale = stale_seconds()
    running = last is not None and timezone.now() - last <= timedelta(seconds=stale)
    return Acquisition(running=running, last_beat=last, stale_after=stale)
