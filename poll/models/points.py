"""Points: system variables (SV), digital inputs (DI) and analog inputs (AI).

All three live in one table, so that a tag is unique within a profile by a database
constraint, and a screen reads the whole current state of a profile in one query. The
proxy models ``SV``, ``DI`` and ``AI`` give each kind its own admin pages and API.

A point has exactly one source: an IED behind a COMaster (Mara), a Modbus device or an MQTT
device (topic and payload path, :mod:`poll.models.mqtt`). A
Modbus point is an AI or a DI and says where its value sits (table, address, data type,
bit, word order); its engineering value is ``raw x escala + value_offset``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from poll.live_state import LiveStateModel
from poll.models.field import IED, Profile
from poll.models.modbus import ModbusDevice
from poll.models.mqtt import MqttDevice
from poll.models.ranges import (
    DI_BIT_MAX,
    DI_PORT_MAX,
    ENERGY_CHANNEL_MAX,
    MODBUS_ADDRESS_MAX,
    SV_OFFSET_MAX,
    at_least,
    between,
    validate_finite,
    validate_not_zero,
)
from protocols.modbus import DataType as WireDataType
from protocols.modbus import Point as WirePoint
from protocols.modbus import Table, ValueFormat
from protocols.modbus import WordOrder as WireWordOrder
from protocols.mqtt import BadPath, PayloadPath, check_filter

TAG_PATTERN = r"^[A-Za-z0-9_]+$"
tag_validator = RegexValidator(
    TAG_PATTERN, "A tag is made of letters, digits and underscores only (as formulas name it)."
)


class PointKind(models.TextChoices):
    SV = "sv", "System variable"
    DI = "di", "Digital input"
    AI = "ai", "Analog input"


class ModbusTable(models.TextChoices):
    COIL = "coil", "coil"
    DISCRETE_INPUT = "discrete_input", "discrete input"
    HOLDING_REGISTER = "holding_register", "holding register"
    INPUT_REGISTER = "input_register", "input register"


class DataType(models.TextChoices):
    BOOL = "bool", "bool"
    INT16 = "int16", "int16"
    UINT16 = "uint16", "uint16"
    INT32 = "int32", "int32"
    UINT32 = "uint32", "uint32"
    FLOAT32 = "float32", "float32"
    FLOAT64 = "float64", "float64"


class WordOrder(models.TextChoices):
    ABCD = "ABCD", "ABCD (high word first)"
    CDAB = "CDAB", "CDAB (low word first)"


IED_POINT = Q(ied__isnull=False)
MODBUS_POINT = Q(modbus_device__isnull=False)
MQTT_POINT = Q(mqtt_device__isnull=False)


class Quality(models.IntegerChoices):
    """Mara qualifiers; anything but NORMAL must show on screen. ``NO_DATA`` is never a
    point's live quality: it marks the history sample written when its source stopped
    answering (value NULL), so that a trend shows a gap over the outage."""

    NORMAL = 0, "normal"
    STALLED = 1, "stalled or forced"
    CALCULATED = 2, "calculated"
    OTHER = 3, "other"
    NO_DATA = 4, "no data"


class HistoryMode(models.TextChoices):
    """What the historian keeps of a point (docs/history.md). Empty: its kind's default,
    deadband for an AI, every change for a DI or an SV."""

    DEFAULT = "", "default (AI: deadband; DI, SV: on change)"
    OFF = "off", "off"
    CHANGE = "change", "on change"
    DEADBAND = "deadband", "deadband, with minimum and maximum interval"
    EVERY = "every", "every reading"


HISTORY_FIELDS = (
    "history",
    "deadband",
    "deadband_percent",
    "history_min_interval",
    "history_max_interval",
)
"""A point's history policy, on every kind of point (admin pages, profile files)."""
HISTORY_MAX_INTERVAL = 900.0
"""Seconds: the default heartbeat, a sample even when the value stays flat."""


