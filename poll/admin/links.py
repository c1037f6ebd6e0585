"""Admin pages of the field links: profiles, COMasters with their IEDs, Modbus devices and MQTT
brokers and devices, with their points inline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from poll.models import IED, COMaster, ModbusDevice, MqttBroker, MqttDevice, Point, Profile

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
