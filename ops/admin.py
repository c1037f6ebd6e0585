"""The audit in the admin, read-only: nobody edits the record of what was done."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from ops.models import OperationsAction


@admin.register(OperationsAction)
class OperationsActionAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "address", "action", "program", "outcome", "detail")
    list_filter = ("action", "outcome")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
