"""The benches store their sites in bulk, without the profile loader's checks: what they
store must be what the loader would have stored from the same profile-file entries."""

from __future__ import annotations

from typing import Any

import pytest

from bench.modbus import device_documents
from bench.mqtt import store_mqtt_devices
from bench.mqtt_beside import store_modbus_devices
from poll.models import Point, Profile
from poll.profiles import export_profile, load_profile


def configuration(profile: Profile, key: str) -> list[dict[str, Any]]:
    return export_profile(profile)[key]


@pytest.mark.django_db
def test_bulk_mqtt_devices_are_those_the_loader_makes():
    bulk = Profile.objects.create(name="Bulk")
    store_mqtt_devices(bulk.pk, "/site", devices=2, channels=3)
    loaded = load_profile(
        {
            "profile": {"name": "Loaded"},
            "mqtt_brokers": [
                {
                    "name": "bench",
                    "host": "127.0.0.1",
                    "port": 1883,
                    "devices": [
                        {
                            "name": f"dev{d:03d}",
                            "expected_period": 1.0,
                            "points": [
                                {
                                    "tag": f"D{d:03d}_CH{n}",
                                    "kind": "ai",
                                    "topic": f"/site/dev{d:03d}/status",
                                    "path": f"[number == {n}].vreq",
                                    "deadband": 0.0,
                                }
                                for n in range(3)
                            ],
                        }
                        for d in range(2)
                    ],
                }
            ],
        }
    )
    stored = configuration(bulk, "mqtt_brokers")
    assert sum(len(d["points"]) for d in stored[0]["devices"]) == 6
    assert stored == configuration(loaded, "mqtt_brokers")


@pytest.mark.django_db
def test_bulk_meters_are_those_the_loader_makes():
    documents = device_documents({}, {"F01": (5021, 1), "F02": (5021, 2)})
    bulk = Profile.objects.create(name="Bulk")
    store_modbus_devices(bulk.pk, documents)
    loaded = load_profile({"profile": {"name": "Loaded"}, "modbus_devices": documents})
    stored = configuration(bulk, "modbus_devices")
    assert [d["points"][0]["tag"][:4] for d in stored] == ["F01_", "F02_"]
    assert stored == configuration(loaded, "modbus_devices")


@pytest.mark.django_db
def test_several_plants_fit_in_one_profile_under_their_names():
    documents = device_documents({"SBR01": (5020, None), "SBR02": (5022, None)}, {})
    one = load_profile({"profile": {"name": "One plant"}, "modbus_devices": documents[:1]})
    bulk = Profile.objects.create(name="Bulk")
    store_modbus_devices(bulk.pk, documents)
    points = Point.objects.filter(profile=one).count()
    for plant in ("SBR01", "SBR02"):
        tags = Point.objects.filter(profile=bulk, modbus_device__name=plant)
        assert tags.count() == points
        assert all(tag.startswith(f"{plant}_") for tag in tags.values_list("tag", flat=True))
