"""Service providers keep buildings, flats and which meter measures which flat in the admin;
readings are made by the jobs process and only read here."""

from __future__ import annotations

from django.contrib import admin

from metering.models import Building, Flat, MeterAssignment, Reading


class FlatInline(admin.TabularInline):
    model = Flat
    extra = 0
    fields = ("name", "floor", "occupant", "email")


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("name", "profile", "address")
    list_filter = ("profile",)
    inlines = [FlatInline]


class AssignmentInline(admin.TabularInline):
    model = MeterAssignment
    extra = 0
    raw_id_fields = ("meter",)


@admin.register(Flat)
class FlatAdmin(admin.ModelAdmin):
    list_display = ("name", "building", "floor", "occupant", "email")
    list_filter = ("building",)
    search_fields = ("name", "occupant", "email")
    inlines = [AssignmentInline]


@admin.register(MeterAssignment)
class MeterAssignmentAdmin(admin.ModelAdmin):
    list_display = ("flat", "meter", "start", "end")
    list_filter = ("flat__building",)
    raw_id_fields = ("meter",)


@admin.register(Reading)
class ReadingAdmin(admin.ModelAdmin):
    list_display = ("time", "flat", "meter", "status", "import_wh", "consumption_wh")
    list_filter = ("status", "flat__building")
    date_hierarchy = "time"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
