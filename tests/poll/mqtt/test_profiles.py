"""MQTT brokers, devices and points in profile files: loaded, checked, exported back."""

from __future__ import annotations

import pytest

from poll.models import MqttBroker, MqttDevice, Point
from poll.profiles import ProfileFileError, export_profile, load_profile

DETECTOR = {
    "profile": {"name": "detector"},
    "mqtt_brokers": [
        {
            "name": "slow-control",
            "host": "127.0.0.1",
            "devices": [
                {
                    "name": "hv",
                    "status_topic": "/hv/online",
                    "points": [
                        {
                            "tag": "HV_CH0_VREQ",
                            "kind": "ai",
                            "topic": "/hv/status",
                            "path": "[number == 0].vreq",
                            "unit": "V",
                            "scale": 1.0,
                        },
                        {
                            "tag": "HV_CH0_ON",
                            "kind": "di",
                            "topic": "/hv/status",
                            "path": "[number == 0].on",
                        },
                    ],
                }
            ],
        }
    ],
}


@pytest.mark.django_db
def test_a_detector_profile_loads_and_exports_back() -> None:
    profile = load_profile(DETECTOR)
    device = MqttDevice.objects.get(name="hv")
    assert device.broker == MqttBroker.objects.get(name="slow-control", profile=profile)
    vreq = Point.objects.get(tag="HV_CH0_VREQ")
    assert (vreq.mqtt_device, vreq.payload_path, vreq.unit) == (device, "[number == 0].vreq", "V")
    exported = export_profile(profile)
    (broker,) = exported["mqtt_brokers"]
    assert [p["tag"] for p in broker["devices"][0]["points"]] == ["HV_CH0_ON", "HV_CH0_VREQ"]
    load_profile(exported)  # loads again, unchanged
    assert Point.objects.filter(profile=profile).count() == 2


@pytest.mark.django_db
def test_bad_topics_and_paths_are_reported_with_their_place() -> None:
    data = {**DETECTOR, "profile": {"name": "bad"}}
    data["mqtt_brokers"] = [
        {
            "name": "b",
            "host": "127.0.0.1",
            "devices": [
                {
                    "name": "hv2",
                    "points": [
                        {"tag": "X1", "kind": "ai", "topic": "/hv/#/x", "path": "a"},
                        {"tag": "X2", "kind": "ai", "topic": "/hv/s", "path": "[number == ]"},
                        {"tag": "X3", "kind": "sv", "topic": "/hv/s"},
                    ],
                }
            ],
        }
    ]
    with pytest.raises(ProfileFileError) as error:
        load_profile(data)
    text = "\n".join(error.value.problems)
    assert "mqtt_brokers[0].devices[0].points[0]" in text and "topic" in text
    assert "points[1]" in text and "payload_path" in text
    assert "points[2]" in text
    assert not MqttDevice.objects.filter(name="hv2").exists()


@pytest.mark.django_db
def test_the_detector_fixture_loads() -> None:
    from poll.profiles import read_profile_file
    from tests.conftest import ROOT

    profile = load_profile(read_profile_file(ROOT / "fixtures" / "detector.json"))
    names = set(MqttDevice.objects.filter(profile=profile).values_list("name", flat=True))
    assert names == {"hv", "lv", "sensor_1", "th1", "th2"}
    assert Point.objects.filter(profile=profile, mqtt_device__name="hv").count() == 8
    assert Point.objects.get(tag="LV_CH3_VREQ").payload_path == "[number == 3].vreq"
