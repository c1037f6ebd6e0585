"""Alarm definitions (configuration), the alarms' current states, and the journal of every
transition.

One definition is one alarm (ISA-18.2 counts HH and H on the same point as two alarms), so
:class:`Alarm` is one row per definition holding its :class:`~alarms.states.Status` and since
when it is in that state. Every change of an alarm is an :class:`AlarmTransition` row with
the revision of the transaction that made it: the journal is complete and ordered.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from alarms.conditions import LINK_FIELDS, definition_problems
from alarms.detectors import Kind as LimitKind
from alarms.states import Event, State
from poll.models import IED, COMaster, ModbusDevice, MqttDevice, Point, Profile


class Kind(models.TextChoices):
    HH = LimitKind.HH.value, "analog high-high"
    H = LimitKind.H.value, "analog high"
    L = LimitKind.L.value, "analog low"
    LL = LimitKind.LL.value, "analog low-low"
    DIGITAL = LimitKind.DIGITAL.value, "digital or SV abnormal state"
    COMM_LOSS = "comm_loss", "communication loss of a link"
    CONDITION = "condition", "condition in the formula language"
    SYSTEM = "system", "system fault of SMVE itself (e.g. mail cannot be sent)"


class Priority(models.TextChoices):
    URGENT = "urgent", "urgent"
    HIGH = "high", "high"
    MEDIUM = "medium", "medium"
    LOW = "low", "low"


PRIORITY_RANK = {p.value: rank for rank, p in enumerate(Priority)}

# The states and events of alarms/states.py as model choices (labels as Django would make
# them from the names); named in the API schema by ENUM_NAME_OVERRIDES (settings).
STATE_CHOICES = [(s.value, s.name.replace("_", " ").title()) for s in State]
EVENT_CHOICES = [(e.value, e.name.replace("_", " ").title()) for e in Event]


class AlarmDefinition(models.Model):
    """What is abnormal on a point, how urgent it is, and what the operator reads."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="alarm_definitions")
    tag = models.CharField(max_length=60, help_text="The alarm's name, unique in the profile.")
    point = models.ForeignKey(
        Point,
        on_delete=models.CASCADE,
        related_name="alarm_definitions",
        null=True,
        blank=True,
        help_text="The point judged (limits, digital); optional for a condition (its unit and "
        "screen marks); none for a communication loss.",
    )
    kind = models.CharField(max_length=9, choices=Kind.choices)
    setpoint = models.FloatField(
        default=0.0, help_text="Limit for HH/H/L/LL; for digital, the abnormal value (0 or 1)."
    )
    comaster = models.ForeignKey(
        COMaster, null=True, blank=True, on_delete=models.CASCADE, related_name="alarm_definitions"
    )
    ied = models.ForeignKey(
        IED, null=True, blank=True, on_delete=models.CASCADE, related_name="alarm_definitions"
    )
    modbus_device = models.ForeignKey(
        ModbusDevice,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alarm_definitions",
    )
    mqtt_device = models.ForeignKey(
        MqttDevice,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alarm_definitions",
    )
    condition = models.TextField(
        blank=True,
        help_text="For a condition alarm: a formula, abnormal while true, e.g. "
        "Y(ai.E4AI03.value>250, di.E4DI01.value=1).",
    )
    suppress_condition = models.TextField(
        blank=True,
        help_text="Optional formula: while true the alarm is suppressed by design (e.g. a "
        "feeder's undercurrent while its breaker is open).",
    )
    deadband = models.FloatField(default=0.0, help_text="Hysteresis to return to normal.")
    on_delay_s = models.FloatField(default=0.0)
    off_delay_s = models.FloatField(default=0.0)
    priority = models.CharField(max_length=6, choices=Priority.choices, default=Priority.MEDIUM)
    area = models.CharField(max_length=60, blank=True, help_text="A screen or a group.")
    message = models.CharField(
        max_length=200, help_text="Text shown; {value}, {unit} and {tag} are filled in."
    )
    latching = models.BooleanField(default=False, help_text="Stays until an operator resets it.")
    max_shelve_minutes = models.PositiveIntegerField(
        default=480, help_text="The longest an operator may shelve this alarm."
    )

    class Meta:
        ordering = ("profile", "tag")
        constraints = [
            models.UniqueConstraint(fields=["profile", "tag"], name="alarm_definition_tag"),
            models.CheckConstraint(
                condition=models.Q(deadband__gte=0, on_delay_s__gte=0, off_delay_s__gte=0),
                name="alarm_definition_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.tag

    def save(self, *args: object, **kwargs: object) -> None:
        if self.profile_id is None and self.point_id is not None:
            self.profile_id = self.point.profile_id
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        if self.profile_id is None and self.point_id is not None:
            self.profile_id = self.point.profile_id
        problems = definition_problems(self)
        if problems:
            raise ValidationError(problems)

    @property
    def unit(self) -> str:
        point = self.point if self.point_id is not None else None
        return point.unit if point is not None else ""

    def link(self) -> models.Model | None:
        """The link a communication-loss alarm watches."""
        for name in LINK_FIELDS:
            if getattr(self, f"{name}_id") is not None:
                linked: models.Model = getattr(self, name)
                return linked
        return None

    def render(self, value: float | None, unit: str) -> str:
        """The message with the value and unit filled in (plain replacement, no format
        language: the template is engineer's text, never code)."""
        shown = "" if value is None else f"{value:g}"
        return (
            self.message.replace("{value}", shown)
            .replace("{unit}", unit)
            .replace("{tag}", self.tag)
        )


class Alarm(models.Model):
    """An alarm's current state; changed only under a row lock (poller and web alike)."""

    definition = models.OneToOneField(
        AlarmDefinition, on_delete=models.CASCADE, related_name="alarm"
    )
    state = models.CharField(max_length=16, choices=STATE_CHOICES, default=State.NORMAL)
    active = models.BooleanField(default=False)
    suppressed = models.BooleanField(default=False)
    state_since = models.DateTimeField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True)
    message = models.CharField(max_length=250, blank=True)
    shelved_until = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    revision = models.BigIntegerField(default=0)

    class Meta:
        permissions = [
            ("acknowledge_alarm", "Acknowledge and reset alarms"),
            ("shelve_alarm", "Shelve and unshelve alarms"),
            ("remove_alarm_from_service", "Put alarms out of service and back"),
        ]
        # No index on the state or any column a transition sets: the poller's batches
        # update thousands of alarms, and with none of their columns indexed PostgreSQL
        # updates them in place (HOT), without touching an index. The reads by state scan
        # one row per definition, which is cheap (migration 0006 dropped ``alarm_state``).

    def __str__(self) -> str:
        return f"{self.definition.tag}: {self.state}"


class AlarmTransition(models.Model):
    """One row of the alarm journal: who or what moved an alarm, when, with which value."""

    # Neither foreign key has an index of its own (each is one more index entry per row the
    # poller inserts): ``alarm_transition_alarm_time`` starts with the alarm, and the user,
    # set on the operators' few rows only, has a partial index.
    alarm = models.ForeignKey(
        Alarm, on_delete=models.CASCADE, related_name="transitions", db_index=False
    )
    event = models.CharField(max_length=20, choices=EVENT_CHOICES)
    from_state = models.CharField(max_length=16, choices=STATE_CHOICES)
    to_state = models.CharField(max_length=16, choices=STATE_CHOICES)
    time = models.DateTimeField(help_text="Field time of the causing value, or of the action.")
    value = models.FloatField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )
    reason = models.CharField(max_length=200, blank=True)
    revision = models.BigIntegerField()
    # Copied from the definition so the journal's filters and the KPIs read one table.
    priority = models.CharField(max_length=6, choices=Priority.choices)
    area = models.CharField(max_length=60, blank=True)
    seconds_to_ack = models.FloatField(
        null=True,
        blank=True,
        editable=False,
        help_text="For an acknowledgement: seconds since the alarm's latest activation, set by "
        "the database when the row is inserted (the KPIs' time to acknowledge).",
    )

    class Meta:
        ordering = ("time", "id")
        indexes = [
            models.Index(fields=["time"], name="alarm_transition_time"),
            models.Index(fields=["alarm", "time"], name="alarm_transition_alarm_time"),
            models.Index(
                fields=["user"],
                condition=models.Q(user__isnull=False),
                name="alarm_transition_user",
            ),
            # The KPIs: activations by alarm in time order (chattering, standing, counts),
            # and acknowledgements by time with their delay, read from the index alone.
            models.Index(
                fields=["alarm", "time"],
                include=["to_state", "priority"],
                condition=models.Q(event="activate"),
                name="alarm_activation",
            ),
            models.Index(
                fields=["time"],
                include=["seconds_to_ack"],
                condition=models.Q(event="acknowledge"),
                name="alarm_acknowledgement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.event}: {self.from_state} -> {self.to_state}"


class ActivationCount(models.Model):
    """Activations per 10-minute bucket and priority, added by the writer of the journal
    rows in their transaction (alarms/counts.py): the KPIs' counts per bucket and priority
    over a month read a few thousand rows instead of every activation."""

    bucket = models.BigIntegerField(help_text="10-minute windows since the epoch.")
    priority = models.CharField(max_length=6, choices=Priority.choices)
    activations = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bucket", "priority"], name="alarm_activation_count")
        ]

    def __str__(self) -> str:
        return f"bucket {self.bucket} {self.priority}: {self.activations}"


class AlarmDayCount(models.Model):
    """An alarm's activations in a day (UTC), and how many of them had their second
    predecessor within 60 s (chattering windows), added alike: the KPIs' top ten and
    chattering alarms."""

    day = models.BigIntegerField(help_text="Days since the epoch.")
    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="+")
    activations = models.IntegerField()
    chattering = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "alarm"], name="alarm_day_count")]

    def __str__(self) -> str:
        return f"day {self.day}: alarm {self.alarm_id} x{self.activations}"


