"""Profiles, COMasters and IEDs: the tree an engineer configures."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q

from poll.live_state import LiveStateModel
from poll.models.link_state import PORT, LinkStateModel
from poll.models.ranges import (
    DAY,
    IED_ADDRESS_MAX,
    MARA_STATION_MAX,
    MAX_REPLY_TIMEOUT,
    between,
    validate_finite,
)
from protocols.mara.constants import DEFAULT_COMASTER_ADDRESS, MASTER_ADDRESS

MARA_STATION = between(0, MARA_STATION_MAX, "one byte; 255 is the broadcast")


class Profile(LiveStateModel):
    """A whole site configuration. Exactly one is active: the one the poller runs."""

    LIVE_FIELDS = ("config_version",)

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(
        default=False, help_text="The poller and the screens use the active profile."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    config_version = models.BigIntegerField(
        default=0,
        editable=False,
        help_text="Counts configuration changes; the running poller follows it (poll/signals.py).",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"],
                condition=Q(active=True),
                name="one_active_profile",
                violation_error_message="Another profile is already active; deactivate it first.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def get_active(cls) -> Profile:
        """The active profile; raises ``Profile.DoesNotExist`` when none is."""
        return cls.objects.get(active=True)

    def activate(self) -> None:
        """Make this the active profile, deactivating the one that was."""
        with transaction.atomic():
            Profile.objects.filter(active=True).exclude(pk=self.pk).update(active=False)
            self.active = True
            self.save(update_fields=["active"])


class COMaster(LinkStateModel):
    """A Mara concentrator reached over TCP, with its communication state."""

    LIVE_FIELDS = (*LinkStateModel.LIVE_FIELDS, "seq")

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="comasters")
    name = models.CharField(max_length=60)
    port = models.PositiveIntegerField(default=9761, validators=PORT)
    address = models.PositiveSmallIntegerField(
        default=DEFAULT_COMASTER_ADDRESS,
        validators=MARA_STATION,
        help_text="The COMaster's Mara address.",
    )
    master_address = models.PositiveSmallIntegerField(
        default=MASTER_ADDRESS, validators=MARA_STATION, help_text="Our Mara address (0x40 = 64)."
    )
    poll_interval = models.FloatField(
        default=5.0,
        validators=[validate_finite, *between(0.5, DAY, "half a second to one day")],
        help_text="Seconds between polls.",
    )
    reply_timeout = models.FloatField(
        default=2.0,
        validators=[validate_finite, *between(0.1, MAX_REPLY_TIMEOUT, "seconds")],
        help_text="Seconds to wait for a reply.",
    )
    time_set_interval = models.FloatField(
        default=3600.0,
        validators=[validate_finite, *between(10, DAY, "ten seconds to one day")],
        help_text="Seconds between time-set (PEH) broadcasts.",
    )
    description = models.TextField(blank=True)
    seq = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="SEQ of the last reply stored: where any poller that takes the link resumes.",
    )

    class Meta:
        ordering = ["profile", "name"]
        verbose_name = "COMaster"
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "name"],
                name="comaster_name_unique_in_profile",
                violation_error_message="A COMaster with this name exists in the profile.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.address is not None and self.address == self.master_address:
            raise ValidationError(
                {"master_address": "Our address must differ from the COMaster's address."}
            )


class IED(models.Model):
    """A field device behind a COMaster, reached on RS485."""

    comaster = models.ForeignKey(COMaster, on_delete=models.CASCADE, related_name="ieds")
    offset = models.PositiveSmallIntegerField(
        help_text="Order of this IED in the COMaster's tables (0 = the COMaster itself)."
    )
    address = models.PositiveSmallIntegerField(
        validators=between(0, IED_ADDRESS_MAX, "4 bits in events; 0 is the COMaster itself"),
        help_text="RS485 address, as it appears in events (0..15).",
    )
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["comaster", "offset"]
        verbose_name = "IED"
        constraints = [
            models.UniqueConstraint(
                fields=["comaster", "address"],
                name="ied_address_unique_in_comaster",
                violation_error_message="Another IED of this COMaster has this RS485 address.",
            ),
            models.UniqueConstraint(
                fields=["comaster", "offset"],
                name="ied_offset_unique_in_comaster",
                violation_error_message="Another IED of this COMaster has this offset.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.comaster.name} / {self.name}"
