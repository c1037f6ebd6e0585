"""The ``alarms`` list of a profile file (docs/profile-format.md): alarm definitions by
tag, each naming its point by tag, or for a communication loss its link by name:
``"link": {"comaster": "E4"}``, ``{"comaster": "E4", "ied": 2}`` (an IED by its RS485
address), ``{"modbus_device": "SBR01"}`` or ``{"mqtt_device": "M1"}``. Condition alarms
have ``condition``, any alarm may have ``suppress_condition`` (formulas). Registered with
poll's profile loader, which validates each definition like the admin and reports every
problem with its place in the file."""

from __future__ import annotations

from typing import Any

from alarms.models import AlarmDefinition
from poll.models import IED, COMaster, ModbusDevice, MqttDevice, Point, Profile
from poll.profiles import ProfileLoader

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
FORMULA_FIELDS = ("condition", "suppress_condition")
"""Written to a file only when set, so files without them read as before."""


def load(loader: ProfileLoader, profile: Profile, entries: list[dict[str, Any]]) -> None:
    """Create or update the definitions of ``entries`` and remove the profile's others."""
    points = dict(Point.objects.filter(profile=profile).values_list("tag", "pk"))
    tags: dict[str, str] = {}
    kept: list[int] = []
    for index, entry in enumerate(entries):
        where = f"alarms[{index}]"
        loader.unique(tags, entry.get("tag"), where, "alarm tag")
        values: dict[str, Any] = {f: entry[f] for f in (*FIELDS, *FORMULA_FIELDS) if f in entry}
        point_tag = entry.get("point")
        if point_tag is not None or entry.get("kind") not in ("comm_loss", "condition", "system"):
            if point_tag not in points:
                loader.problems.append(
                    f"{where}: point {point_tag!r} is not a point of the profile"
                )
                continue
            values["point_id"] = points[point_tag]
        else:
            values["point_id"] = None
        link = _link(profile, entry.get("link"))
        if isinstance(link, str):
            loader.problems.append(f"{where}: {link}")
            continue
        values.update(link)
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


def _link(profile: Profile, named: Any) -> dict[str, int | None] | str:
    """The link fields of a ``link`` entry, or what is wrong with it."""
    fields: dict[str, int | None] = {
        "comaster_id": None,
        "ied_id": None,
        "modbus_device_id": None,
        "mqtt_device_id": None,
    }
    if named is None:
        return fields
    if not isinstance(named, dict):
        return 'link must be an object such as {"comaster": "E4"}'
    if "comaster" in named:
        comaster = COMaster.objects.filter(profile=profile, name=named["comaster"]).first()
        if comaster is None:
            return f"link: COMaster {named['comaster']!r} is not in the profile"
        if "ied" not in named:
            fields["comaster_id"] = comaster.pk
            return fields
        ied = IED.objects.filter(comaster=comaster, address=named["ied"]).first()
        if ied is None:
            return f"link: COMaster {comaster.name!r} has no IED at address {named['ied']!r}"
        fields["ied_id"] = ied.pk
        return fields
    for key, model in (("modbus_device", ModbusDevice), ("mqtt_device", MqttDevice)):
        if key in named:
            device = model._default_manager.filter(profile=profile, name=named[key]).first()
            if device is None:
                return f"link: {key} {named[key]!r} is not in the profile"
            fields[f"{key}_id"] = device.pk
            return fields
    return "link names a comaster (and an ied), a modbus_device or an mqtt_device"


def export(profile: Profile) -> list[dict[str, Any]]:
    definitions = AlarmDefinition.objects.filter(profile=profile).select_related(
        "point", "comaster", "ied__comaster", "modbus_device", "mqtt_device"
    )
    return [_entry(d) for d in definitions.order_by("tag")]


def _entry(definition: AlarmDefinition) -> dict[str, Any]:
    entry: dict[str, Any] = {"tag": definition.tag}
    if definition.point is not None:
        entry["point"] = definition.point.tag
    entry.update({f: getattr(definition, f) for f in FIELDS})
    entry.update({f: getattr(definition, f) for f in FORMULA_FIELDS if getattr(definition, f)})
    if definition.comaster is not None:
        entry["link"] = {"comaster": definition.comaster.name}
    elif definition.ied is not None:
        entry["link"] = {"comaster": definition.ied.comaster.name, "ied": definition.ied.address}
    elif definition.modbus_device is not None:
        entry["link"] = {"modbus_device": definition.modbus_device.name}
    elif definition.mqtt_device is not None:
        entry["link"] = {"mqtt_device": definition.mqtt_device.name}
    return entry
