"""Engineers define alarms in the admin; alarms' states and the journal are read-only here
(they change through the poller and the operator's actions in the API)."""

from __future__ import annotations

from django.contrib import admin

from alarms.models import AlarmDefinition, NotificationRule


@admin.register(AlarmDefinition)
class AlarmDefinitionAdmin(admin.ModelAdmin):
    list_display = ("tag", "point", "kind", "setpoint", "priority", "area", "latching")
    list_filter = ("profile", "kind", "priority", "area")
    search_fields = ("tag", "point__tag", "message")
    raw_id_fields = ("point",)


@admin.register(NotificationRule)
class NotificationRuleAdmin(admin.ModelAdmin):
    list_display = ("priority", "area", "recipients", "delay_minutes", "period_minutes")
