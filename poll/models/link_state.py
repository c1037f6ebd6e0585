"""What every field connection shares: how it is reached and tried, and the communication
state the poller keeps for it."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from poll.live_state import LiveStateModel
from poll.models.ranges import MAX_ATTEMPTS, between, validate_host

PORT = between(1, 65535, "a TCP port")


class LinkState(LiveStateModel):
    """The communication state the poller keeps for any link: a polled device, or an MQTT
    device that publishes (which has no host or attempts of its own)."""

    LIVE_FIELDS: ClassVar[tuple[str, ...]] = (
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

    enabled = models.BooleanField(default=True)

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
    # Not indexed, like every live-state column: the poller rewrites the state of every
    # link that answered in each batch, and an update that touches no indexed column can
    # be HOT (see Point). No reader looks links up by revision.
    revision = models.BigIntegerField(default=0, editable=False)

    class Meta:
        abstract = True


class LinkStateModel(LinkState):
    """A device the poller talks to: COMasters and Modbus devices, read alike by operators.

    ``attempts`` has one meaning for both (it once was ``retries``, the total for a COMaster
    but the tries after the first for a Modbus device): every request is sent at most this
    many times, the first included, before the link is given up and marked offline.
    """

    host = models.CharField(
        max_length=255, validators=[validate_host], help_text="IP address or host name."
    )
    shard = models.CharField(
        max_length=60,
        blank=True,
        help_text=(
            "The pollers that may poll it: those started with poll --shard of this name "
            "(empty: any poller)."
        ),
    )
    attempts = models.PositiveSmallIntegerField(
        default=3,
        validators=between(1, MAX_ATTEMPTS, "tries of a request, the first included"),
        help_text=(
            "Times a request is sent, the first included, before the device is marked offline."
        ),
    )

    class Meta:
        abstract = True
