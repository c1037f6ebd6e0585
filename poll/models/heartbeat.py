"""The poller's heartbeat: one tiny row per poller, touched by its writer thread.

The web tier reads it to tell operators that acquisition stopped, at once and for every
device, instead of waiting for each device's own timeout (docs/deployment.md, "Knowing
that data is stale"). The writer touches it only while it reaches the database, so a
poller cut off from the database counts as stopped too: nothing new is being stored.
"""

from __future__ import annotations

from django.db import models


class PollerHeartbeat(models.Model):
    name = models.CharField(max_length=100, unique=True, help_text="the poller's host name")
    started_at = models.DateTimeField(help_text="when this poller process started")
    beat_at = models.DateTimeField(help_text="the writer's last visit to the database")
    backlog = models.PositiveIntegerField(
        default=0, help_text="journal entries not yet written to the database, at the beat"
    )

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
