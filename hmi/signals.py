"""What hmi does when its rows or a profile change.

- Every new profile starts with the default palette.
- A saved or deleted formula, graphic element or screen (a screen import saves all three)
  bumps the profile's ``config_version``, as configuration saves do (poll/signals.py): the
  running poller's configuration watcher sees the counter move and hands the new
  configuration to the screen formulas (``hmi.poller_formulas``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from hmi.models import Colour, Formula, GraphicElement, Screen
from hmi.palette import create_default_colours
from poll.models import Profile
from poll.signals import bump_config_version


def give_new_profile_a_palette(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """post_save receiver for ``Profile`` (not run while loading raw fixtures)."""
    if not created or kwargs.get("raw"):
        return
    create_default_colours(Colour, instance)


def screens_changed(sender: type[Model], instance: Model, **kwargs: Any) -> None:
    """post_save and post_delete receiver for formulas, elements and screens."""
    if kwargs.get("raw"):
        return  # loaddata: the fixture carries its own state
    update_fields = kwargs.get("update_fields")
    if update_fields and set(update_fields) <= set(getattr(instance, "LIVE_FIELDS", ())):
        return  # a result or a look written back, not a configuration change
    profile_id = _profile_of(instance)
    if profile_id is not None:
        bump_config_version(profile_id)


def _profile_of(instance: Model) -> int | None:
    if isinstance(instance, GraphicElement | Screen):
        return instance.profile_id
    if isinstance(instance, Formula):
        if Formula.element.is_cached(instance):
            return instance.element.profile_id
        return (
            GraphicElement.objects.filter(pk=instance.element_id)
            .values_list("profile_id", flat=True)
            .first()
        )
    return None


def connect() -> None:
    post_save.connect(
        give_new_profile_a_palette, sender=Profile, dispatch_uid="smve-default-palette"
    )
    for model in (Formula, GraphicElement, Screen):
        uid = f"smve-config-version-{model.__name__}"
        post_save.connect(screens_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(screens_changed, sender=model, dispatch_uid=f"{uid}-delete")
