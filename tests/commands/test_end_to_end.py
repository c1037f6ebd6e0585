"""Commands through the web API reach the Mara simulator through the running poller, over
real TCP, on the test database (SQLite or PostgreSQL): the field obeys and the feedback
ends the command in success; a command whose feedback never comes ends in "no feedback"."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from commands.models import CommandDefinition, CommandRequest, Kind, State
from poll.models import Point
from tests.poll.acquisition.checks import all_online
from tests.poll.acquisition.conftest import site  # noqa: F401  (the fixture)
from tests.poll.acquisition.processes import wait_until

pytestmark = pytest.mark.slow

FIELD_DELAY = "0.3"
"""Seconds the simulated breaker takes to move after the echo."""
ENDED = (State.SUCCESS, State.NO_FEEDBACK, State.FAILED, State.REFUSED)


def operate(definition: CommandDefinition, client: APIClient) -> CommandRequest:
    assert client.post(f"/api/commands/{definition.pk}/select/").status_code == 200
    operated = client.post(f"/api/commands/{definition.pk}/operate/", {}, format="json")
    assert operated.status_code == 200 and operated.json()["state"] == "queued", operated.json()
    return CommandRequest.objects.get(pk=operated.json()["id"])


def ended(request: CommandRequest) -> CommandRequest | None:
    request.refresh_from_db()
    return request if request.state in ENDED else None


def command(tag: str, port: int, bit: int, value: int, feedback_within: float) -> CommandDefinition:
    definition = CommandDefinition(
        point=Point.objects.get(tag=tag),
        label=f"Drive {tag}",
        kind=Kind.MARA_PORT_BIT,
        target={"port": port, "bit": bit},
        value=value,
        feedback_value=value,
        feedback_within=feedback_within,
    )
    definition.full_clean()
    definition.save()
    return definition


@pytest.fixture
def operator(role_user) -> APIClient:
    client = APIClient(enforce_csrf_checks=True)
    client.force_authenticate(role_user("operator"))
    return client


def test_a_command_reaches_the_field_and_ends_in_success(site, operator) -> None:  # noqa: F811
    simulator = site.simulator("--field-delay", FIELD_DELAY)
    site.poller()
    wait_until(all_online, 30, "both COMasters online")
    wait_until(lambda: Point.objects.get(tag="E4DI00").value == 1, 15, "the breaker closed")
    breaker = command("E4DI00", port=0, bit=0, value=0, feedback_within=10.0)

    request = operate(breaker, operator)
    request = wait_until(lambda: ended(request), 20, "the command's end")

    assert (request.state, request.result) == (State.SUCCESS, "success"), request.result
    assert simulator.state()["E4"]["di"]["E4DI00"] == 0
    assert request.sent_at <= request.echoed_at <= request.finished_at


def test_a_command_without_feedback_ends_in_no_feedback(site, operator) -> None:  # noqa: F811
    simulator = site.simulator()
    site.poller()
    wait_until(all_online, 30, "both COMasters online")
    before = simulator.state()["E4"]["di"]
    unwired = command("E4DI02", port=9, bit=7, value=1 - before["E4DI02"], feedback_within=1.0)

    request = operate(unwired, operator)
    request = wait_until(lambda: ended(request), 20, "the command's end")

    assert (request.state, request.result) == (State.NO_FEEDBACK, "no feedback"), request.result
    assert request.echoed_at is not None
    assert simulator.state()["E4"]["di"] == before
