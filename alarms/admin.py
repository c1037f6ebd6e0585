"""Engineers define alarms in the admin; alarms' states and the journal are read-only here
(they change through the poller and the operator's actions in the API)."""

from __future__ import annotations

from django.contrib import admin

from alarms.conditions import LINK_FIELDS
from alarms.models import AlarmDefinition, NotificationRule


@admin.register(AlarmDefinition)
class AlarmDefinitionAdmin(admin.ModelAdmin):
    list_display = ("tag", "point", "kind", "setpoint", "priority", "area", "latching")
    list_filter = ("profile", "kind", "priority", "area")
    search_fields = ("tag", "point__tag", "message")
    raw_id_fields = ("point", "comaster", "ied", "modbus_device", "mqtt_device")
    fieldsets = (
        (None, {"fields": ("profile", "tag", "kind", "priority", "area", "message")}),
        ("Limit or digital state", {"fields": ("point", "setpoint", "deadband")}),
        ("Communication loss (one link)", {"fields": LINK_FIELDS}),
        ("Formulas", {"fields": ("condition", "suppress_condition")}),
        (
            "Timing and handling",
            {"fields": ("on_delay_s", "off_delay_s", "latching", "max_shelve_minutes")},
        ),
    )


@admin.register(NotificationRule)
class NotificationRuleAdmin(admin.ModelAdmin):
    list_display = ("priority", "area", "recipients", "delay_minutes", "period_minutes")
