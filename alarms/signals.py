"""An alarm definition saved or deleted bumps its profile's ``config_version`` (as point
edits do, poll/signals.py), so the running poller's alarm processor reloads them."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from alarms.models import AlarmDefinition
from poll.signals import bump_config_version


def definition_changed(
    sender: type[AlarmDefinition], instance: AlarmDefinition, **kwargs: Any
) -> None:
    if not kwargs.get("raw"):
        bump_config_version(instance.profile_id)


def connect() -> None:
    uid = "smve-config-version-AlarmDefinition"
    post_save.connect(definition_changed, sender=AlarmDefinition, dispatch_uid=f"{uid}-save")
    post_delete.connect(definition_changed, sender=AlarmDefinition, dispatch_uid=f"{uid}-delete")
