"""A profile exported as a profile-file dictionary."""

from __future__ import annotations

from typing import Any

from poll.models import PointKind, Profile
from poll.profiles.fields import (
    COMASTER_FIELDS,
    MODBUS_DEVICE_FIELDS,
    MODBUS_POINT_FIELDS,
    MQTT_BROKER_FIELDS,
    MQTT_DEVICE_FIELDS,
    MQTT_POINT_FIELDS,
    POINT_FIELDS,
)
from poll.profiles.sections import registered_sections


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
        **{key: export(profile) for key, (_, export) in registered_sections().items()},
    }
    if mqtt_brokers:
        exported["mqtt_brokers"] = mqtt_brokers
    return exported
