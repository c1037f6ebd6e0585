"""Command definitions, the requests made of them, and the tamper-evident audit trail.

A definition says how a command reaches the field: its ``kind`` names the way (a Mara port
bit, a Modbus coil, ...) and ``target`` holds that way's own settings as JSON, checked per
kind (:mod:`commands.targets`), so that a new way (MQTT publish) is a new kind and never a
migration of the others.

A request is one use of a definition by one user; its ``state`` moves forward only
(:class:`State`), and the poller records ``sending`` before the frame goes out, so that
no restart or replay ever sends it twice.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from commands.targets import TargetError, check_target
from poll.models import Point


class Kind(models.TextChoices):
    MARA_PORT_BIT = "mara_port_bit", "Mara port bit set/reset (0x03)"
    MARA_LOGICAL_PORT = "mara_logical_port", "Mara logical port control (0x13)"
    MODBUS_COIL = "modbus_coil", "Modbus coil"
    MODBUS_REGISTER = "modbus_register", "Modbus holding register(s)"
    MQTT_PUBLISH = "mqtt_publish", "MQTT publish"


class Role(models.TextChoices):
    OPERATOR = "operator", "operator"
    ENGINEER = "engineer", "engineer"


class CommandDefinition(models.Model):
    """One command an operator may give to one point."""

    point = models.ForeignKey(Point, on_delete=models.CASCADE, related_name="commands")
    label = models.CharField(max_length=40, help_text="Open, Close, Reset, Set, ...")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    target = models.JSONField(default=dict, blank=True, help_text="The kind's own settings.")
    value = models.FloatField(
        null=True, blank=True, help_text="The value sent; empty for a setpoint."
    )
    minimum = models.FloatField(null=True, blank=True, help_text="Setpoint: lowest value.")
    maximum = models.FloatField(null=True, blank=True, help_text="Setpoint: highest value.")
    feedback_point = models.ForeignKey(
        Point, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    feedback_value = models.FloatField(
        null=True, blank=True, help_text="Empty: the value sent (for a setpoint)."
    )
    feedback_within = models.FloatField(default=5.0, help_text="Seconds.")
    interlock = models.TextField(
        blank=True, help_text="A formula that must be true for the command to be allowed."
    )
    interlock_message = models.CharField(max_length=200, blank=True)
    remote_point = models.ForeignKey(
        Point,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The LOCAL/REMOTE SV: commands only while it reads remote_value.",
    )
    remote_value = models.FloatField(default=1.0)
    select_before_operate = models.BooleanField(default=True)
    selection_timeout = models.FloatField(default=30.0, help_text="Seconds.")
    time_to_live = models.FloatField(
        default=10.0, help_text="Seconds: an older command is refused by the poller."
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.OPERATOR)

    class Meta:
        ordering = ["point__tag", "label"]
        constraints = [
            models.UniqueConstraint(fields=["point", "label"], name="command_label_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.point.tag}: {self.label}"

    @property
    def is_setpoint(self) -> bool:
        return self.value is None

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        try:
            self.target = check_target(self.kind, self.target)
        except TargetError as error:
            errors["target"] = str(error)
        if self.is_setpoint and (self.minimum is None or self.maximum is None):
            errors["minimum"] = "A setpoint needs a minimum and a maximum."
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            errors["maximum"] = "The maximum is below the minimum."
        if self.interlock:
            from commands.interlocks import compile_interlock

            try:
                compile_interlock(self.interlock)
            except ValueError as error:
                errors["interlock"] = str(error)
        if errors:
            raise ValidationError(errors)


class State(models.TextChoices):
    SELECTED = "selected", "selected"
    QUEUED = "queued", "waiting for the poller"
    SENDING = "sending", "sent, waiting for the echo"
    ECHOED = "echoed", "echoed, waiting for the feedback"
    SUCCESS = "success", "success"
    NO_FEEDBACK = "no_feedback", "no feedback"
    FAILED = "failed", "failed"
    REFUSED = "refused", "refused"
    CANCELLED = "cancelled", "cancelled"
    EXPIRED = "expired", "selection expired"


#: States that hold the point: no other selection or operation while one is in them.
HOLDING_STATES = (State.SELECTED, State.QUEUED, State.SENDING, State.ECHOED)


class CommandRequest(models.Model):
    """One use of a definition by one user. The definition and the point may be deleted
    later (a profile reload that drops the point): the request then keeps them as text
    (``command``, ``tag``), so that neither blocks the reload nor leaves a gap in the
    trail."""

    definition = models.ForeignKey(
        CommandDefinition,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    point = models.ForeignKey(
        Point, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tag = models.CharField(max_length=100, blank=True, help_text="The point's tag, kept.")
    command = models.CharField(max_length=100, blank=True, help_text="Tag and label, kept.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10)
    client_address = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=12, choices=State.choices)
    value = models.FloatField(null=True, blank=True)
    selected_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    operated_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    echoed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["point"],
                condition=models.Q(state__in=HOLDING_STATES),
                name="command_one_holder_per_point",
            ),
        ]
        indexes = [models.Index(fields=["state"], name="command_request_state")]

    def __str__(self) -> str:
        return f"request {self.pk} ({self.state})"


class Action(models.TextChoices):
    SELECT = "select"
    OPERATE = "operate"
    CANCEL = "cancel"
    REFUSAL = "refusal"
    SENT = "sent"
    ECHO = "echo"
    RESULT = "result"
    CONFIG = "config"


class AuditRecord(models.Model):
    """One row of the audit trail. Rows are only ever added (a trigger refuses UPDATE and
    DELETE on PostgreSQL); ``hash`` chains each to the one before (:mod:`commands.audit`).
    Ids of commands and requests are plain numbers, not foreign keys, so that no deletion
    elsewhere ever touches the trail."""

    at = models.DateTimeField()
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=10, blank=True)
    client_address = models.CharField(max_length=60, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    command_id = models.BigIntegerField(null=True, blank=True)
    command = models.CharField(max_length=100, blank=True, help_text="Tag and label.")
    request_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    value = models.FloatField(null=True, blank=True)
    value_before = models.FloatField(null=True, blank=True)
    result = models.CharField(max_length=200, blank=True)
    durations = models.JSONField(default=dict, blank=True, help_text="Seconds per step.")
    detail = models.JSONField(default=dict, blank=True, help_text="Config edits: before/after.")
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.command} {self.result}"
