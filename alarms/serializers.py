"""JSON of the alarms API. The keys are a contract (issue 13): keep them stable."""

from __future__ import annotations

from rest_framework import serializers

from alarms.models import Alarm, AlarmTransition


class AlarmSerializer(serializers.ModelSerializer[Alarm]):
    tag = serializers.CharField(source="definition.tag", read_only=True)
    priority = serializers.CharField(source="definition.priority", read_only=True)
    area = serializers.CharField(source="definition.area", read_only=True)
    point = serializers.IntegerField(source="definition.point_id", read_only=True)
    point_tag = serializers.CharField(
        source="definition.point.tag", read_only=True, allow_null=True
    )
    unit = serializers.CharField(source="definition.unit", read_only=True)
    latching = serializers.BooleanField(source="definition.latching", read_only=True)
    max_shelve_minutes = serializers.IntegerField(
        source="definition.max_shelve_minutes", read_only=True
    )

    class Meta:
        model = Alarm
        fields = (
            "id",
            "tag",
            "message",
            "priority",
            "area",
            "state",
            "state_since",
            "active",
            "value",
            "unit",
            "point",
            "point_tag",
            "latching",
            "shelved_until",
            "max_shelve_minutes",
            "reason",
            "revision",
        )
        read_only_fields = fields


class TransitionSerializer(serializers.ModelSerializer[AlarmTransition]):
    tag = serializers.CharField(source="alarm.definition.tag", read_only=True)
    point = serializers.IntegerField(source="alarm.definition.point_id", read_only=True)
    user = serializers.CharField(source="user.username", read_only=True, default="")

    class Meta:
        model = AlarmTransition
        fields = (
            "id",
            "alarm",
            "tag",
            "point",
            "time",
            "event",
            "from_state",
            "to_state",
            "value",
            "priority",
            "area",
            "user",
            "reason",
            "revision",
        )
        read_only_fields = fields


class ReasonSerializer(serializers.Serializer[None]):
    reason = serializers.CharField(max_length=200)


class ShelveSerializer(ReasonSerializer):
    minutes = serializers.IntegerField(min_value=1)
