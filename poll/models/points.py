"""Points: system variables (SV), digital inputs (DI) and analog inputs (AI).

All three live in one table, so that a tag is unique within a profile by a database
constraint, and a screen reads the whole current state of a profile in one query. The
proxy models ``SV``, ``DI`` and ``AI`` give each kind its own admin pages and API.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from poll.live_state import LiveStateModel
from poll.models.field import IED, Profile

TAG_PATTERN = r"^[A-Za-z0-9_]+$"
tag_validator = RegexValidator(
    TAG_PATTERN, "A tag is made of letters, digits and underscores only (as formulas name it)."
)


class PointKind(models.TextChoices):
    SV = "sv", "System variable"
    DI = "di", "Digital input"
    AI = "ai", "Analog input"


class Quality(models.IntegerChoices):
    """Mara qualifiers; anything but NORMAL must show on screen."""

    NORMAL = 0, "normal"
    STALLED = 1, "stalled or forced"
    CALCULATED = 2, "calculated"
    OTHER = 3, "other"


class Point(LiveStateModel):
    """One measured or signalled value of the field, bound to an IED."""

    LIVE_FIELDS = ("value", "q", "current", "updated_at", "revision")

    profile = models.ForeignKey(
        Profile, on_delete=models.CASCADE, related_name="points", editable=False
    )
    ied = models.ForeignKey(
        IED, on_delete=models.CASCADE, related_name="points", verbose_name="IED"
    )
    kind = models.CharField(max_length=2, choices=PointKind.choices)
    tag = models.CharField(max_length=40, validators=[tag_validator])
    description = models.CharField(max_length=200, blank=True)
    offset = models.PositiveSmallIntegerField(
        help_text="Position within the IED: byte for an SV, order for a DI or AI."
    )
    port = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(7)], help_text="DI: port in events."
    )
    bit = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(15)],
        help_text="DI: bit in events. SV: the bit of the byte (empty = the whole byte).",
    )
    inverted = models.BooleanField(default=False, help_text="DI: store the inverted signal.")
    text_off = models.CharField("text for 0", max_length=40, blank=True)
    text_on = models.CharField("text for 1", max_length=40, blank=True)
    channel = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(7)],
        help_text="AI: the IED's energy channel this AI records, if any.",
    )
    unit = models.CharField(max_length=20, blank=True)
    escala = models.FloatField(default=1.0, help_text="AI: engineering value = raw x escala.")
    low_limit = models.FloatField(null=True, blank=True)
    high_limit = models.FloatField(null=True, blank=True)
    deadband = models.FloatField(
        default=0.0,
        validators=[MinValueValidator(0.0)],
        help_text="AI: history keeps a sample when the value moves more than this.",
    )

    # Live state, maintained by the poller.
    value = models.FloatField(null=True, blank=True, editable=False)
    q = models.PositiveSmallIntegerField(
        choices=Quality.choices, default=Quality.NORMAL, editable=False
    )
    current = models.BooleanField(
        default=False, editable=False, help_text="False while its source does not answer."
    )
    updated_at = models.DateTimeField(null=True, blank=True, editable=False)
    revision = models.BigIntegerField(default=0, editable=False)

    KIND: ClassVar[str | None] = None

    class Meta:
        ordering = ["tag"]
        indexes = [
            models.Index(fields=["profile", "revision"], name="point_profile_revision"),
            models.Index(fields=["ied", "kind", "offset"], name="point_ied_kind_offset"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "tag"],
                name="point_tag_unique_in_profile",
                violation_error_message="This tag is already used in the profile.",
            ),
            models.UniqueConstraint(
                fields=["ied", "offset"],
                condition=Q(kind="di"),
                name="di_offset_unique_in_ied",
                violation_error_message="Another DI of this IED has this offset.",
            ),
            models.UniqueConstraint(
                fields=["ied", "port", "bit"],
                condition=Q(kind="di"),
                name="di_port_bit_unique_in_ied",
                violation_error_message="Another DI of this IED has this port and bit.",
            ),
            models.UniqueConstraint(
                fields=["ied", "offset"],
                condition=Q(kind="ai"),
                name="ai_offset_unique_in_ied",
                violation_error_message="Another AI of this IED has this offset.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["sv", "di", "ai"]), name="point_kind_known"
            ),
            models.CheckConstraint(
                condition=~Q(kind="di") | (Q(port__isnull=False) & Q(bit__isnull=False)),
                name="di_has_port_and_bit",
                violation_error_message="A DI needs a port and a bit.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="sv") | Q(bit__isnull=True) | Q(bit__lte=7),
                name="sv_bit_in_byte",
                violation_error_message="An SV bit is 0..7.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind.upper()} {self.tag}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.KIND and not self.kind:
            self.kind = self.KIND
        if self.ied_id and not self.profile_id:
            self.profile_id = self.ied.comaster.profile_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.KIND and not self.kind:
            self.kind = self.KIND
        if self.ied_id:
            self.profile_id = self.ied.comaster.profile_id

    def validate_constraints(self, exclude: Any = None) -> None:
        """Name the point that already holds a duplicate tag, as engineers need to know."""
        if self.profile_id and self.tag:
            other = (
                Point.objects.filter(profile_id=self.profile_id, tag=self.tag)
                .exclude(pk=self.pk)
                .select_related("ied__comaster")
                .first()
            )
            if other is not None:
                raise ValidationError(
                    {
                        "tag": (
                            f"Tag {self.tag} is already used by {other.get_kind_display()} "
                            f"'{other.description or other.tag}' on IED {other.ied.name} of "
                            f"COMaster {other.ied.comaster.name}."
                        )
                    }
                )
        super().validate_constraints(exclude=exclude)


class KindManager(models.Manager):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(kind=self.kind)


class SV(Point):
    KIND = PointKind.SV
    objects = KindManager(PointKind.SV)

    class Meta:
        proxy = True
        verbose_name = "SV (system variable)"
        verbose_name_plural = "SVs (system variables)"


class DI(Point):
    KIND = PointKind.DI
    objects = KindManager(PointKind.DI)

    class Meta:
        proxy = True
        verbose_name = "DI (digital input)"
        verbose_name_plural = "DIs (digital inputs)"

    @property
    def text(self) -> str:
        if self.value is None:
            return ""
        return self.text_on if self.value else self.text_off


class AI(Point):
    KIND = PointKind.AI
    objects = KindManager(PointKind.AI)

    class Meta:
        proxy = True
        verbose_name = "AI (analog input)"
        verbose_name_plural = "AIs (analog inputs)"
