"""Profiles as data: load a profile file into the database and export one back.

The file format is described in docs/profile-format.md. Loading updates a profile of the
same name in place (COMasters by name, IEDs by offset, points by tag) so that a reload
keeps the history of the points it keeps, and removes what the file no longer has.
Every object is validated like the admin validates it; the first problem is reported with
its place in the file and nothing is written.

Modbus devices list their points inline, or name a register map (``fixtures/modbus/``) that
loading expands into points (with a tag prefix for a template map such as one meter's);
inline points then override the map's by tag. A file may ``include`` other profile files,
whose COMasters and Modbus devices join it (optionally with another Modbus poll interval):
one profile for several sites.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction

from poll.models import IED, COMaster, ModbusDevice, Point, PointKind, Profile
from protocols.modbus import MapEntry, RegisterMapError, Table, load_register_map

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
MODBUS_DEVICE_FIELDS = (
    "host",
    "port",
    "unit",
    "framing",
    "enabled",
    "poll_interval",
    "reply_timeout",
    "retries",
    "description",
)
MODBUS_POINT_FIELDS = (
    "kind",
    "table",
    "address",
    "data_type",
    "word_order",
    "bit",
    "escala",
    "value_offset",
    "unit",
    "deadband",
    "low_limit",
    "high_limit",
    "inverted",
    "text_off",
    "text_on",
    "writable",
    "alarm",
    "description",
)
# Short names accepted in files for readability.
FILE_ALIASES = {"low": "low_limit", "high": "high_limit"}
# Modbus points also take the names of the register maps (docs/modbus.md).
MODBUS_FILE_ALIASES = {
    **FILE_ALIASES,
    "type": "data_type",
    "scale": "escala",
    "offset": "value_offset",
}


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
    data = _with_included(data)
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
    kept_devices = []
    for di, device_data in enumerate(_list(data, "modbus_devices", "")):
        where = f"modbus_devices[{di}]"
        device = _upsert(
            ModbusDevice,
            {"profile": profile, "name": device_data.get("name")},
            {f: device_data[f] for f in MODBUS_DEVICE_FIELDS if f in device_data},
            where,
        )
        kept_devices.append(device.pk)
        for tag, point_data in modbus_points(device_data, where).items():
            fields = {f: point_data[f] for f in MODBUS_POINT_FIELDS if f in point_data}
            point = _upsert(
                Point,
                {"profile": profile, "tag": tag},
                {"ied": None, "modbus_device": device, **fields},
                f"{where}.points ({tag})",
            )
            kept_points.append(point.pk)
    Point.objects.filter(profile=profile).exclude(pk__in=kept_points).delete()
    ModbusDevice.objects.filter(profile=profile).exclude(pk__in=kept_devices).delete()
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
    modbus_devices = [
        {
            "name": device.name,
            **{f: getattr(device, f) for f in MODBUS_DEVICE_FIELDS},
            "points": [
                {"tag": p.tag, **{f: getattr(p, f) for f in MODBUS_POINT_FIELDS}}
                for p in device.points.order_by("table", "address", "bit", "tag")
            ],
        }
        for device in profile.modbus_devices.order_by("name")
    ]
    return {
        "profile": {"name": profile.name, "description": profile.description},
        "comasters": comasters,
        "modbus_devices": modbus_devices,
    }


def modbus_points(device: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    """A device's points by tag, with model field names: its register map's, expanded
    with the prefix, then its inline points (which override the map's by tag)."""
    points: dict[str, dict[str, Any]] = {}
    map_name = device.get("register_map")
    if map_name:
        try:
            register_map = load_register_map(_project_path(map_name))
            wire_points = register_map.points(device.get("prefix"))
        except RegisterMapError as exc:
            raise ProfileFileError(f"{where}.register_map: {exc}") from exc
        only = device.get("only")
        for entry, wire in zip(register_map.entries, wire_points, strict=True):
            if only is None or entry.point.tag in only:
                points[wire.tag] = _map_point(entry)
    for pi, point_data in enumerate(_list(device, "points", where)):
        tag = point_data.get("tag")
        if not tag:
            raise ProfileFileError(f"{where}.points[{pi}]: a tag is required")
        values = {MODBUS_FILE_ALIASES.get(k, k): v for k, v in point_data.items() if k != "tag"}
        merged = {**points.get(tag, {}), **values}
        if "kind" not in merged and "table" in merged:
            merged["kind"] = _kind_of(merged["table"], merged.get("bit"), merged.get("data_type"))
        points[tag] = merged
    return points


def _map_point(entry: MapEntry) -> dict[str, Any]:
    point, value_format = entry.point, entry.point.format
    return {
        "kind": _kind_of(point.table.value, value_format.bit, value_format.data_type.value),
        "table": point.table.value,
        "address": point.address,
        "data_type": value_format.data_type.value,
        "word_order": value_format.word_order.value,
        "bit": value_format.bit,
        "escala": value_format.scale,
        "value_offset": value_format.offset,
        "unit": entry.unit,
        "writable": point.writable,
        "alarm": entry.alarm,
        "description": entry.description,
    }


def _kind_of(table: str, bit: int | None, data_type: str | None) -> str:
    """Bits (coils, discrete inputs, a bool in a register) are DIs; numbers are AIs."""
    try:
        is_bits = Table(table).is_bits
    except ValueError:
        return PointKind.AI.value  # the model reports the unknown table
    return PointKind.DI.value if is_bits or data_type == "bool" else PointKind.AI.value


def _with_included(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the COMasters and Modbus devices of the files it includes."""
    included = data.get("include", [])
    if not included:
        return data
    if not isinstance(included, list) or not all(
        isinstance(i, str) or (isinstance(i, dict) and {"file", "poll_interval"} == set(i))
        for i in included
    ):
        raise ProfileFileError(
            'include: expected a list of file names or {"file", "poll_interval"} objects'
        )
    merged = {
        **data,
        "comasters": list(data.get("comasters", [])),
        "modbus_devices": list(data.get("modbus_devices", [])),
    }
    for item in included:
        name, interval = (
            (item, None) if isinstance(item, str) else (item["file"], item["poll_interval"])
        )
        other = _with_included(read_profile_file(_project_path(name)))
        merged["comasters"] += _list(other, "comasters", name)
        devices = _list(other, "modbus_devices", name)
        if interval is not None:
            devices = [{**device, "poll_interval": interval} for device in devices]
        merged["modbus_devices"] += devices
    return merged


def _project_path(name: str) -> Path:
    """A file named in a profile: absolute, or relative to the project folder."""
    path = Path(name)
    return path if path.is_absolute() else Path(settings.BASE_DIR) / path


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
