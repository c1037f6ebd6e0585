"""Commands across a takeover between pollers: a poller that takes links over from another
fails only the requests that poller left ``sending`` on those links, never those other
pollers have in flight on theirs, nor those it sent itself since; a lone poller fails all
it finds at start."""

from __future__ import annotations

import copy

import pytest
from django.db import connection

from commands import service
from commands.models import CommandDefinition, CommandRequest, Kind, State
from commands.poller import CommandFeeder
from poll.acquisition.leases import gained
from poll.models import COMaster, Point

from .conftest import STATION

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_comasters(db):
    """The test station with a second COMaster, E5, each with one breaker command."""
    from poll.profiles import load_profile

    data = copy.deepcopy(STATION)
    e5 = copy.deepcopy(data["comasters"][0])
    e5.update(name="E5", port=9762)
    for kind in ("sv", "di", "ai"):
        for point in e5["ieds"][0][kind]:
            point["tag"] = point["tag"].replace("E4", "E5")
    data["comasters"].append(e5)
    profile = load_profile(data, activate=True)
    definitions = {}
    for name in ("E4", "E5"):
        point = Point.objects.get(profile=profile, tag=f"{name}DI00")
        definition = CommandDefinition(
            point=point, label="Open", kind=Kind.MARA_PORT_BIT, target={"port": 0, "bit": 0},
            value=0, feedback_value=0, feedback_within=2.0, select_before_operate=False,
        )  # fmt: skip
        definition.full_clean()
        definition.save()
        definitions[name] = definition
    return definitions


def sending(definition: CommandDefinition, actor) -> CommandRequest:
    """A request of ``definition`` claimed by a poller (``sending``)."""
    from commands import dispatch

    request = service.operate(definition, actor("operator"), None)
    assert dispatch.claim(request.pk) is not None
    return request


def state(request: CommandRequest) -> str:
    request.refresh_from_db()
    return request.state


def feeder() -> CommandFeeder:
    return CommandFeeder(reactor=None, runners={})


def mara(*names: str) -> dict[str, frozenset[int]]:
    return {"mara": frozenset(COMaster.objects.filter(name__in=names).values_list("pk", flat=True))}


def test_a_takeover_fails_only_the_taken_links_requests(two_comasters, actor) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("several pollers (and so takeovers) need PostgreSQL")
    taken = sending(two_comasters["E4"], actor)
    elsewhere = sending(two_comasters["E5"], actor)  # another poller's, in flight
    commands = feeder()
    commands.taken_over(mara("E4"))
    commands.fail_taken_over()
    assert state(taken) == State.FAILED
    taken.refresh_from_db()
    assert "not sent again" in taken.result
    assert state(elsewhere) == State.SENDING


def test_a_request_sent_after_the_takeover_is_not_failed(two_comasters, actor) -> None:
    commands = feeder()
    commands.taken_over(mara("E4", "E5"))
    own = sending(two_comasters["E4"], actor)  # claimed by the new poller itself
    commands.fail_taken_over()
    assert state(own) == State.SENDING


def test_a_lone_poller_fails_every_request_left_sending_at_start(two_comasters, actor) -> None:
    left = [sending(two_comasters[name], actor) for name in ("E4", "E5")]
    commands = feeder()
    commands.taken_over(None)
    commands.fail_taken_over()
    assert [state(request) for request in left] == [State.FAILED, State.FAILED]
    commands.fail_taken_over()  # told once, done once
    assert CommandRequest.objects.filter(state=State.FAILED).count() == 2


def test_gained_units_are_only_those_not_held_before() -> None:
    before = {"mara": frozenset({1, 2}), "modbus": frozenset({7})}
    after = {"mara": frozenset({2, 3}), "modbus": frozenset({7}), "mqtt": frozenset({4})}
    assert gained(before, after) == {"mara": frozenset({3}), "mqtt": frozenset({4})}
    assert gained(after, after) == {}
