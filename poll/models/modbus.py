"""Modbus devices: a PLC or a meter reached over TCP, directly or behind a serial gateway.

A device's points are ordinary AI and DI points (same table, tags, formulas, screens and
history as the Mara ones) that name the device instead of an IED; see
:class:`~poll.models.points.Point`.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from poll.models.field import Profile
from poll.models.link_state import LinkStateModel

DAY = 86_400.0


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
    host = models.CharField(max_length=255, help_text="IP address or host name.")
    port = models.PositiveIntegerField(default=502, validators=[MaxValueValidator(65535)])
    unit = models.PositiveSmallIntegerField(
        "unit id",
        default=1,
        validators=[MaxValueValidator(255)],
        help_text="Modbus unit (slave) id; behind a serial gateway, the RS485 address.",
    )
    framing = models.CharField(max_length=3, choices=Framing.choices, default=Framing.TCP)
    enabled = models.BooleanField(default=True)
    poll_interval = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0.5), MaxValueValidator(DAY)],
        help_text="Seconds between read cycles (0.5 s to one day).",
    )
    reply_timeout = models.FloatField(
        default=1.0, validators=[MinValueValidator(0.05)], help_text="Seconds to wait for a reply."
    )
    retries = models.PositiveSmallIntegerField(
        default=3,
        validators=[MaxValueValidator(20)],
        help_text="Tries after the first before the device is marked offline.",
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
