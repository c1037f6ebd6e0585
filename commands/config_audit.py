"""Configuration edits made in the admin, in the audit trail: who changed what, and the
object before and after (with the names of the fields that changed).

The admins of points, formulas and alarm definitions belong to apps below this one, which
cannot know of the trail; :func:`audit_admins` re-registers each of them with
:class:`ConfigAuditMixin` mixed in, so that their own code stays as it is. Only edits made
through the admin are recorded here: a profile file or a formula file loaded from the
command line is a deployment step of its own, not a hand edit.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.forms.models import model_to_dict
from django.http import HttpRequest

from commands import audit
from commands.models import Action, CommandDefinition

#: The configuration the trail follows, besides the command definitions (which use the
#: mixin directly): points, formulas and alarm definitions.
AUDITED_MODELS = (
    "poll.SV", "poll.DI", "poll.AI", "hmi.Formula", "hmi.GraphicElement",
    "alarms.AlarmDefinition",
)  # fmt: skip
"""The graphic element's admin edits its formulas inline (:meth:`save_formset`)."""


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's editable fields as JSON values (what the hash of the row covers)."""
    fields = {k: v for k, v in model_to_dict(obj).items() if k != "id"}
    loaded: dict[str, Any] = json.loads(json.dumps(fields, cls=DjangoJSONEncoder))
    return loaded


def record_change(
    request: HttpRequest,
    obj: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    keys = set(before or {}) | set(after or {})
    changed = sorted(k for k in keys if (before or {}).get(k) != (after or {}).get(k))
    if before is not None and after is not None and not changed:
        return  # saved unchanged: nothing to tell
    opts = obj._meta
    audit.append(
        username=request.user.get_username(),
        client_address=str(request.META.get("REMOTE_ADDR", "")),
        action=Action.CONFIG,
        command_id=obj.pk if isinstance(obj, CommandDefinition) else None,
        command=f"{opts.verbose_name}: {obj}"[:100],
        result="added" if before is None else "deleted" if after is None else "edited",
        detail={
            "model": opts.label_lower,
            "id": obj.pk,
            "changed": changed,
            "before": before,
            "after": after,
        },
    )


class ConfigAuditMixin:
    """For a ``ModelAdmin``: every save and delete is a row of the audit trail."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = None
        if change and obj.pk is not None:
            stored = type(obj)._default_manager.filter(pk=obj.pk).first()
            before = snapshot(stored) if stored is not None else None
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        record_change(request, obj, before, snapshot(obj))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        before, pk = snapshot(obj), obj.pk
        super().delete_model(request, obj)  # type: ignore[misc]
        obj.pk = pk  # named in the row, as it was
        record_change(request, obj, before, None)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        gone = [(obj, snapshot(obj), obj.pk) for obj in queryset]
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        for obj, before, pk in gone:
            obj.pk = pk
            record_change(request, obj, before, None)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline objects (an element's formulas) added, changed or deleted."""
        befores: dict[int, tuple[Any, dict[str, Any]]] = {}
        for inline in formset.forms:
            obj = inline.instance
            stored = type(obj)._default_manager.filter(pk=obj.pk).first() if obj.pk else None
            if stored is not None:
                befores[id(obj)] = (obj.pk, snapshot(stored))
        super().save_formset(request, form, formset, change)  # type: ignore[misc]
        for obj in [*formset.new_objects, *(o for o, _ in formset.changed_objects)]:
            record_change(request, obj, befores.get(id(obj), (None, None))[1], snapshot(obj))
        for obj in formset.deleted_objects:
            pk, before = befores.get(id(obj), (None, None))
            obj.pk = pk
            record_change(request, obj, before, None)


def audit_admins(site: admin.AdminSite = admin.site) -> None:
    """Re-register the admins of :data:`AUDITED_MODELS` with the mixin (once)."""
    from django.apps import apps

    for label in AUDITED_MODELS:
        model = apps.get_model(label)
        current = site._registry.get(model)
        if current is None or isinstance(current, ConfigAuditMixin):
            continue
        audited = type(f"Audited{type(current).__name__}", (ConfigAuditMixin, type(current)), {})
        site.unregister(model)
        site.register(model, audited)
