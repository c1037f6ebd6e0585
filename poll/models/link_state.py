"""The communication state the poller keeps for every field connection."""

from __future__ import annotations

from django.db import models

from poll.live_state import LiveStateModel


class LinkStateModel(LiveStateModel):
    """A device the poller talks to: COMasters and Modbus devices, read alike by operators."""

    LIVE_FIELDS = (
        "online",
        "state_since",
        "last_poll_at",
        "last_error",
        "polls",
        "timeouts",
        "bad_frames",
        "events_received",
        "reconnects",
        "latency_ms",
        "revision",
    )

    online = models.BooleanField(default=False, editable=False)
    state_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_poll_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=300, blank=True, editable=False)
    polls = models.BigIntegerField(default=0, editable=False)
    timeouts = models.BigIntegerField(default=0, editable=False)
    bad_frames = models.BigIntegerField(default=0, editable=False)
    events_received = models.BigIntegerField(default=0, editable=False)
    reconnects = models.BigIntegerField(default=0, editable=False)
    latency_ms = models.FloatField(null=True, blank=True, editable=False)
    revision = models.BigIntegerField(default=0, db_index=True, editable=False)

    class Meta:
        abstract = True
