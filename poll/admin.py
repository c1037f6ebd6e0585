"""Admin pages for engineers: COMasters with their IEDs, Modbus devices and MQTT
devices with their points,
point lists, read-only records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from poll.models import (
    AI,
    DI,
    IED,
    SV,
    COMaster,
    ComEvent,
    Energy,
    Event,
    ModbusDevice,
    MqttBroker,
    MqttDevice,
    Point,
    Profile,
)
from poll.models.points import HISTORY_FIELDS

COMM_STATE_FIELDS = (
    "online",
    "state_since",
    "last_poll_at",
    "latency_ms",
    "last_error",
    "polls",
    "timeouts",
    "bad_frames",
    "events_received",
    "reconnects",
)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "active", "description", "created_at")
    actions = ["make_active"]

    @admin.action(description="Make the selected profile the active one", permissions=["change"])
    def make_active(self, request: HttpRequest, queryset: QuerySet[Profile]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one profile to activate.", messages.ERROR)
            return
        profile = queryset.get()
        profile.activate()
        self.message_user(request, f"{profile} is now the active profile.")


class IEDInline(admin.TabularInline):
    model = IED
    extra = 0
    fields = ("offset", "address", "name")
    ordering = ("offset",)


@admin.register(COMaster)
class COMasterAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "profile",
        "host",
        "port",
        "enabled",
        "online",
        "last_poll_at",
        "last_error",
    )
    list_filter = ("profile", "enabled", "online")
    search_fields = ("name", "host", "description")
    inlines = [IEDInline]
    readonly_fields = COMM_STATE_FIELDS
    fieldsets = (
        (None, {"fields": ("profile", "name", "description", "enabled", "shard")}),
        ("Connection", {"fields": ("host", "port", "address", "master_address")}),
        (
            "Polling",
            {"fields": ("poll_interval", "reply_timeout", "attempts", "time_set_interval")},
        ),
        ("Communication state", {"fields": COMM_STATE_FIELDS}),
    )


@admin.register(IED)
class IEDAdmin(admin.ModelAdmin):
    list_display = ("name", "comaster", "offset", "address")
    list_filter = ("comaster__profile", "comaster")
    search_fields = ("name",)
    ordering = ("comaster", "offset")


MODBUS_ADDRESS_FIELDS = (
    "table",
    "address",
    "data_type",
    "word_order",
    "bit",
    "escala",
    "value_offset",
    "writable",
)


MQTT_FIELDS = ("topic", "payload_path", "stale_after")
"""Where an MQTT point's value sits (its scale and offset are the Modbus ones)."""


class ModbusPointInline(admin.TabularInline):
    """A device's points, to read at a glance; each is edited on its AI or DI page."""

    model = Point
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("tag", "kind", "description", "table", "address", "data_type", "unit", "value")
    readonly_fields = fields
    ordering = ("table", "address", "bit")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ModbusDevice)
class ModbusDeviceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "profile",
        "host",
        "port",
        "unit",
        "framing",
        "poll_interval",
        "enabled",
        "online",
        "last_poll_at",
        "last_error",
    )
    list_filter = ("profile", "enabled", "online", "framing")
    search_fields = ("name", "host", "description")
    inlines = [ModbusPointInline]
    readonly_fields = (*COMM_STATE_FIELDS, "exceptions")
    fieldsets = (
        (None, {"fields": ("profile", "name", "description", "enabled", "shard")}),
        ("Connection", {"fields": ("host", "port", "unit", "framing")}),
        ("Polling", {"fields": ("poll_interval", "reply_timeout", "attempts")}),
        ("Communication state", {"fields": (*COMM_STATE_FIELDS, "exceptions")}),
    )


class MqttPointInline(admin.TabularInline):
    """A device's points, to read at a glance; each is edited on its AI or DI page."""

    model = Point
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("tag", "kind", "description", "topic", "payload_path", "unit", "value", "current")
    readonly_fields = fields
    ordering = ("topic", "tag")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MqttBroker)
class MqttBrokerAdmin(admin.ModelAdmin):
    list_display = ("name", "profile", "host", "port", "tls", "username", "enabled")
    list_filter = ("profile", "enabled", "tls")
    search_fields = ("name", "host", "description")
    fieldsets = (
        (None, {"fields": ("profile", "name", "description", "enabled", "shard")}),
        ("Connection", {"fields": ("host", "port", "client_id", "keepalive", "clean_session")}),
        (
            "Security",
            {"fields": ("username", "password", "tls", "ca_file", "cert_file", "key_file")},
        ),
    )

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        """The password is typed, never shown back in the page."""
        form = super().get_form(request, obj, change, **kwargs)
        form.base_fields["password"].widget = forms.PasswordInput(render_value=True)
        return form


@admin.register(MqttDevice)
class MqttDeviceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "profile",
        "broker",
        "expected_period",
        "enabled",
        "online",
        "last_poll_at",
        "bad_frames",
        "last_error",
    )
    list_filter = ("profile", "broker", "enabled", "online")
    search_fields = ("name", "status_topic", "description")
    inlines = [MqttPointInline]
    readonly_fields = COMM_STATE_FIELDS
    fieldsets = (
        (None, {"fields": ("profile", "broker", "name", "description", "enabled")}),
        ("Messages", {"fields": ("expected_period", "status_topic", "online_payload")}),
        ("Communication state", {"fields": COMM_STATE_FIELDS}),
    )


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


class RecordAdmin(admin.ModelAdmin):
    """Field records are the plant's history: nobody edits or deletes them by hand."""

    date_hierarchy = "time"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(RecordAdmin):
    list_display = (
        "time_ms",
        "di",
        "description",
        "value_text",
        "q",
        "comaster",
        "acknowledged_at",
        "acknowledged_by",
    )
    list_filter = ("comaster", "di__ied", ("acknowledged_at", admin.EmptyFieldListFilter))
    search_fields = ("di__tag", "di__description")
    list_select_related = ("di", "comaster", "acknowledged_by")
    actions = ["acknowledge"]

    @admin.display(description="time", ordering="time")
    def time_ms(self, obj: Event) -> str:
        if obj.time is None:
            return f"invalid date ({obj.raw})"
        return timezone.localtime(obj.time).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]

    @admin.display(description="description")
    def description(self, obj: Event) -> str:
        return (
            obj.di.description
            if obj.di
            else f"not configured: IED {obj.ied_address} port {obj.port} bit {obj.bit}"
        )

    @admin.display(description="state")
    def value_text(self, obj: Event) -> str:
        if obj.di and (obj.di.text_on or obj.di.text_off):
            return obj.di.text_on if obj.value else obj.di.text_off
        return str(obj.value)

    def has_acknowledge_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("poll.acknowledge_event")

    @admin.action(description="Acknowledge the selected events", permissions=["acknowledge"])
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        count = queryset.filter(acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now(), acknowledged_by=request.user
        )
        self.message_user(request, f"{count} event(s) acknowledged.")


@admin.register(Energy)
class EnergyAdmin(RecordAdmin):
    list_display = ("time", "ai", "ied_address", "channel", "code", "value", "q", "comaster")
    list_filter = ("comaster", "code")
    search_fields = ("ai__tag",)
    list_select_related = ("ai", "comaster")


@admin.register(ComEvent)
class ComEventAdmin(RecordAdmin):
    date_hierarchy = "received_at"
    list_display = ("received_at", "comaster", "ied", "source", "code", "reason", "text", "time")
    list_filter = ("comaster", "source", "code")
    list_select_related = ("comaster", "ied")
