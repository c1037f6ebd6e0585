"""The writer thread's heartbeat row (poll.models.PollerHeartbeat), touched at most every
POLL_HEARTBEAT_INTERVAL seconds (default 2) by one UPDATE (an INSERT the first time)."""

from __future__ import annotations

import socket
import time
from datetime import datetime

from django.utils import timezone

from poll.acquisition.options import _number
from poll.models.heartbeat import PollerHeartbeat


class Heartbeat:
    def __init__(self, name: str, interval: float) -> None:
        self.name = name
        self.interval = interval
        self.started_at: datetime = timezone.now()
        self._due = 0.0

    @classmethod
    def from_settings(cls) -> Heartbeat:
        return cls(socket.gethostname(), _number("POLL_HEARTBEAT_INTERVAL", 2.0))

    def beat(self, backlog: int = 0) -> None:
        """Touch the row if it is time, with the journal's ``backlog`` (writer thread;
        database errors go to the caller)."""
        now = time.monotonic()
        if now < self._due:
            return
        stamp = timezone.now()
        touched = PollerHeartbeat.objects.filter(name=self.name).update(
            beat_at=stamp, started_at=self.started_at, backlog=backlog
        )
        if not touched:
            PollerHeartbeat.objects.create(
                name=self.name, beat_at=stamp, started_at=self.started_at, backlog=backlog
            )
        self._due = now + self.interval