class Point(LiveStateModel):
    """One measured or signalled value of the field, bound to an IED or a Modbus device."""

    LIVE_FIELDS = ("value", "q", "current", "updated_at", "revision")

    profile = models.ForeignKey(
        Profile, on_delete=models.CASCADE, related_name="points", editable=False
    )
    ied = models.ForeignKey(
        IED,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="points",
        verbose_name="IED",
    )
    modbus_device = models.ForeignKey(
        ModbusDevice, null=True, blank=True, on_delete=models.CASCADE, related_name="points"
    )
    mqtt_device = models.ForeignKey(
        MqttDevice,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="points",
        verbose_name="MQTT device",
    )
    kind = models.CharField(max_length=2, choices=PointKind.choices)
    tag = models.CharField(max_length=40, validators=[tag_validator])
    description = models.CharField(max_length=200, blank=True)
    offset = models.PositiveSmallIntegerField(
        default=0, help_text="Position within the IED: byte for an SV, order for a DI or AI."
    )
    port = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=between(0, DI_PORT_MAX, "3 bits in events"),
        help_text="DI: port in events.",
    )
    bit = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=between(0, DI_BIT_MAX, "4 bits in events; a register's 16 bits"),
        help_text=(
            "DI: bit in events. SV: the bit of the byte (empty = the whole byte). "
            "Modbus: the bit of a register (empty = the whole register)."
        ),
    )
    inverted = models.BooleanField(default=False, help_text="DI: store the inverted signal.")
    text_off = models.CharField("text for 0", max_length=40, blank=True)
    text_on = models.CharField("text for 1", max_length=40, blank=True)
    channel = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=between(0, ENERGY_CHANNEL_MAX, "3 bits in energy events"),
        help_text="AI: the IED's energy channel this AI records, if any.",
    )
    unit = models.CharField(max_length=20, blank=True)
    escala = models.FloatField(
        default=1.0,
        validators=[validate_finite, validate_not_zero],
        help_text="AI: engineering value = raw x escala.",
    )
    low_limit = models.FloatField(null=True, blank=True, validators=[validate_finite])
    high_limit = models.FloatField(null=True, blank=True, validators=[validate_finite])

    # What the historian keeps (any kind of point; docs/history.md).
    history = models.CharField(
        max_length=8, choices=HistoryMode.choices, default=HistoryMode.DEFAULT, blank=True
    )
    deadband = models.FloatField(
        default=0.0,
        validators=[validate_finite, *at_least(0, "a change of value")],
        help_text="History keeps a sample when the value moves more than this.",
    )
    deadband_percent = models.BooleanField(
        "deadband in %",
        default=False,
        help_text="The deadband is a % of the point's span (high limit - low limit).",
    )
    history_min_interval = models.FloatField(
        "minimum interval",
        default=0.0,
        validators=[validate_finite, *at_least(0, "seconds")],
        help_text="Seconds: no sample sooner than this after the last one (quality changes "
        "and communication losses are always kept).",
    )
    history_max_interval = models.FloatField(
        "maximum interval",
        default=HISTORY_MAX_INTERVAL,
        validators=[validate_finite, *at_least(0, "seconds")],
        help_text="Seconds: a sample even when the value stays flat (0: none).",
    )

    # Where a Modbus point's value sits.
    table = models.CharField(max_length=16, choices=ModbusTable.choices, blank=True)
    address = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=between(0, MODBUS_ADDRESS_MAX, "a Modbus address"),
        help_text="Modbus address.",
    )
    data_type = models.CharField(max_length=8, choices=DataType.choices, blank=True)
    word_order = models.CharField(
        max_length=4,
        choices=WordOrder.choices,
        default=WordOrder.ABCD,
        blank=True,
        help_text="Modbus: for values wider than a register (empty = ABCD).",
    )
    value_offset = models.FloatField(
        "offset",
        default=0.0,
        validators=[validate_finite],
        help_text="Modbus: engineering value = raw x escala + offset.",
    )
    writable = models.BooleanField(default=False, help_text="Modbus: a coil or holding register.")
    alarm = models.BooleanField(
        default=False, help_text="Modbus DI: a 0 -> 1 edge is stored as a time-stamped event."
    )

    # Where an MQTT point's value sits (scale and offset are escala and offset).
    topic = models.CharField(
        max_length=200, blank=True, help_text="MQTT: the topic; + and # wildcards allowed."
    )
    payload_path = models.CharField(
        max_length=200,
        blank=True,
        help_text=(
            "MQTT: where the value sits: empty for a plain payload, meas1 for a JSON field, "
            "[number == 0].vreq for a field of the list element whose number is 0."
        ),
    )
    stale_after = models.FloatField(
        null=True,
        blank=True,
        validators=[validate_finite, *at_least(0.1, "seconds")],
        help_text="MQTT: seconds without a message before the point is not current "
        "(empty: 3 times its device's expected period).",
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
        # No index covers a live-state column (value, q, current, updated_at, revision):
        # the poller rewrites those in every batch, and an update that touches no indexed
        # column can be HOT (a new row version on the same page, no index entries), which
        # the free space the migration leaves in each page (fillfactor) makes possible. No
        # reader looks points up by revision (screens follow their elements' revisions).
        indexes = [
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
                condition=Q(kind="di") & IED_POINT,
                name="di_offset_unique_in_ied",
                violation_error_message="Another DI of this IED has this offset.",
            ),
            models.UniqueConstraint(
                fields=["ied", "port", "bit"],
                condition=Q(kind="di") & IED_POINT,
                name="di_port_bit_unique_in_ied",
                violation_error_message="Another DI of this IED has this port and bit.",
            ),
            models.UniqueConstraint(
                fields=["ied", "offset"],
                condition=Q(kind="ai") & IED_POINT,
                name="ai_offset_unique_in_ied",
                violation_error_message="Another AI of this IED has this offset.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["sv", "di", "ai"]), name="point_kind_known"
            ),
            models.CheckConstraint(
                condition=~Q(kind="di")
                | MODBUS_POINT
                | MQTT_POINT
                | (Q(port__isnull=False) & Q(bit__isnull=False)),
                name="di_has_port_and_bit",
                violation_error_message="A DI needs a port and a bit.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="sv") | Q(bit__isnull=True) | Q(bit__lte=7),
                name="sv_bit_in_byte",
                violation_error_message="An SV bit is 0..7.",
            ),
            models.CheckConstraint(
                condition=(IED_POINT & ~MODBUS_POINT & ~MQTT_POINT)
                | (~IED_POINT & MODBUS_POINT & ~MQTT_POINT)
                | (~IED_POINT & ~MODBUS_POINT & MQTT_POINT),
                name="point_has_one_source",
                violation_error_message=(
                    "A point belongs to an IED, to a Modbus device or to an MQTT device."
                ),
            ),
            models.CheckConstraint(
                condition=~MQTT_POINT | (Q(kind__in=["di", "ai"]) & ~Q(topic="")),
                name="mqtt_point_has_topic",
                violation_error_message="An MQTT point is an AI or a DI with a topic.",
            ),
            models.CheckConstraint(
                condition=~MODBUS_POINT
                | (
                    Q(kind__in=["di", "ai"])
                    & ~Q(table="")
                    & Q(address__isnull=False)
                    & ~Q(data_type="")
                ),
                name="modbus_point_has_address",
                violation_error_message=(
                    "A Modbus point is an AI or a DI with a table, an address and a data type."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind.upper()} {self.tag}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.KIND and not self.kind:
            self.kind = self.KIND
        if not self.profile_id:
            self._take_profile_of_source()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.KIND and not self.kind:
            self.kind = self.KIND
        self._take_profile_of_source()
        problems: dict[str, str] = {}
        if self.kind == PointKind.SV and _above(self.offset, SV_OFFSET_MAX):
            problems["offset"] = f"An SV is a byte of its IED's 6-byte block: 0..{SV_OFFSET_MAX}."
        low, high = self.low_limit, self.high_limit
        if low is not None and high is not None and _numbers(low, high) and low > high:
            problems["high_limit"] = "The high limit must not be below the low limit."
        problems.update(self._history_problems())
        if self.modbus_device is not None:  # saved, or still unsaved in a profile file
            problems.update(self._modbus_problems())
        if self.mqtt_device is not None:
            problems.update(self._mqtt_problems())
        if problems:
            raise ValidationError(problems)

    @property
    def history_mode(self) -> str:
        """The history policy in force: the chosen one, or its kind's default."""
        if self.history:
            return self.history
        kind = self.kind or self.KIND  # an AI() not saved yet has no kind
        return HistoryMode.DEADBAND if kind == PointKind.AI else HistoryMode.CHANGE

    @property
    def span(self) -> float | None:
        """High limit - low limit, when both are given and high is above low."""
        low, high = self.low_limit, self.high_limit
        if low is None or high is None or not _numbers(low, high) or high <= low:
            return None
        return float(high - low)

    def _history_problems(self) -> dict[str, str]:
        """A history policy that could not work as written."""
        problems: dict[str, str] = {}
        low, high = self.history_min_interval, self.history_max_interval
        if _numbers(low, high) and high > 0 and low >= high:
            problems["history_min_interval"] = (
                f"The minimum interval ({low:g} s) must be shorter than the maximum interval "
                f"({high:g} s; 0 for none)."
            )
        if self.deadband_percent and self.history_mode == HistoryMode.DEADBAND:
            if self.span is None:
                problems["deadband_percent"] = (
                    "A deadband in % of the span needs a low and a high limit, high above low."
                )
            elif _numbers(self.deadband) and self.deadband > 100:
                problems["deadband"] = "A deadband in % of the span is at most 100."
        return problems

    def _mqtt_problems(self) -> dict[str, str]:
        """The topic filter and payload path, checked by the MQTT package's own rules."""
        problems: dict[str, str] = {}
        for name, check in (("topic", check_filter), ("payload_path", PayloadPath.parse)):
            text = getattr(self, name)
            if text:
                try:
                    check(text)
                except BadPath as error:
                    problems[name] = str(error)
        return problems

    def _modbus_problems(self) -> dict[str, str]:
        """Where a Modbus point's value sits, checked by the Modbus package's own rules."""
        if not (self.table and self.data_type and self.address is not None):
            return {}  # the constraint modbus_point_has_address reports it
        if not self._valid_fields(*MODBUS_FIELDS):
            return {}  # the fields' own validation reports them
        table, data_type = Table(self.table), WireDataType(self.data_type)
        if self.kind == PointKind.DI and data_type is not WireDataType.BOOL:
            return {"data_type": "A Modbus DI is a bool: a coil, a discrete input or a bit."}
        if self.kind == PointKind.AI and data_type is WireDataType.BOOL:
            return {"data_type": "A Modbus AI is a number; a bool is a DI."}
        last = self.address + (1 if table.is_bits else data_type.registers) - 1
        if last > MODBUS_ADDRESS_MAX:
            return {"address": f"The value would end at {last}, past {MODBUS_ADDRESS_MAX}."}
        try:
            WirePoint(
                tag=self.tag,
                table=table,
                address=self.address,
                format=ValueFormat(
                    data_type=data_type,
                    word_order=WireWordOrder(self.word_order or WordOrder.ABCD),
                    bit=None if table.is_bits else self.bit,
                    scale=self.escala,
                    offset=self.value_offset,
                ),
                writable=self.writable,
            )
        except ValueError as error:
            return {NON_FIELD_ERRORS: str(error)}
        return {}

    def _take_profile_of_source(self) -> None:
        if (ied := self.ied) is not None:
            self.profile_id = ied.comaster.profile_id
        elif (device := self.modbus_device) is not None:
            self.profile_id = device.profile_id
        elif (mqtt_device := self.mqtt_device) is not None:
            self.profile_id = mqtt_device.profile_id

    @property
    def source_name(self) -> str:
        """Where the point comes from, as an engineer names it."""
        if (device := self.modbus_device) is not None:
            return f"Modbus device {device.name}"
        if (mqtt_device := self.mqtt_device) is not None:
            return f"MQTT device {mqtt_device.name}"
        if (ied := self.ied) is not None:
            return f"IED {ied.name} of COMaster {ied.comaster.name}"
        return "no source"

    def validate_constraints(self, exclude: Any = None) -> None:
        """Name the point that already holds a duplicate tag, as engineers need to know."""
        if self.profile_id and self.tag:
            other = (
                Point.objects.filter(profile_id=self.profile_id, tag=self.tag)
                .exclude(pk=self.pk)
                .select_related("ied__comaster", "modbus_device")
                .first()
            )
            if other is not None:
                raise ValidationError(
                    {
                        "tag": (
                            f"Tag {self.tag} is already used by {other.get_kind_display()} "
                            f"'{other.description or other.tag}' on {other.source_name}."
                        )
                    }
                )
        super().validate_constraints(exclude=exclude)

    def _valid_fields(self, *names: str) -> bool:
        """Whether these fields pass their own validation (reported on its own)."""
        for field in self._meta.fields:
            if field.name in names:
                try:
                    field.clean(getattr(self, field.name), self)
                except ValidationError:
                    return False
        return True


MODBUS_FIELDS = ("table", "address", "data_type", "word_order", "bit", "escala", "value_offset")
"""What the Modbus package reads of a point."""


def _above(value: Any, limit: int) -> bool:
    return isinstance(value, int) and value > limit


def _numbers(*values: Any) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


class KindManager(models.Manager):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(kind=self.kind)


class SV(Point):
    KIND = PointKind.SV
    objects: ClassVar[KindManager] = KindManager(PointKind.SV)

    class Meta:
        proxy = True
        verbose_name = "SV (system variable)"
        verbose_name_plural = "SVs (system variables)"


class DI(Point):
    KIND = PointKind.DI
    objects: ClassVar[KindManager] = KindManager(PointKind.DI)

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
    objects: ClassVar[KindManager] = KindManager(PointKind.AI)

    class Meta:
        proxy = True
        verbose_name = "AI (analog input)"
        verbose_name_plural = "AIs (analog inputs)"
