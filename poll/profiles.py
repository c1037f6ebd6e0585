"""Profiles as data: load a profile file into the database and export one back.

The file format is described in docs/profile-format.md. Loading updates a profile of the
same name in place (COMasters by name, IEDs by offset, points by tag) so that a reload
keeps the history of the points it keeps, and removes what the file no longer has.
Every object is validated like the admin validates it (the model's ranges, taken from the
protocols), and its values must also be of the right JSON type, which Django alone would
quietly convert. A file is loaded whole or not at all: every problem is reported, each
with its place in the file, the object and the field, and nothing is written.

``retries`` was once the key of the tries of a request, counted with the first try for a
COMaster but without it for a Modbus device; ``attempts`` (the first included) replaced it
for both. A file with ``retries`` still loads, with the meaning it had for that object, and
a :class:`ProfileFileWarning` saying so.

Modbus devices list their points inline, or name a register map (``fixtures/modbus/``) that
loading expands into points (with a tag prefix for a template map such as one meter's);
inline points then override the map's by tag. A file may ``include`` other profile files,
whose COMasters and Modbus devices join it (optionally with another Modbus poll interval):
one profile for several sites.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction

from poll.models import (
    IED,
    COMaster,
    ModbusDevice,
    MqttBroker,
    MqttDevice,
    Point,
    PointKind,
    Profile,
)
from poll.models.points import HISTORY_FIELDS
from protocols.modbus import MapEntry, RegisterMapError, Table, load_register_map

COMASTER_FIELDS = (
    "host",
    "port",
    "address",
    "master_address",
    "enabled",
    "poll_interval",
    "reply_timeout",
    "attempts",
    "time_set_interval",
    "description",
)
POINT_FIELDS = {
    PointKind.SV: ("offset", "bit", "description", *HISTORY_FIELDS),
    PointKind.DI: (
        "offset",
        "port",
        "bit",
        "inverted",
        "text_off",
        "text_on",
        "description",
        *HISTORY_FIELDS,
    ),
    PointKind.AI: (
        "offset",
        "channel",
        "unit",
        "escala",
        "low_limit",
        "high_limit",
        "description",
        *HISTORY_FIELDS,
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
    "attempts",
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
    "low_limit",
    "high_limit",
    "inverted",
    "text_off",
    "text_on",
    "writable",
    "alarm",
    "description",
    *HISTORY_FIELDS,
)
MQTT_BROKER_FIELDS = (
    "host",
    "port",
    "client_id",
    "username",
    "password",
    "tls",
    "ca_file",
    "cert_file",
    "key_file",
    "keepalive",
    "clean_session",
    "enabled",
    "description",
)
MQTT_DEVICE_FIELDS = (
    "expected_period",
    "status_topic",
    "online_payload",
    "enabled",
    "description",
)
MQTT_POINT_FIELDS = (
    "kind",
    "topic",
    "payload_path",
    "escala",
    "value_offset",
    "unit",
    "stale_after",
    "low_limit",
    "high_limit",
    "inverted",
    "text_off",
    "text_on",
    "description",
    *HISTORY_FIELDS,
)
RETRIES_BEFORE_ATTEMPTS: dict[type[models.Model], int] = {COMaster: 0, ModbusDevice: 1}
"""What the deprecated ``retries`` key lacked to be ``attempts``: a COMaster's counted every
try, a Modbus device's only those after the first."""
ModelT = TypeVar("ModelT", bound=models.Model)
# Short names accepted in files for readability.
FILE_ALIASES = {"low": "low_limit", "high": "high_limit"}
# Modbus points also take the names of the register maps (docs/modbus.md).
MODBUS_FILE_ALIASES = {
    **FILE_ALIASES,
    "type": "data_type",
    "scale": "escala",
    "offset": "value_offset",
}
# MQTT points take the payload mapping's names too (docs/mqtt.md).
MQTT_FILE_ALIASES = {
    **FILE_ALIASES,
    "path": "payload_path",
    "scale": "escala",
    "offset": "value_offset",
}


# Sections other apps add to the profile file (alarms' ``alarms``, commands' ``commands``), by
# key: how to load the section's entries (after the points, with the loader's upsert and
# problem list), and how to export them. Registered in the app's ``AppConfig.ready()``.
SectionLoader = Callable[["_Loader", Profile, list[dict[str, Any]]], None]
SectionExporter = Callable[[Profile], list[dict[str, Any]]]
_sections: dict[str, tuple[SectionLoader, SectionExporter]] = {}


def register_profile_section(key: str, load: SectionLoader, export: SectionExporter) -> None:
    """Have profile files carry a list ``key`` that ``load`` reads and ``export`` writes."""
    _sections[key] = (load, export)


