"""Buildings, flats, which meter measures which flat when, and the quarter-hour readings.

A flat's series is the readings of the meters assigned to it, in time: when a meter is
replaced, the old assignment ends at the moment the new one starts, the old meter's reading
at that boundary closes its period and the new meter's opens a new series, so consumption
(always the difference of two readings of one meter) never spans two meters.

Registers are kept in whole watt-hours (varh): the report's totals are sums of integers and
match the readings exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from poll.models import ModbusDevice, Profile


class Building(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="buildings")
    name = models.CharField(max_length=100)
    address = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "name"], name="building_name_in_profile")
        ]

    def __str__(self) -> str:
        return self.name


class Flat(models.Model):
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="flats")
    name = models.CharField(max_length=60)
    floor = models.CharField(max_length=20, blank=True)
    occupant = models.CharField(max_length=120, blank=True)
    email = models.EmailField("contact e-mail", blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["building", "name"]
        constraints = [
            models.UniqueConstraint(fields=["building", "name"], name="flat_name_in_building")
        ]

    def __str__(self) -> str:
        return f"{self.building.name} / {self.name}"


class MeterAssignment(models.Model):
    """The meter (an SDM630 Modbus device) that measures ``flat`` from ``start`` until ``end``
    (open when empty). At ``end`` the meter's reading closes its period."""

    flat = models.ForeignKey(Flat, on_delete=models.CASCADE, related_name="assignments")
    meter = models.ForeignKey(ModbusDevice, on_delete=models.CASCADE, related_name="assignments")
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True, help_text="Empty: still measuring.")

    class Meta:
        ordering = ["flat", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=models.F("start")),
                name="assignment_end_after_start",
                violation_error_message="The end must come after the start.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.meter} on {self.flat}"

    def clean(self) -> None:
        super().clean()
        if self.start is None or (self.end is not None and self.end <= self.start):
            return  # the fields and the check constraint say so
        overlapping = MeterAssignment.objects.exclude(pk=self.pk).filter(start__lt=self.end or _FAR)
        overlapping = overlapping.filter(Q(end__isnull=True) | Q(end__gt=self.start))
        if self.flat_id and overlapping.filter(flat_id=self.flat_id).exists():
            raise ValidationError(
                {"start": "Another meter measures this flat in this period (end it first)."}
            )
        if self.meter_id and overlapping.filter(meter_id=self.meter_id).exists():
            raise ValidationError({"meter": "This meter measures another flat in this period."})


_FAR = datetime(9999, 12, 31, tzinfo=UTC)


class Status(models.TextChoices):
    MEASURED = "m", "measured"
    ESTIMATED = "e", "estimated"
    MISSING = "x", "missing"


class Reading(models.Model):
    """A meter's registers fixed at one quarter-hour boundary ``time`` (UTC).

    ``consumption_wh`` is the import energy since the meter's previous reading with a value
    (empty when this one starts a series: the meter's first on the flat, or a register that
    went backwards); ``demand_w`` the 15-minute average demand when that previous reading is
    the one 15 minutes before.
    """

    meter = models.ForeignKey(ModbusDevice, on_delete=models.CASCADE, related_name="+")
    flat = models.ForeignKey(Flat, on_delete=models.CASCADE, related_name="readings")
    time = models.DateTimeField()
    status = models.CharField(max_length=1, choices=Status.choices)
    import_wh = models.BigIntegerField(null=True)
    export_wh = models.BigIntegerField(null=True)
    import_varh = models.BigIntegerField(null=True)
    export_varh = models.BigIntegerField(null=True)
    new_series = models.BooleanField(default=False)
    consumption_wh = models.BigIntegerField(null=True)
    demand_w = models.BigIntegerField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meter", "time"], name="reading_meter_time")]
        indexes = [models.Index(fields=["flat", "time"], name="reading_flat_time")]
        permissions = [("download_reading", "Can download readings and reports")]

    def __str__(self) -> str:
        return f"{self.meter_id} {self.time} {self.status}"


class MeterState(models.Model):
    """What the mails know of a meter: silent since when, and whether that was mailed."""

    meter = models.OneToOneField(ModbusDevice, on_delete=models.CASCADE, related_name="+")
    silent_mailed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.meter_id} silent_mailed={self.silent_mailed}"


class Progress(models.Model):
    """How far the readings job got: the last boundary it fixed (one row)."""

    name = models.CharField(max_length=40, unique=True)
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.until}"
