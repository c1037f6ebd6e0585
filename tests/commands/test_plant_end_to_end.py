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


def test_blower_start_stop_and_level_setpoint(modbus_site, role_user) -> None:  # noqa: F811
    """A blower started through the API runs in the simulator and its running coil is the
    feedback; stopped, it stops; a fault interlocks the start; the high-level setpoint is
    written at register 25 and read back as its own point."""
    load_on_port(PLANT, modbus_site.port)
    simulator = modbus_site.simulator("plant")
    modbus_site.poller()
    online = ModbusDevice.objects.filter(name="SBR01", online=True)
    wait_until(online.exists, 30, "the plant online")
    client = APIClient(enforce_csrf_checks=True)
    client.force_authenticate(role_user("operator"))

    for label, running in (("Start", [0, 1]), ("Stop", [0, 0])):
        blower = command("PLT_BLOWER2_RUN", label)
        direct = client.post(f"/api/commands/{blower.pk}/operate/", {}, format="json")
        assert direct.status_code == 409, "a blower needs a selection first"
        assert client.post(f"/api/commands/{blower.pk}/select/").status_code == 200
        operated = client.post(f"/api/commands/{blower.pk}/operate/", {}, format="json")
        assert operated.status_code == 200, operated.json()
        request = wait_until(lambda: ended(operated.json()["id"]), 20, f"{label}'s end")  # noqa: B023
        assert (request.state, request.result) == (State.SUCCESS, "success"), request.result
        assert simulator.state("SBR01")["blowers_running"] == running

    simulator.control(cmd="set_value", device="SBR01", tag="PLT_FLT_BLOWER1", value=1)
    faulty = command("PLT_BLOWER1_RUN", "Start")
    wait_until(lambda: blocked(client, faulty.pk), 20, "the fault seen by the interlock")
    refused = client.post(f"/api/commands/{faulty.pk}/select/")
    assert refused.status_code in (400, 409), refused.json()
    assert "fault" in refused.json()["detail"]

    level = command("PLT_LEVEL", "Set high level")
    answer = client.post(f"/api/commands/{level.pk}/operate/", {"value": 3.8}, format="json")
    assert answer.status_code == 200, answer.json()
    request = wait_until(lambda: ended(answer.json()["id"]), 20, "the setpoint's end")
    assert (request.state, request.result) == (State.SUCCESS, "success"), request.result
    assert simulator.state("SBR01")["registers"][25] == 380  # 3.8 m at scale 0.01
    too_high = client.post(f"/api/commands/{level.pk}/operate/", {"value": 5.5}, format="json")
    assert too_high.status_code == 400


def blocked(client: APIClient, command_id: int) -> str:
    """Why the API says a command is not allowed now ("" while it is)."""
    page = client.get("/api/commands/?tag=PLT_BLOWER1_RUN").json()
    entries = page["results"] if isinstance(page, dict) else page
    return next(str(entry["blocked"]) for entry in entries if entry["id"] == command_id)
