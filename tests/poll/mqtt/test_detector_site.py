"""The detector site end to end: the simulator publishes, the poller stores, a ``setv`` on
the supply's command topic comes back through its status into the point; a sensor that
stops publishing turns its ``$online`` DI to 0 (still current) and raises its alarm."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import paho.mqtt.publish
import pytest
from django.db import connection

from alarms.models import Alarm
from poll.models import MqttDevice, Point
from poll.profiles import load_profile
from tests.poll.acquisition.processes import Poller, database_url, wait_until

from .detector_processes import DetectorSimulator, prefixed_detector
from .test_end_to_end import broker_answers

pytestmark = pytest.mark.slow


@pytest.fixture
def prefix(transactional_db: None) -> Iterator[str]:
    if not broker_answers():
        pytest.skip("no MQTT broker on 127.0.0.1:1883 (start mosquitto)")
    yield f"/smve-site/{uuid.uuid4().hex[:10]}"


def test_simulated_detector_into_points_and_a_setv_back(prefix: str, tmp_path) -> None:
    load_profile(prefixed_detector(prefix), activate=True)
    control = DetectorSimulator(prefix, tmp_path)
    poller = Poller(tmp_path, database_url(connection.settings_dict))
    try:
        wait_until(
            lambda: MqttDevice.objects.filter(online=True).count() == 5, 30, "five devices online"
        )
        wait_until(
            lambda: not Point.objects.filter(mqtt_device__isnull=False, current=False).exists(),
            30,
            "every point current",
        )
        paho.mqtt.publish.single(f"{prefix}/hv/cmd/setv/2", "1250", qos=1, hostname="127.0.0.1")
        wait_until(lambda: Point.objects.get(tag="HV_CH2_VREQ").value == 1250.0, 15, "the setv")
        temperature = Point.objects.get(tag="TH1_TEMP").value
        assert temperature is not None and 15 < temperature < 30
        assert Point.objects.get(tag="SENSOR1_ONLINE").value == 1.0

        control.control("stop", device="sensor_1")
        wait_until(
            lambda: Point.objects.get(tag="SENSOR1_ONLINE").value == 0.0, 15, "sensor_1 silent"
        )
        assert Point.objects.get(tag="SENSOR1_ONLINE").current
        assert not Point.objects.get(tag="SENSOR1_MEAS1").current
        wait_until(
            lambda: Alarm.objects.filter(definition__tag="SENSOR1_SILENT", active=True).exists(),
            15,
            "the sensor-silent alarm",
        )
        control.control("resume", device="sensor_1")
        wait_until(
            lambda: Point.objects.get(tag="SENSOR1_ONLINE").value == 1.0, 15, "sensor_1 back"
        )
    finally:
        control.stop()
        assert poller.stop() == 0, poller.log[-3000:]
