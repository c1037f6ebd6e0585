"""Admin: command definitions (edits audited with before and after) and the audit trail,
read-only for everybody, superusers included."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms.models import model_to_dict
from django.http import HttpRequest

from commands import audit
from commands.models import Action, AuditRecord, CommandDefinition


def _snapshot(obj: CommandDefinition) -> dict[str, Any]:
    return {k: v for k, v in model_to_dict(obj).items() if k != "id"}


@admin.register(CommandDefinition)
class CommandDefinitionAdmin(admin.ModelAdmin):
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

    def save_model(
        self, request: HttpRequest, obj: CommandDefinition, form: Any, change: bool
    ) -> None:
        before = _snapshot(CommandDefinition.objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        self._audit(request, obj, {"before": before, "after": _snapshot(obj)})

    def delete_model(self, request: HttpRequest, obj: CommandDefinition) -> None:
        before = _snapshot(obj)
        super().delete_model(request, obj)
        self._audit(request, obj, {"before": before, "after": None})

    def _audit(self, request: HttpRequest, obj: CommandDefinition, detail: dict[str, Any]) -> None:
        audit.append(
            username=request.user.get_username(),
            client_address=str(request.META.get("REMOTE_ADDR", "")),
            action=Action.CONFIG,
            command_id=obj.pk,
            command=str(obj),
            result="edited" if detail["after"] else "deleted",
            detail=detail,
        )


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
