"""The poller against the real Mosquitto on the test database (SQLite or PostgreSQL): the
detector's payloads (shared docs/devices.md section 3) into points, JSON list selectors and
wildcards, history, malformed payloads counted and never stored, stale points, a device's
status topic, and the device offline when its broker refuses the password."""

from __future__ import annotations

import socket
import sys
import uuid
from collections.abc import Iterator

import paho.mqtt.publish
import pytest
from django.db import connection

from poll.models import AI, DI, MqttBroker, MqttDevice, Point, Profile, Sample
from tests.poll.acquisition.processes import Poller, database_url, wait_until
from tests.protocols.mqtt.conftest import TlsBroker

pytestmark = pytest.mark.slow


def broker_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 1883), timeout=1.0):
            return True
    except OSError:
        return False


@pytest.fixture
def root() -> str:
    if not broker_answers():
        pytest.skip("no MQTT broker on 127.0.0.1:1883 (start mosquitto)")
    return f"/smve-e2e/{uuid.uuid4().hex[:10]}"


@pytest.fixture
def poller(tmp_path, transactional_db) -> Iterator[list[Poller]]:
    started: list[Poller] = []
    yield started
    for process in started:
        if process.process is not None and process.process.poll() is None:
            process.stop()
        sys.stderr.write(f"--- poller log (last lines) ---\n{process.log[-4000:]}\n")


def publish(topic: str, payload: str) -> None:
    paho.mqtt.publish.single(topic, payload, hostname="127.0.0.1", port=1883)


def detector(root: str, **broker: object) -> MqttDevice:
    profile = Profile.objects.create(name="detector", active=True)
    settings = {"host": "127.0.0.1", **broker}
    server = MqttBroker.objects.create(profile=profile, name="local", **settings)
    hv = MqttDevice.objects.create(
        profile=profile,
        broker=server,
        name="hv",
        expected_period=0.5,
        status_topic=f"{root}/hv/online",
    )
    status = f"{root}/hv/status"
    for channel in (0, 1):
        AI.objects.create(
            mqtt_device=hv,
            tag=f"HV_CH{channel}_VREQ",
            topic=status,
            payload_path=f"[number == {channel}].vreq",
            unit="V",
        )
        DI.objects.create(
            mqtt_device=hv,
            tag=f"HV_CH{channel}_ON",
            topic=status,
            payload_path=f"[number == {channel}].on",
        )
    AI.objects.create(
        mqtt_device=hv,
        tag="TEMP_ANY",
        topic=f"{root}/sensor/+/temperature",
        payload_path="value",
        stale_after=30,
    )
    return hv


def point(tag: str) -> Point:
    return Point.objects.get(tag=tag)


def test_detector_payloads_into_points_history_malformed_stale_and_status(
    root: str, poller: list[Poller], tmp_path
) -> None:
    hv = detector(root)
    poller.append(Poller(tmp_path, database_url(connection.settings_dict)))
    status = f"{root}/hv/status"

    def published_once(payload: str, condition) -> None:
        # The poller subscribes some time after it starts: publish until it has heard.
        def heard() -> bool:
            publish(status, payload)
            return condition()

        wait_until(heard, 30, f"the poller to store {payload}")

    published_once(
        '[{"number": 0, "on": 1, "vreq": 1500.0}, {"number": 1, "on": 0, "vreq": 12.5}]',
        lambda: point("HV_CH1_VREQ").value == 12.5,
    )
    assert point("HV_CH0_VREQ").value == 1500.0 and point("HV_CH0_VREQ").current
    assert (point("HV_CH0_ON").value, point("HV_CH1_ON").value) == (1.0, 0.0)
    assert Sample.objects.filter(point__tag="HV_CH0_VREQ", value=1500.0).exists()
    hv.refresh_from_db()
    assert hv.online

    publish(f"{root}/sensor/th2/temperature", '{"sensor": "th2", "value": 21.25}')
    wait_until(lambda: point("TEMP_ANY").value == 21.25, 10, "the wildcard topic's value")

    # Garbage and a list without channel 1: counted, nothing wrong stored.
    publish(status, "{garbage")
    publish(status, '[{"number": 0, "on": 1, "vreq": 1400.0}]')
    wait_until(lambda: point("HV_CH0_VREQ").value == 1400.0, 10, "channel 0 alone")
    hv.refresh_from_db()
    assert hv.bad_frames >= 2 and "HV_CH1" in hv.last_error
    assert point("HV_CH1_VREQ").value == 12.5

    # Silent for 3 x 0.5 s: the list's points are not current, the device goes offline.
    wait_until(lambda: not point("HV_CH0_VREQ").current, 10, "the stale point")
    wait_until(lambda: not MqttDevice.objects.get(pk=hv.pk).online, 10, "the device offline")
    publish(status, '[{"number": 0, "on": 0, "vreq": 0}, {"number": 1, "on": 0, "vreq": 0}]')
    wait_until(lambda: point("HV_CH0_VREQ").current, 10, "current again")

    publish(f"{root}/hv/online", "offline")
    wait_until(lambda: not MqttDevice.objects.get(pk=hv.pk).online, 10, "offline by status")
    assert "status topic says 'offline'" in MqttDevice.objects.get(pk=hv.pk).last_error
    assert poller[0].stop() == 0
    assert poller[0].log.count("malformed payload on") == 1  # logged once per topic


def test_a_refused_password_shows_on_the_device(
    root: str, poller: list[Poller], tmp_path, tls_broker: TlsBroker
) -> None:
    hv = detector(
        root,
        host="localhost",
        port=tls_broker.port,
        tls=True,
        ca_file=str(tls_broker.ca_file),
        username=tls_broker.username,
        password="wrong",
    )
    poller.append(Poller(tmp_path, database_url(connection.settings_dict)))

    def refused() -> str:
        hv.refresh_from_db()
        return hv.last_error

    reason = wait_until(refused, 30, "the refusal on the device")
    assert reason.startswith("broker local:") and "not authori" in reason.lower(), reason
    assert not hv.online
