"""Every new profile starts with the default palette."""

from __future__ import annotations

from typing import Any


def give_new_profile_a_palette(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """post_save receiver for ``Profile`` (not run while loading raw fixtures)."""
    if not created or kwargs.get("raw"):
        return
    from hmi.models import Colour
    from hmi.palette import create_default_colours

    create_default_colours(Colour, instance)
