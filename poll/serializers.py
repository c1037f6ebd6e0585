"""JSON shapes of the field model and its records for the REST API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from poll.models import IED, COMaster, Energy, Event, Point, Profile

MAX_ID = 2**63 - 1


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A related object by id; an id no column can hold is a validation error, not a
    database error."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("pk_field", serializers.IntegerField(min_value=1, max_value=MAX_ID))
        super().__init__(**kwargs)


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = ("id", "name", "description", "active", "created_at")


class COMasterSerializer(serializers.ModelSerializer):
    """Configuration and the live communication state the poller keeps."""

    class Meta:
        model = COMaster
        fields = (
            "id",
            "profile",
            "name",
            "host",
            "port",
            "address",
            "master_address",
            "enabled",
            "poll_interval",
            "reply_timeout",
            "attempts",
            "time_set_interval",
            "description",
            "online",
            "state_since",
            "last_poll_at",
            "last_error",
            "latency_ms",
            "polls",
            "timeouts",
            "bad_frames",
            "events_received",
            "reconnects",
            "revision",
        )


class IEDSerializer(serializers.ModelSerializer):
    class Meta:
        model = IED
        fields = ("id", "comaster", "offset", "address", "name")


class PointSerializer(serializers.ModelSerializer):
    """A point's configuration and its current value. Kind-specific fields are null for
    the other kinds."""

    comaster = serializers.IntegerField(
        source="ied.comaster_id", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Point
        fields = (
            "id",
            "profile",
            "comaster",
            "ied",
            "modbus_device",
            "kind",
            "tag",
            "description",
            "offset",
            "port",
            "bit",
            "inverted",
            "text_off",
            "text_on",
            "channel",
            "unit",
            "escala",
            "low_limit",
            "high_limit",
            "deadband",
            "value",
            "q",
            "current",
            "updated_at",
            "revision",
        )


class EventSerializer(serializers.ModelSerializer):
    tag = serializers.CharField(source="di.tag", read_only=True, allow_null=True, default=None)
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Event
        fields = (
            "id",
            "profile",
            "comaster",
            "di",
            "tag",
            "ied_address",
            "port",
            "bit",
            "time",
            "value",
            "q",
            "raw",
            "received_at",
            "revision",
            "acknowledged_by",
            "acknowledged_at",
        )


class AcknowledgeSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=1000,
        help_text="The events to acknowledge.",
    )


class AcknowledgedSerializer(serializers.Serializer):
    acknowledged = serializers.IntegerField(help_text="Events acknowledged by this request.")
    already = serializers.IntegerField(help_text="Events that were already acknowledged.")


class EnergySerializer(serializers.ModelSerializer):
    tag = serializers.CharField(source="ai.tag", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Energy
        fields = (
            "id",
            "profile",
            "comaster",
            "ai",
            "tag",
            "ied_address",
            "channel",
            "time",
            "code",
            "value",
            "q",
            "raw",
            "received_at",
            "revision",
        )
