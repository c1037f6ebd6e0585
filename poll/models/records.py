"""What the field produces: events, energy periods, communication events and history.

Every field record carries a ``dedup_key`` with a unique index: storing the same record
twice (a retried batch, a COMaster's BufRetry answer, a replayed spool) leaves one row.
For Mara records the key is the COMaster and the record's raw bytes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from poll.models.field import IED, COMaster, Profile
from poll.models.modbus import ModbusDevice
from poll.models.mqtt import MqttDevice
from poll.models.points import Point


class Revision(models.Model):
    """One committed write batch. Its id is the revision that rows touched by it carry."""

    created_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"r{self.pk}"


class Event(models.Model):
    """A digital event: the sequence-of-events record of a DI, time-stamped by the IED."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    comaster = models.ForeignKey(
        COMaster, null=True, on_delete=models.SET_NULL, related_name="events"
    )
    di = models.ForeignKey(
        Point,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        verbose_name="DI",
        help_text="Empty when the event names an IED, port or bit that is not configured.",
    )
    ied_address = models.PositiveSmallIntegerField()
    port = models.PositiveSmallIntegerField()
    bit = models.PositiveSmallIntegerField()
    time = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Field time; empty when the device sent an impossible date.",
    )
    value = models.PositiveSmallIntegerField()
    q = models.PositiveSmallIntegerField(default=0)
    raw = models.CharField(max_length=64, help_text="The record as received, in hex.")
    dedup_key = models.CharField(max_length=100, unique=True, editable=False)
    received_at = models.DateTimeField()
    revision = models.BigIntegerField(default=0)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-time", "-id"]
        permissions = [
            ("acknowledge_event", "Can acknowledge events and alarms"),
            ("send_command", "Can send commands to the field"),
        ]
        indexes = [
            models.Index(fields=["profile", "-time"], name="event_profile_time"),
            models.Index(fields=["profile", "revision"], name="event_profile_revision"),
            models.Index(fields=["profile", "acknowledged_at"], name="event_profile_ack"),
        ]

    def __str__(self) -> str:
        di = self.di
        where = di.tag if di is not None else f"IED {self.ied_address} {self.port}.{self.bit}"
        return f"{where} -> {self.value} at {self.time}"


class Energy(models.Model):
    """The energy of a 15-minute period (code 0), the day's last period (1) or a day (3)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    comaster = models.ForeignKey(
        COMaster, null=True, on_delete=models.SET_NULL, related_name="energy"
    )
    ai = models.ForeignKey(
        Point,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="energy",
        verbose_name="AI",
        help_text="Empty when no AI is configured for the IED's channel.",
    )
    ied_address = models.PositiveSmallIntegerField()
    channel = models.PositiveSmallIntegerField()
    time = models.DateTimeField(null=True, blank=True)
    code = models.PositiveSmallIntegerField()
    value = models.BigIntegerField()
    q = models.PositiveSmallIntegerField(default=0)
    raw = models.CharField(max_length=64)
    dedup_key = models.CharField(max_length=100, unique=True, editable=False)
    received_at = models.DateTimeField()
    revision = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-time", "-id"]
        verbose_name_plural = "energy"
        indexes = [models.Index(fields=["ai", "-time"], name="energy_ai_time")]

    def __str__(self) -> str:
        return f"{self.ai or self.channel}: {self.value} at {self.time}"


class ComEvent(models.Model):
    """A communication event: from the COMaster (comsys) or from the poller itself."""

    class Source(models.TextChoices):
        FIELD = "field", "reported by the COMaster"
        POLLER = "poller", "seen by the poller"

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    comaster = models.ForeignKey(
        COMaster, null=True, on_delete=models.SET_NULL, related_name="com_events"
    )
    ied = models.ForeignKey(
        IED, null=True, blank=True, on_delete=models.SET_NULL, related_name="com_events"
    )
    modbus_device = models.ForeignKey(
        ModbusDevice, null=True, blank=True, on_delete=models.SET_NULL, related_name="com_events"
    )
    mqtt_device = models.ForeignKey(
        MqttDevice, null=True, blank=True, on_delete=models.SET_NULL, related_name="com_events"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.FIELD)
    ied_address = models.PositiveSmallIntegerField(null=True, blank=True)
    code = models.PositiveSmallIntegerField()
    reason = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=200, blank=True)
    time = models.DateTimeField(null=True, blank=True)
    raw = models.CharField(max_length=64, blank=True)
    # NULL for events the poller itself records: they need no de-duplication.
    dedup_key = models.CharField(  # noqa: DJ001
        max_length=100, unique=True, null=True, editable=False
    )
    received_at = models.DateTimeField()
    revision = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "communication event"
        indexes = [models.Index(fields=["comaster", "-received_at"], name="comevent_time")]

    def __str__(self) -> str:
        return self.text or f"code {self.code} reason {self.reason}"


class Sample(models.Model):
    """Point history: what the history policy keeps of a point's values.

    On PostgreSQL the table is partitioned by month of ``time`` (``poll.sample_partitions``;
    migration 0010), with the primary key (id, time) at the SQL level: the model keeps ``id``
    as its primary key, unique since ids come from one sequence. The unique (point, time)
    constraint is the only other index: it makes a replayed batch store its samples once and
    serves both reads (a point over a range, many points at one instant).
    """

    # No database constraint: the writer checks a batch's points once, not row by row
    # (migration 0010); deleting a point still deletes its samples (the ORM cascades).
    point = models.ForeignKey(
        Point,
        on_delete=models.CASCADE,
        related_name="samples",
        db_index=False,
        db_constraint=False,
    )
    time = models.DateTimeField()
    value = models.FloatField(null=True)
    q = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["point", "-time"]
        constraints = [
            # A replayed batch stores its samples once; the index of every read by point.
            models.UniqueConstraint(fields=["point", "time"], name="sample_unique_point_time")
        ]

    def __str__(self) -> str:
        return f"{self.point_id}: {self.value} at {self.time}"
