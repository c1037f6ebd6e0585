"""Sections other apps add to the profile file (alarms' ``alarms``, commands' ``commands``).

By key: how to load the section's entries (after the points, with the loader's upsert and
problem list), and how to export them. Registered in the app's ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from poll.models import Profile
    from poll.profiles.loader import ProfileLoader

SectionLoader = Callable[["ProfileLoader", "Profile", list[dict[str, Any]]], None]
SectionExporter = Callable[["Profile"], list[dict[str, Any]]]
_sections: dict[str, tuple[SectionLoader, SectionExporter]] = {}


def register_profile_section(key: str, load: SectionLoader, export: SectionExporter) -> None:
    """Have profile files carry a list ``key`` that ``load`` reads and ``export`` writes."""
    _sections[key] = (load, export)


def registered_sections() -> dict[str, tuple[SectionLoader, SectionExporter]]:
    """The registered sections by key, in the order they were registered."""
    return dict(_sections)


def section_keys() -> list[str]:
    return list(_sections)
