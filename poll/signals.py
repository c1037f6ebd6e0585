"""Configuration changes bump the profile's ``config_version``; the running poller sees the
counter move and applies the change without a restart (docs/poller.md).

Saves through the admin, the API, profile files or a shell all go through these
handlers. The counter is bumped with an ``UPDATE``, which sends no signal of its own and
never races with a form that loaded the profile earlier (``config_version`` is a live
field, see poll/live_state.py).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Model
from django.db.models.signals import post_delete, post_save

from poll.models import AI, DI, IED, SV, COMaster, ModbusDevice, Point, Profile

# Proxy models send signals under their own name, so each is listed.
CONFIGURATION_MODELS = (Profile, COMaster, IED, ModbusDevice, Point, SV, DI, AI)


def profile_of(instance: Model) -> int | None:
    """The profile a configuration object belongs to, without loading deleted parents."""
    if isinstance(instance, Profile):
        return instance.pk
    if isinstance(instance, COMaster | ModbusDevice | Point):
        return instance.profile_id
    if isinstance(instance, IED):
        return (
            COMaster.objects.filter(pk=instance.comaster_id)
            .values_list("profile_id", flat=True)
            .first()
        )
    return None


def bump_config_version(profile_id: int) -> None:
    """Tell a running poller that the profile's configuration changed."""
    Profile.objects.filter(pk=profile_id).update(config_version=F("config_version") + 1)


def configuration_changed(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # loaddata: the fixture carries its own state
    profile_id = profile_of(instance)
    if profile_id is not None:
        bump_config_version(profile_id)


def connect() -> None:
    for model in CONFIGURATION_MODELS:
        uid = f"smve-config-version-{model.__name__}"
        post_save.connect(configuration_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(configuration_changed, sender=model, dispatch_uid=f"{uid}-delete")
