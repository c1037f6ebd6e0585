"""The simulators' shared clock on a task.Clock: speed, jumps forward, and time sets."""

from datetime import datetime, timedelta

import pytest
from twisted.internet.task import Clock

from protocols.simulation.clock import SimulatedClock

START = datetime(2024, 6, 1, 8, 0)


def test_it_runs_at_its_speed_and_jumps_forward() -> None:
    reactor = Clock()
    clock = SimulatedClock(reactor, START, speed=60.0)
    reactor.advance(2)
    assert clock.seconds() == 120.0 and clock.now() == START + timedelta(minutes=2)
    clock.advance(3600)
    assert clock.now() == START + timedelta(hours=1, minutes=2)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="positive"):
        SimulatedClock(reactor, START, speed=0)


def test_a_time_set_moves_the_date_not_the_seconds_run() -> None:
    reactor = Clock()
    clock = SimulatedClock(reactor, START)
    reactor.advance(10)
    when = datetime(2030, 1, 1, 0, 0)
    clock.set(when)
    assert clock.now() == when and clock.seconds() == 10.0
    reactor.advance(5)
    assert clock.now() == when + timedelta(seconds=5)
    assert clock.at(0) == when - timedelta(seconds=10)