class ProfileFileError(Exception):
    """A profile file that cannot be loaded; each problem names its place in the file."""

    def __init__(self, *problems: str) -> None:
        self.problems = list(problems)
        if len(problems) == 1:
            super().__init__(problems[0])
        else:
            listed = "\n".join(f"- {problem}" for problem in problems)
            super().__init__(f"{len(problems)} problems, nothing was loaded:\n{listed}")


class ProfileFileWarning(DeprecationWarning):
    """A profile file still uses a key that is going away (it loads, with its old meaning)."""


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
    """Create or update the profile described by ``data``; return it.

    Every object is checked; when anything is wrong, :class:`ProfileFileError` lists every
    problem of the file and nothing is written. A deprecated key is read with its old
    meaning and reported as a :class:`ProfileFileWarning`.
    """
    loader = _Loader()
    profile = loader.load(data)
    if loader.problems:
        raise ProfileFileError(*loader.problems)
    if activate or not Profile.objects.filter(active=True).exists():
        profile.activate()
    return profile


class _Loader:
    """One load of a profile file: upserts every object it can, and collects the problems
    of those it cannot (the caller's transaction then writes nothing at all).

    An object whose parent could not be saved is still checked on its own fields, so that
    one bad COMaster does not hide the problems of its IEDs and points.
    """

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.kept: dict[type[models.Model], list[int]] = {
            COMaster: [],
            IED: [],
            ModbusDevice: [],
            MqttBroker: [],
            MqttDevice: [],
            Point: [],
        }
        self.tags: dict[str, str] = {}

    def load(self, data: dict[str, Any]) -> Profile:
        head = data["profile"]
        profile = self.upsert(
            Profile,
            {"name": head.get("name")},
            {"description": head.get("description", "")},
            "profile",
            parent=None,
        )
        data = _with_included(data)
        names: dict[str, str] = {}
        for ci, cm_data in enumerate(self.list(data, "comasters", "")):
            where = f"comasters[{ci}]"
            self.unique(names, cm_data.get("name"), where, "COMaster name")
            values = self.connection_values(COMaster, cm_data, COMASTER_FIELDS, where)
            comaster = self.upsert(
                COMaster,
                {"profile": profile, "name": cm_data.get("name")},
                values,
                where,
                parent=profile,
            )
            self.load_ieds(profile, comaster, cm_data, where)
        names = {}
        for di, device_data in enumerate(self.list(data, "modbus_devices", "")):
            where = f"modbus_devices[{di}]"
            self.unique(names, device_data.get("name"), where, "Modbus device name")
            values = self.connection_values(ModbusDevice, device_data, MODBUS_DEVICE_FIELDS, where)
            device = self.upsert(
                ModbusDevice,
                {"profile": profile, "name": device_data.get("name")},
                values,
                where,
                parent=profile,
            )
            try:
                points = modbus_points(device_data, where)
            except ProfileFileError as exc:
                self.problems += exc.problems
                continue
            for tag, point_data in points.items():
                point_where = f"{where}.points ({tag})"
                self.unique(self.tags, tag, point_where, "tag")
                fields = {f: point_data[f] for f in MODBUS_POINT_FIELDS if f in point_data}
                self.upsert(
                    Point,
                    {"profile": profile, "tag": tag},
                    {"ied": None, "modbus_device": device, **fields},
                    point_where,
                    parent=device,
                )
        self.load_mqtt(profile, data)
        for key, (load_section, _) in _sections.items():
            load_section(self, profile, self.list(data, key, ""))
        if not self.problems:
            self.delete_the_rest(profile)
        return profile

    def load_mqtt(self, profile: Profile, data: dict[str, Any]) -> None:
        """``mqtt_brokers``, each with its ``devices``, each with its ``points``."""
        brokers: dict[str, str] = {}
        devices: dict[str, str] = {}
        for bi, broker_data in enumerate(self.list(data, "mqtt_brokers", "")):
            where = f"mqtt_brokers[{bi}]"
            self.unique(brokers, broker_data.get("name"), where, "MQTT broker name")
            broker = self.upsert(
                MqttBroker,
                {"profile": profile, "name": broker_data.get("name")},
                {f: broker_data[f] for f in MQTT_BROKER_FIELDS if f in broker_data},
                where,
                parent=profile,
            )
            for di, device_data in enumerate(self.list(broker_data, "devices", where)):
                device_where = f"{where}.devices[{di}]"
                self.unique(devices, device_data.get("name"), device_where, "MQTT device name")
                device = self.upsert(
                    MqttDevice,
                    {"profile": profile, "name": device_data.get("name")},
                    {
                        "broker": broker,
                        **{f: device_data[f] for f in MQTT_DEVICE_FIELDS if f in device_data},
                    },
                    device_where,
                    parent=broker,
                )
                for pi, point_data in enumerate(self.list(device_data, "points", device_where)):
                    point_where = f"{device_where}.points[{pi}]"
                    self.unique(self.tags, point_data.get("tag"), point_where, "tag")
                    values = {MQTT_FILE_ALIASES.get(k, k): v for k, v in point_data.items()}
                    fields = {f: values[f] for f in MQTT_POINT_FIELDS if f in values}
                    self.upsert(
                        Point,
                        {"profile": profile, "tag": point_data.get("tag")},
                        {"ied": None, "modbus_device": None, "mqtt_device": device, **fields},
                        point_where,
                        parent=device,
                    )

    def load_ieds(
        self, profile: Profile, comaster: COMaster, cm_data: dict[str, Any], where: str
    ) -> None:
        offsets: dict[str, str] = {}
        for ii, ied_data in enumerate(self.list(cm_data, "ieds", where)):
            ied_where = f"{where}.ieds[{ii}]"
            self.unique(offsets, ied_data.get("offset"), ied_where, "IED offset")
            ied = self.upsert(
                IED,
                {"comaster": comaster, "offset": ied_data.get("offset")},
                {"address": ied_data.get("address"), "name": ied_data.get("name", "")},
                ied_where,
                parent=comaster,
            )
            for kind in PointKind:
                for pi, point_data in enumerate(self.list(ied_data, kind.value, ied_where)):
                    point_where = f"{ied_where}.{kind.value}[{pi}]"
                    self.unique(self.tags, point_data.get("tag"), point_where, "tag")
                    values = {FILE_ALIASES.get(k, k): v for k, v in point_data.items()}
                    fields = {f: values[f] for f in POINT_FIELDS[kind] if f in values}
                    self.upsert(
                        Point,
                        {"profile": profile, "tag": point_data.get("tag")},
                        {"kind": kind.value, "ied": ied, **fields},
                        point_where,
                        parent=ied,
                    )

    def connection_values(
        self,
        model: type[COMaster | ModbusDevice],
        data: dict[str, Any],
        fields: tuple[str, ...],
        where: str,
    ) -> dict[str, Any]:
        """The model's values from a COMaster's or a device's keys, with the deprecated
        ``retries`` read with the meaning it had for that kind of object."""
        values = {f: data[f] for f in fields if f in data}
        if "retries" not in data:
            return values
        retries = data["retries"]
        if "attempts" in data:
            self.problems.append(f"{where}: give attempts only (retries is its old name)")
        elif type(retries) is not int:
            self.problems.append(f"{where}, retries: expected a whole number, not {retries!r}")
        else:
            values["attempts"] = retries + RETRIES_BEFORE_ATTEMPTS[model]
            warnings.warn(
                f"{where} ({data.get('name')}): retries is deprecated, write attempts "
                f"(tries of a request, the first included): read as attempts = "
                f"{values['attempts']}",
                ProfileFileWarning,
                stacklevel=2,
            )
        return values

    def upsert(
        self,
        model: type[ModelT],
        keys: dict[str, Any],
        values: dict[str, Any],
        where: str,
        parent: models.Model | None,
    ) -> ModelT:
        """The object of ``keys`` with ``values`` set, saved when it and its parent are
        valid; otherwise its problems are recorded and it is left unsaved."""
        fields = {**keys, **values}
        saved_parent = parent is None or parent.pk is not None
        obj = (_existing(model, keys) if saved_parent else None) or model(**keys)
        where = f"{where} ({_described(model, fields)})"
        problems = _type_problems(model, fields)
        for field, value in values.items():
            if field not in problems:
                setattr(obj, field, value)
        try:
            if saved_parent:
                obj.full_clean(exclude=list(problems))
            else:  # nothing in the database to check against: the fields on their own
                related = [f.name for f in model._meta.fields if f.is_relation]
                obj.full_clean(
                    exclude=[*problems, *related], validate_unique=False, validate_constraints=False
                )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                problems.setdefault(field, []).extend(messages)
        if problems:
            self.problems += [
                f"{where}{'' if field == NON_FIELD_ERRORS else f', {field}'}: {' '.join(texts)}"
                for field, texts in problems.items()
            ]
        elif saved_parent:
            try:
                with transaction.atomic():
                    obj.save()
            except IntegrityError as exc:
                self.problems.append(f"{where}: {exc}")
            else:
                if model in self.kept:
                    self.kept[model].append(obj.pk)
        return obj

    def unique(self, seen: dict[str, str], key: Any, where: str, what: str) -> None:
        """Report a key the file gives twice (the second would silently replace the first)."""
        if key is None or isinstance(key, dict | list):
            return
        if str(key) in seen:
            self.problems.append(f"{where}: {what} {key} is also at {seen[str(key)]}")
        else:
            seen[str(key)] = where

    def list(self, parent: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
        try:
            return _list(parent, key, where)
        except ProfileFileError as exc:
            self.problems += exc.problems
            return []

    def delete_the_rest(self, profile: Profile) -> None:
        """Remove what the profile had and the file no longer has."""
        Point.objects.filter(profile=profile).exclude(pk__in=self.kept[Point]).delete()
        ModbusDevice.objects.filter(profile=profile).exclude(
            pk__in=self.kept[ModbusDevice]
        ).delete()
        MqttDevice.objects.filter(profile=profile).exclude(pk__in=self.kept[MqttDevice]).delete()
        MqttBroker.objects.filter(profile=profile).exclude(pk__in=self.kept[MqttBroker]).delete()
        IED.objects.filter(comaster__profile=profile).exclude(pk__in=self.kept[IED]).delete()
        COMaster.objects.filter(profile=profile).exclude(pk__in=self.kept[COMaster]).delete()


def _existing(model: type[ModelT], keys: dict[str, Any]) -> ModelT | None:
    """The stored object of ``keys``; none when a key is not even of the field's type (the
    validation of the new object then says so)."""
    try:
        return model._default_manager.filter(**keys).first()
    except (ValueError, TypeError, ValidationError):
        return None


def _described(model: type[models.Model], fields: dict[str, Any]) -> str:
    """How an engineer names an object: its kind and its name or tag."""
    if model is Point:
        kind = str(fields.get("kind") or "point").upper()
        return f"{kind} {fields.get('tag')}"
    if model is Profile:
        return str(fields.get("name"))
    return f"{model._meta.verbose_name} {fields.get('name')}"


def _type_problems(model: type[models.Model], fields: dict[str, Any]) -> dict[str, list[str]]:
    """Values of the wrong JSON type, which Django would otherwise quietly convert (an
    address of 1.7 stored as 1, a port "9761" as 9761, a description 5 as "5")."""
    problems: dict[str, list[str]] = {}
    for name, value in fields.items():
        field = model._meta.get_field(name)
        if field.is_relation or value is None:
            continue  # the model says whether the field may be empty
        expected = _JSON_TYPES.get(field.get_internal_type())
        if expected is None:
            continue
        accepted, wanted = expected
        if not isinstance(value, accepted) or (isinstance(value, bool) and bool not in accepted):
            problems[name] = [f"expected {wanted}, not {value!r}."]
    return problems


_WHOLE = ((int,), "a whole number")
_JSON_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "PositiveSmallIntegerField": _WHOLE,
    "PositiveIntegerField": _WHOLE,
    "SmallIntegerField": _WHOLE,
    "IntegerField": _WHOLE,
    "BigIntegerField": _WHOLE,
    "FloatField": ((int, float), "a number"),
    "BooleanField": ((bool,), "true or false"),
    "CharField": ((str,), "a text"),
    "TextField": ((str,), "a text"),
}


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
    mqtt_brokers = [
        {
            "name": broker.name,
            **{f: getattr(broker, f) for f in MQTT_BROKER_FIELDS},
            "devices": [
                {
                    "name": device.name,
                    **{f: getattr(device, f) for f in MQTT_DEVICE_FIELDS},
                    "points": [
                        {"tag": p.tag, **{f: getattr(p, f) for f in MQTT_POINT_FIELDS}}
                        for p in device.points.order_by("tag")
                    ],
                }
                for device in broker.devices.order_by("name")
            ],
        }
        for broker in profile.mqtt_brokers.order_by("name")
    ]
    exported: dict[str, Any] = {
        "profile": {"name": profile.name, "description": profile.description},
        "comasters": comasters,
        "modbus_devices": modbus_devices,
        **{key: export(profile) for key, (_, export) in _sections.items()},
    }
    if mqtt_brokers:
        exported["mqtt_brokers"] = mqtt_brokers
    return exported


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
    """``data`` with the COMasters, Modbus devices, MQTT brokers and registered sections
    (e.g. alarms) of the files it includes."""
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
        "mqtt_brokers": list(data.get("mqtt_brokers", [])),
        **{key: list(data.get(key, [])) for key in _sections},
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
        merged["mqtt_brokers"] += _list(other, "mqtt_brokers", name)
        for key in _sections:
            merged[key] += _list(other, key, name)
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
