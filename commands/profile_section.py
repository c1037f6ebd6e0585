"""The ``commands`` list of a profile file (docs/profile-format.md): one entry per command,
naming its point by tag; loaded after the field, upserted by point and label."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from commands.models import CommandDefinition
from poll.models import Point, Profile
from poll.profiles import ProfileLoader

#: Plain fields of an entry, with the model's defaults when absent.
FIELDS = (
    "kind", "target", "value", "minimum", "maximum", "interlock", "interlock_message",
    "select_before_operate", "selection_timeout", "time_to_live", "role",
)  # fmt: skip


def load_commands(loader: ProfileLoader, profile: Profile, entries: list[Any]) -> None:
    """Upsert the entries (a section of ``poll.profiles``); the problems found join the
    loader's, and then nothing is written."""
    loader.problems.extend(_load_entries(profile, entries))


def _load_entries(profile: Profile, entries: list[Any]) -> list[str]:
    problems: list[str] = []
    points = {p.tag: p for p in Point.objects.filter(profile=profile)}
    for index, entry in enumerate(entries):
        where = f"commands[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be an object")
            continue
        try:
            _load_one(entry, points, where)
        except (ValidationError, KeyError, TypeError, ValueError) as error:
            problems.append(f"{where}: {_text(error)}")
    return problems


def _load_one(entry: dict[str, Any], points: dict[str, Point], where: str) -> None:
    point = _point(points, entry.get("tag"), "tag")
    label = entry.get("label")
    if not isinstance(label, str) or not label:
        raise ValueError("label: give the button's text")
    definition = CommandDefinition.objects.filter(point=point, label=label).first()
    definition = definition or CommandDefinition(point=point, label=label)
    for name in FIELDS:
        if name in entry:
            setattr(definition, name, entry[name])
    feedback = entry.get("feedback") or {}
    definition.feedback_point = _point(points, feedback["tag"], "feedback") if feedback else None
    definition.feedback_value = feedback.get("value")
    definition.feedback_within = feedback.get("within", 5.0)
    remote = entry.get("remote") or {}
    definition.remote_point = _point(points, remote["tag"], "remote") if remote else None
    definition.remote_value = remote.get("value", 1.0)
    definition.full_clean()
    definition.save()


def _point(points: dict[str, Point], tag: Any, what: str) -> Point:
    if tag not in points:
        raise ValueError(f"{what}: no point tagged {tag!r} in the profile")
    return points[tag]


def _text(error: Exception) -> str:
    if isinstance(error, ValidationError) and hasattr(error, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    return str(error)


def export_commands(profile: Profile) -> list[dict[str, Any]]:
    entries = []
    for definition in CommandDefinition.objects.filter(point__profile=profile).select_related(
        "point", "feedback_point", "remote_point"
    ):
        entry: dict[str, Any] = {"tag": definition.point.tag, "label": definition.label}
        entry.update({name: getattr(definition, name) for name in FIELDS})
        if definition.feedback_point is not None:
            entry["feedback"] = {
                "tag": definition.feedback_point.tag,
                "value": definition.feedback_value,
                "within": definition.feedback_within,
            }
        if definition.remote_point is not None:
            entry["remote"] = {
                "tag": definition.remote_point.tag,
                "value": definition.remote_value,
            }
        entries.append(entry)
    return entries