class NotificationRule(models.Model):
    """Who is mailed about which unacknowledged alarms, after how long, and how often."""

    priority = models.CharField(
        max_length=6, choices=Priority.choices, blank=True, help_text="Empty: every priority."
    )
    area = models.CharField(max_length=60, blank=True, help_text="Empty: every area.")
    recipients = models.TextField(help_text="E-mail addresses, separated by commas.")
    delay_minutes = models.PositiveIntegerField(
        default=5, help_text="Mail only if the alarm is still unacknowledged after this."
    )
    period_minutes = models.PositiveIntegerField(
        default=30, help_text="At most one mail (a digest) per recipient per period."
    )

    def __str__(self) -> str:
        return f"{self.priority or 'any'}/{self.area or 'any'} -> {self.recipients}"

    def addresses(self) -> list[str]:
        return [a.strip() for a in self.recipients.split(",") if a.strip()]


class AlarmNotice(models.Model):
    """An activation mailed to a recipient (so it is mailed once), and when."""

    alarm = models.ForeignKey(Alarm, on_delete=models.CASCADE, related_name="notices")
    recipient = models.EmailField()
    activation = models.DateTimeField(help_text="The alarm's state_since when it was mailed.")
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["alarm", "recipient", "activation"], name="alarm_notice_once"
            )
        ]
        indexes = [models.Index(fields=["recipient", "sent_at"], name="alarm_notice_recipient")]

    def __str__(self) -> str:
        return f"{self.alarm_id} -> {self.recipient}"
