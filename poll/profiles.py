"""Profiles as data: load a profile file into the database and export one back.

The file format is described in docs/profile-format.md. Loading updates a profile of the
same name in place (COMasters by name, IEDs by offset, points by tag) so that a reload
keeps the history of the points it keeps, and removes what the file no longer has.
Every object is validated like the admin validates it; the first problem is reported with
its place in the file and nothing is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from poll.models import IED, COMaster, Point, PointKind, Profile

COMASTER_FIELDS = (
    "host",
    "port",
    "address",
    "master_address",
    "enabled",
    "poll_interval",
    "reply_timeout",
    "retries",
    "time_set_interval",
    "description",
)
POINT_FIELDS = {
    PointKind.SV: ("offset", "bit", "description"),
    PointKind.DI: ("offset", "port", "bit", "inverted", "text_off", "text_on", "description"),
    PointKind.AI: (
        "offset",
        "channel",
        "unit",
        "escala",
        "low_limit",
        "high_limit",
        "deadband",
        "description",
    ),
}
# Short names accepted in files for readability.
FILE_ALIASES = {"low": "low_limit", "high": "high_limit"}


class ProfileFileError(Exception):
    """A profile file that cannot be loaded; the message names the place and the problem."""


def read_profile_file(path: str | Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileFileError(f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ProfileFileError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("profile"), dict):
        raise ProfileFileError(f'{path} has no "profile" object')
    return data


@transaction.atomic
def load_profile(data: dict[str, Any], activate: bool = False) -> Profile:
    """Create or update the profile described by ``data``; return it."""
    head = data["profile"]
    name = head.get("name")
    if not name:
        raise ProfileFileError("profile: a name is required")
    profile, _ = Profile.objects.get_or_create(name=name)
    profile.description = head.get("description", "")
    profile.save(update_fields=["description"])
    kept_comasters, kept_ieds, kept_points = [], [], []
    for ci, cm_data in enumerate(_list(data, "comasters", "")):
        where = f"comasters[{ci}]"
        comaster = _upsert(
            COMaster,
            {"profile": profile, "name": cm_data.get("name")},
            {f: cm_data[f] for f in COMASTER_FIELDS if f in cm_data},
            where,
        )
        kept_comasters.append(comaster.pk)
        for ii, ied_data in enumerate(_list(cm_data, "ieds", where)):
            ied_where = f"{where}.ieds[{ii}]"
            ied = _upsert(
                IED,
                {"comaster": comaster, "offset": ied_data.get("offset")},
                {"address": ied_data.get("address"), "name": ied_data.get("name", "")},
                ied_where,
            )
            kept_ieds.append(ied.pk)
            for kind in PointKind:
                for pi, point_data in enumerate(_list(ied_data, kind.value, ied_where)):
                    point_where = f"{ied_where}.{kind.value}[{pi}] ({point_data.get('tag')})"
                    values = {FILE_ALIASES.get(k, k): v for k, v in point_data.items()}
                    fields = {f: values[f] for f in POINT_FIELDS[kind] if f in values}
                    point = _upsert(
                        Point,
                        {"profile": profile, "tag": point_data.get("tag")},
                        {"kind": kind.value, "ied": ied, **fields},
                        point_where,
                    )
                    kept_points.append(point.pk)
    Point.objects.filter(profile=profile).exclude(pk__in=kept_points).delete()
    IED.objects.filter(comaster__profile=profile).exclude(pk__in=kept_ieds).delete()
    COMaster.objects.filter(profile=profile).exclude(pk__in=kept_comasters).delete()
    if activate or not Profile.objects.filter(active=True).exists():
        profile.activate()
    return profile


def export_profile(profile: Profile) -> dict[str, Any]:
    """The profile as a profile-file dictionary (configuration only, no live state)."""
    comasters = []
    for comaster in profile.comasters.order_by("name"):
        ieds = []
        for ied in comaster.ieds.order_by("offset"):
            entry: dict[str, Any] = {"offset": ied.offset, "address": ied.address, "name": ied.name}
            for kind in PointKind:
                entry[kind.value] = [
                    {"tag": p.tag, **{f: getattr(p, f) for f in POINT_FIELDS[kind]}}
                    for p in ied.points.filter(kind=kind.value).order_by("offset", "bit")
                ]
            ieds.append(entry)
        comasters.append(
            {
                "name": comaster.name,
                **{f: getattr(comaster, f) for f in COMASTER_FIELDS},
                "ieds": ieds,
            }
        )
    return {
        "profile": {"name": profile.name, "description": profile.description},
        "comasters": comasters,
    }


def _list(parent: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    items = parent.get(key, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise ProfileFileError(f"{where}.{key}: expected a list of objects".lstrip("."))
    return items


def _upsert(
    model: type[models.Model], keys: dict[str, Any], values: dict[str, Any], where: str
) -> Any:
    obj = model.objects.filter(**keys).first() or model(**keys)
    for field, value in values.items():
        setattr(obj, field, value)
    try:
        obj.full_clean()
    except ValidationError as exc:
        problems = "; ".join(
            f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items()
        )
        raise ProfileFileError(f"{where}: {problems}") from exc
    obj.save()
    return obj
