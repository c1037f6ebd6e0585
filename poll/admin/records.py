"""Read-only admin pages of the field records (events, energy, communication events)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from poll.models import ComEvent, Energy, Event


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
