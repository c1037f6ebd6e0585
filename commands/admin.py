"""Admin: command definitions and the audit trail, read-only for everybody, superusers
included. Edits of commands, points, formulas and alarm definitions are audited with
before and after (:mod:`commands.config_audit`)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from commands.config_audit import ConfigAuditMixin, audit_admins
from commands.models import AuditRecord, CommandDefinition


@admin.register(CommandDefinition)
class CommandDefinitionAdmin(ConfigAuditMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "kind",
        "value",
        "minimum",
        "maximum",
        "select_before_operate",
        "role",
    ]
    list_filter = ["kind", "role", "point__profile"]
    search_fields = ["point__tag", "label"]
    raw_id_fields = ["point", "feedback_point", "remote_point"]


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = ["id", "at", "username", "role", "action", "command", "value", "result"]
    list_filter = ["action"]
    search_fields = ["command", "username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# The apps before this one in INSTALLED_APPS have registered their admins by now.
audit_admins()
