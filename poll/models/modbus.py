"""Modbus devices: a PLC or a meter reached over TCP, directly or behind a serial gateway.

A device's points are ordinary AI and DI points (same table, tags, formulas, screens and
history as the Mara ones) that name the device instead of an IED; see
:class:`~poll.models.points.Point`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from poll.models.field import Profile
from poll.models.link_state import PORT, LinkStateModel
from poll.models.ranges import (
    DAY,
    MAX_REPLY_TIMEOUT,
    MODBUS_SERIAL_UNITS,
    MODBUS_TCP_UNITS,
    MODBUS_UNIT_MAX,
    between,
    validate_finite,
)


class Framing(models.TextChoices):
    TCP = "tcp", "Modbus TCP"
    RTU = "rtu", "RTU framing over TCP (serial gateway)"


class ModbusDevice(LinkStateModel):
    """One Modbus unit and how it is polled, with its communication state.

    Its live fields are a COMaster's, and ``exceptions`` counts exception replies (the
    device answered, but refused a read).
    """

    LIVE_FIELDS = (*LinkStateModel.LIVE_FIELDS, "exceptions")

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="modbus_devices")
    name = models.CharField(max_length=60)
    port = models.PositiveIntegerField(default=502, validators=PORT)
    unit = models.PositiveSmallIntegerField(
        "unit id",
        default=1,
        validators=between(0, MODBUS_UNIT_MAX, "one byte"),
        help_text=(
            "Modbus unit (slave) id: 1..247 behind a serial gateway (the RS485 address); "
            "0..247 or 255 for a Modbus TCP device."
        ),
    )
    framing = models.CharField(max_length=3, choices=Framing.choices, default=Framing.TCP)
    poll_interval = models.FloatField(
        default=1.0,
        validators=[validate_finite, *between(0.5, DAY, "half a second to one day")],
        help_text="Seconds between read cycles (0.5 s to one day).",
    )
    reply_timeout = models.FloatField(
        default=1.0,
        validators=[validate_finite, *between(0.05, MAX_REPLY_TIMEOUT, "seconds")],
        help_text="Seconds to wait for a reply.",
    )
    description = models.TextField(blank=True)

    exceptions = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["profile", "name"]
        verbose_name = "Modbus device"
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "name"],
                name="modbus_device_name_unique_in_profile",
                violation_error_message="A Modbus device with this name exists in the profile.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.unit, int) or self.unit > MODBUS_UNIT_MAX:
            return  # the field's own range says so
        if self.framing == Framing.RTU and self.unit not in MODBUS_SERIAL_UNITS:
            raise ValidationError(
                {"unit": "Behind a serial gateway the unit id is 1..247 (0 is the broadcast)."}
            )
        if self.framing == Framing.TCP and self.unit not in MODBUS_TCP_UNITS:
            raise ValidationError({"unit": "A Modbus TCP unit id is 0..247 or 255."})
