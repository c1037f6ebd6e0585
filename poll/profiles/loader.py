"""Loading a profile file: every object upserted and validated, or nothing written."""

from __future__ import annotations

import warnings
from typing import Any, TypeVar

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
from poll.profiles.fields import (
    COMASTER_FIELDS,
    FILE_ALIASES,
    MODBUS_DEVICE_FIELDS,
    MODBUS_POINT_FIELDS,
    MQTT_BROKER_FIELDS,
    MQTT_DEVICE_FIELDS,
    MQTT_FILE_ALIASES,
    MQTT_POINT_FIELDS,
    POINT_FIELDS,
    RETRIES_BEFORE_ATTEMPTS,
)
from poll.profiles.files import ProfileFileError, ProfileFileWarning, list_of_objects, with_included
from poll.profiles.modbus import modbus_points
from poll.profiles.sections import registered_sections

ModelT = TypeVar("ModelT", bound=models.Model)


@transaction.atomic
def load_profile(data: dict[str, Any], activate: bool = False) -> Profile:
    """Create or update the profile described by ``data``; return it.

    Every object is checked; when anything is wrong, :class:`ProfileFileError` lists every
    problem of the file and nothing is written. A deprecated key is read with its old
    meaning and reported as a :class:`ProfileFileWarning`.
    """
    loader = ProfileLoader()
    profile = loader.load(data)
    if loader.problems:
        raise ProfileFileError(*loader.problems)
    if activate or not Profile.objects.filter(active=True).exists():
        profile.activate()
    return profile


class ProfileLoader:
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
        data = with_included(data)
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
        for key, (load_section, _) in registered_sections().items():
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
            return list_of_objects(parent, key, where)
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
