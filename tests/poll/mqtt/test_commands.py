"""Commands over MQTT end to end, on the real Mosquitto and the test database (SQLite or
PostgreSQL): a ``setv`` through the commands API is published by the running poller, the
simulated supply obeys, its status topic brings the new voltage back into the point, the
request ends in success and the audit trail has its rows; a ``switch`` needs its selection,
and the interlock refuses HV on while the channel's LV is off."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.db import connection
from rest_framework.test import APIClient

from commands.models import Action, AuditRecord, CommandDefinition, CommandRequest, State
from poll.models import MqttDevice, Point
from poll.profiles import load_profile
from tests.poll.acquisition.processes import Poller, database_url, wait_until

from .detector_processes import DetectorSimulator, prefixed_detector
from .test_end_to_end import broker_answers

pytestmark = pytest.mark.slow

ENDED = (State.SUCCESS, State.NO_FEEDBACK, State.FAILED, State.REFUSED)


@pytest.fixture
def detector(transactional_db: None, tmp_path) -> Iterator[DetectorSimulator]:
    if not broker_answers():
        pytest.skip("no MQTT broker on 127.0.0.1:1883 (start mosquitto)")
    prefix = f"/smve-cmd/{uuid.uuid4().hex[:10]}"
    load_profile(prefixed_detector(prefix), activate=True)
    simulator = DetectorSimulator(prefix, tmp_path)
    poller = Poller(tmp_path, database_url(connection.settings_dict))
    try:
        wait_until(
            lambda: MqttDevice.objects.filter(online=True).count() == 5, 30, "five devices online"
        )
        yield simulator
    finally:
        poller.stop()
        simulator.stop()


@pytest.fixture
def operator(role_user) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_authenticate(role_user("operator"))
    return client


def definition(tag: str, label: str) -> CommandDefinition:
    return CommandDefinition.objects.get(point__tag=tag, label=label)


def ended(request_id: int) -> CommandRequest | None:
    request = CommandRequest.objects.get(pk=request_id)
    return request if request.state in ENDED else None


def operate(client: APIClient, command: CommandDefinition, **body: float) -> int:
    if command.select_before_operate:
        selected = client.post(f"/api/commands/{command.pk}/select/")
        assert selected.status_code == 200, selected.json()
    operated = client.post(f"/api/commands/{command.pk}/operate/", body, format="json")
    assert operated.status_code == 200 and operated.json()["state"] == "queued", operated.json()
    request_id: int = operated.json()["id"]
    return request_id


def test_a_setv_reaches_the_supply_and_comes_back_through_its_status(
    detector: DetectorSimulator, operator: APIClient
) -> None:
    request_id = operate(operator, definition("HV_CH2_VREQ", "Set voltage"), value=1250)
    request = wait_until(lambda: ended(request_id), 20, "the setv's end")

    assert (request.state, request.result) == (State.SUCCESS, "success"), request.result
    assert detector.channel("hv", 2)["vreq"] == 1250.0
    assert Point.objects.get(tag="HV_CH2_VREQ").value == 1250.0
    actions = list(
        AuditRecord.objects.filter(request_id=request_id).values_list("action", flat=True)
    )
    assert actions == [Action.OPERATE, Action.SENT, Action.ECHO, Action.RESULT], actions
    assert AuditRecord.objects.filter(request_id=request_id, value=1250.0).exists()


def test_a_setv_outside_the_limits_is_refused(detector: DetectorSimulator, operator) -> None:
    command = definition("LV_CH0_VREQ", "Set voltage")
    refused = operator.post(f"/api/commands/{command.pk}/operate/", {"value": 50}, format="json")
    assert refused.status_code == 400, refused.json()
    assert detector.channel("lv", 0)["vreq"] == 0.0


def test_hv_switches_on_only_once_its_lv_is_on(detector: DetectorSimulator, operator) -> None:
    hv_on = definition("HV_CH1_ON", "On")
    refused = operator.post(f"/api/commands/{hv_on.pk}/select/")
    assert refused.status_code == 409, refused.json()
    assert "LV channel 1 is off" in refused.json()["detail"]

    lv_request = operate(operator, definition("LV_CH1_ON", "On"))
    lv = wait_until(lambda: ended(lv_request), 20, "LV on")
    assert lv.state == State.SUCCESS, lv.result
    assert detector.channel("lv", 1)["on"] is True

    hv_request = operate(operator, hv_on)
    hv = wait_until(lambda: ended(hv_request), 20, "HV on")
    assert hv.state == State.SUCCESS, hv.result
    assert detector.channel("hv", 1)["on"] is True
    assert Point.objects.get(tag="HV_CH1_ON").value == 1.0
