"""Admin pages of the point lists (SV, DI, AI), whatever link a point is on."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from poll.admin.links import MODBUS_ADDRESS_FIELDS, MQTT_FIELDS
from poll.models import AI, DI, SV
from poll.models.points import HISTORY_FIELDS


class PointAdmin(admin.ModelAdmin):
    """Shared by the SV, DI and AI pages; each names its own fields."""

    search_fields = ("tag", "description")
    list_filter = (
        "profile",
        "ied__comaster",
        "ied",
        "modbus_device",
        "mqtt_device",
        "q",
        "current",
    )
    list_select_related = ("ied__comaster", "modbus_device", "mqtt_device")
    readonly_fields = ("value", "q", "current", "updated_at")
    ordering = ("ied__comaster", "ied__offset", "offset", "modbus_device", "address")
    source_fields: tuple[str, ...] = ("ied",)
    config_fields: tuple[str, ...] = ()

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        """The point's own fields, then its history policy (docs/history.md)."""
        return (
            (
                None,
                {
                    "fields": (
                        *self.source_fields,
                        "tag",
                        "description",
                        *self.config_fields,
                        *self.readonly_fields,
                    )
                },
            ),
            ("History", {"fields": HISTORY_FIELDS}),
        )

    @admin.display(description="source", ordering="ied__comaster__name")
    def comaster(self, obj: Any) -> str:
        """The COMaster, the Modbus device or the MQTT device the point comes from."""
        if obj.mqtt_device_id:
            return str(obj.mqtt_device.name)
        return obj.modbus_device.name if obj.modbus_device_id else obj.ied.comaster.name


@admin.register(SV)
class SVAdmin(PointAdmin):
    list_display = (
        "tag",
        "description",
        "comaster",
        "ied",
        "offset",
        "bit",
        "value",
        "q",
        "current",
    )
    config_fields = ("offset", "bit")


@admin.register(DI)
class DIAdmin(PointAdmin):
    list_display = (
        "tag",
        "description",
        "comaster",
        "ied",
        "offset",
        "port",
        "bit",
        "inverted",
        "value",
        "current",
    )
    source_fields = ("ied", "modbus_device", "mqtt_device")
    config_fields = (
        "offset",
        "port",
        "bit",
        "inverted",
        "text_off",
        "text_on",
        *MODBUS_ADDRESS_FIELDS[:3],
        "alarm",
        "writable",
        *MQTT_FIELDS,
    )


@admin.register(AI)
class AIAdmin(PointAdmin):
    list_display = (
        "tag",
        "description",
        "comaster",
        "ied",
        "offset",
        "unit",
        "escala",
        "value",
        "q",
        "current",
    )
    source_fields = ("ied", "modbus_device", "mqtt_device")
    config_fields = (
        "offset",
        "channel",
        "unit",
        "escala",
        "low_limit",
        "high_limit",
        *(name for name in MODBUS_ADDRESS_FIELDS if name != "escala"),
        *MQTT_FIELDS,
    )
