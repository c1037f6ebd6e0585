"""The commands' feeder of the poller: registered with the acquisition core, and each
claimed request routed to the link that owns its point."""

from __future__ import annotations

from commands.dispatch import Claimed
from commands.poller import CommandFeeder, Route, route
from poll.acquisition.requests import request_feeder_factories
from poll.models import COMaster


def test_the_commands_feeder_is_registered_with_the_poller() -> None:
    assert CommandFeeder in request_feeder_factories()


def test_a_mara_command_goes_to_the_comaster_of_its_point(breaker) -> None:
    claimed = Claimed(1, breaker.kind, dict(breaker.target), 0.0, breaker.point_id)
    assert route(claimed) == Route("mara", COMaster.objects.get(name="E4").pk)


def test_a_kind_the_poller_does_not_send_yet_is_routed_nowhere_with_a_reason(setpoint) -> None:
    claimed = Claimed(1, setpoint.kind, dict(setpoint.target), 5.0, setpoint.point_id)
    where = route(claimed)
    assert where.link_id is None and "not sent by the poller yet" in where.problem
