"""The plant's demo commands through the web API, the running poller and the plant
simulator over real Modbus TCP, on the test database (SQLite or PostgreSQL): a confirmed
setpoint is written in the point's own scale and read back as its feedback; the cycle stops
and starts again by its command coils."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from commands.models import CommandDefinition, CommandRequest, State
from poll.models import ModbusDevice
from tests.poll.acquisition.processes import wait_until
from tests.poll.modbus.conftest import PLANT, load_on_port, modbus_site  # noqa: F401

pytestmark = pytest.mark.slow

ENDED = (State.SUCCESS, State.NO_FEEDBACK, State.FAILED, State.REFUSED)


def ended(request_id: int) -> CommandRequest | None:
    request = CommandRequest.objects.get(pk=request_id)
    return request if request.state in ENDED else None


def command(tag: str, label: str) -> CommandDefinition:
    return CommandDefinition.objects.get(point__tag=tag, label=label)


def test_plant_setpoint_and_cycle_commands(modbus_site, role_user) -> None:  # noqa: F811
    load_on_port(PLANT, modbus_site.port)
    simulator = modbus_site.simulator("plant")
    modbus_site.poller()
    online = ModbusDevice.objects.filter(name="SBR01", online=True)
    wait_until(online.exists, 30, "the plant online")
    client = APIClient(enforce_csrf_checks=True)
    client.force_authenticate(role_user("operator"))

    minimum = command("PLT_O2", "Set minimum")
    answer = client.post(f"/api/commands/{minimum.pk}/operate/", {"value": 1.25}, format="json")
    assert answer.status_code == 200, answer.json()
    request = wait_until(lambda: ended(answer.json()["id"]), 20, "the setpoint's end")
    assert (request.state, request.result) == (State.SUCCESS, "success"), request.result
    assert simulator.state("SBR01")["registers"][5] == 125  # 1.25 mg/l at scale 0.01

    too_high = client.post(f"/api/commands/{minimum.pk}/operate/", {"value": 9}, format="json")
    assert too_high.status_code == 400

    for label, stopped in (("Stop cycle", True), ("Start cycle", False)):
        cycle = command("PLT_PH_STOPPED", label)
        assert client.post(f"/api/commands/{cycle.pk}/select/").status_code == 200
        operated = client.post(f"/api/commands/{cycle.pk}/operate/", {}, format="json")
        assert operated.status_code == 200, operated.json()
        request = wait_until(lambda: ended(operated.json()["id"]), 20, f"{label}'s end")  # noqa: B023
        assert request.state == State.SUCCESS, (label, request.result)
        assert (simulator.state("SBR01")["phase"] == "stopped") is stopped
