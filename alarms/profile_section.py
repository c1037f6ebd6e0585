"""The ``alarms`` list of a profile file (docs/profile-format.md): alarm definitions by
tag, each naming its point by tag. Registered with poll's profile loader, which validates
each definition like the admin and reports every problem with its place in the file."""

from __future__ import annotations

from typing import Any

from alarms.models import AlarmDefinition
from poll.models import Point, Profile

KEY = "alarms"
FIELDS = (
    "kind",
    "setpoint",
    "deadband",
    "on_delay_s",
    "off_delay_s",
    "priority",
    "area",
    "message",
    "latching",
    "max_shelve_minutes",
)


def load(loader: Any, profile: Profile, entries: list[dict[str, Any]]) -> None:
    """Create or update the definitions of ``entries`` and remove the profile's others."""
    points = dict(Point.objects.filter(profile=profile).values_list("tag", "pk"))
    tags: dict[str, str] = {}
    kept: list[int] = []
    for index, entry in enumerate(entries):
        where = f"alarms[{index}]"
        loader.unique(tags, entry.get("tag"), where, "alarm tag")
        point_tag = entry.get("point")
        if point_tag not in points:
            loader.problems.append(f"{where}: point {point_tag!r} is not a point of the profile")
            continue
        values = {"point_id": points[point_tag], **{f: entry[f] for f in FIELDS if f in entry}}
        definition = loader.upsert(
            AlarmDefinition,
            {"profile": profile, "tag": entry.get("tag")},
            values,
            where,
            parent=profile,
        )
        if definition.pk is not None:
            kept.append(definition.pk)
    if not loader.problems:
        AlarmDefinition.objects.filter(profile=profile).exclude(pk__in=kept).delete()


def export(profile: Profile) -> list[dict[str, Any]]:
    definitions = AlarmDefinition.objects.filter(profile=profile).select_related("point")
    return [
        {"tag": d.tag, "point": d.point.tag, **{f: getattr(d, f) for f in FIELDS}}
        for d in definitions.order_by("tag")
    ]
