"""The ISA-18.2 state machine: a hypothesis rule-based test against an independent model of
the standard's rules, and the transitions the issue names, one by one."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from alarms.states import NORMAL, Event, State, Status, step

HIDDEN = {State.SHELVED, State.SUPPRESSED, State.OUT_OF_SERVICE}


class AlarmModel(RuleBasedStateMachine):
    """Keeps its own facts (active, acknowledged, shelved, suppressed, out of service) and
    derives the state the standard expects; ``step`` must agree after every event."""

    def __init__(self) -> None:
        super().__init__()
        self.status = NORMAL
        self.latching = False
        self.active = False
        self.unacked = False  # an annunciation not yet acknowledged
        self.latched = False  # returned to normal, waiting for reset
        self.shelved = False
        self.suppressed = False
        self.oos = False

    def expected(self) -> State:
        if self.oos:
            return State.OUT_OF_SERVICE
        if self.shelved:
            return State.SHELVED
        if self.suppressed:
            return State.SUPPRESSED
        if self.active:
            return State.UNACK if self.unacked else State.ACK
        if self.latched:
            return State.LATCHED
        return State.RTN_UNACK if self.unacked else State.NORMAL

    def send(self, event: Event) -> Status | None:
        after = step(self.status, event, latching=self.latching)
        if after is not None:
            self.status = after
        return after

    @rule(latching=st.booleans())
    def set_latching(self, latching: bool) -> None:
        self.latching = latching

    @rule()
    def activate(self) -> None:
        hidden = self.oos or self.shelved or self.suppressed
        after = self.send(Event.ACTIVATE)
        assert (after is None) == self.active
        if not self.active and not hidden:
            self.unacked, self.latched = True, False
        self.active = True

    @rule()
    def clear(self) -> None:
        hidden = self.oos or self.shelved or self.suppressed
        after = self.send(Event.CLEAR)
        assert (after is None) == (not self.active)
        if self.active and not hidden and self.latching:
            self.latched, self.unacked = True, False
        self.active = False

    @rule()
    def acknowledge(self) -> None:
        applies = self.expected() in (State.UNACK, State.RTN_UNACK)
        assert (self.send(Event.ACKNOWLEDGE) is not None) == applies
        if applies:
            self.unacked = False

    @rule()
    def reset(self) -> None:
        applies = self.expected() is State.LATCHED
        assert (self.send(Event.RESET) is not None) == applies
        if applies:
            self.latched = False

    @rule()
    def shelve(self) -> None:
        applies = self.expected() not in HIDDEN
        assert (self.send(Event.SHELVE) is not None) == applies
        if applies:
            self.shelved, self.latched = True, False

    @rule(expired=st.booleans())
    def unshelve(self, expired: bool) -> None:
        applies = self.expected() is State.SHELVED
        after = self.send(Event.UNSHELVE_EXPIRED if expired else Event.UNSHELVE)
        assert (after is not None) == applies
        if applies:
            self.shelved = False
            # An automatic unshelve re-annunciates an active alarm; a manual one
            # returns it acknowledged.
            self.unacked = self.active and expired

    @rule()
    def suppress(self) -> None:
        after = self.send(Event.SUPPRESS)
        assert (after is None) == self.suppressed
        if not self.suppressed and self.expected() not in HIDDEN:
            self.latched = False
        self.suppressed = True

    @rule()
    def unsuppress(self) -> None:
        visible_after = self.suppressed and not (self.oos or self.shelved)
        after = self.send(Event.UNSUPPRESS)
        assert (after is None) == (not self.suppressed)
        self.suppressed = False
        if visible_after:
            self.unacked = self.active

    @rule()
    def remove_from_service(self) -> None:
        applies = not self.oos
        assert (self.send(Event.REMOVE_FROM_SERVICE) is not None) == applies
        self.oos = True

    @rule()
    def return_to_service(self) -> None:
        applies = self.oos
        assert (self.send(Event.RETURN_TO_SERVICE) is not None) == applies
        if applies:
            # Out of service replaced any shelf or latch.
            self.oos, self.shelved, self.latched = False, False, False
            self.unacked = self.active and not self.suppressed

    @invariant()
    def agrees(self) -> None:
        assert self.status.state is self.expected()
        assert self.status.active == self.active
        assert self.status.suppressed == self.suppressed


TestAlarmStateMachine = AlarmModel.TestCase


def run(events: list[Event], latching: bool = False) -> State:
    status = NORMAL
    for event in events:
        status = step(status, event, latching=latching) or status
    return status.state


@pytest.mark.parametrize(
    ("events", "latching", "state"),
    [
        ([Event.ACTIVATE], False, State.UNACK),
        ([Event.ACTIVATE, Event.ACKNOWLEDGE], False, State.ACK),  # acknowledged while active
        ([Event.ACTIVATE, Event.CLEAR], False, State.RTN_UNACK),
        ([Event.ACTIVATE, Event.CLEAR, Event.ACKNOWLEDGE], False, State.NORMAL),
        ([Event.ACTIVATE, Event.ACKNOWLEDGE, Event.CLEAR], False, State.NORMAL),
        ([Event.ACTIVATE, Event.CLEAR, Event.ACTIVATE], False, State.UNACK),
        ([Event.ACTIVATE, Event.CLEAR], True, State.LATCHED),
        ([Event.ACTIVATE, Event.ACKNOWLEDGE, Event.CLEAR], True, State.LATCHED),
        ([Event.ACTIVATE, Event.CLEAR, Event.RESET], True, State.NORMAL),
        ([Event.ACTIVATE, Event.SHELVE, Event.UNSHELVE], False, State.ACK),
        ([Event.ACTIVATE, Event.SHELVE, Event.UNSHELVE_EXPIRED], False, State.UNACK),
        ([Event.ACTIVATE, Event.SHELVE, Event.CLEAR, Event.UNSHELVE_EXPIRED], False, State.NORMAL),
        ([Event.SUPPRESS, Event.ACTIVATE], False, State.SUPPRESSED),
        ([Event.SUPPRESS, Event.ACTIVATE, Event.UNSUPPRESS], False, State.UNACK),
        ([Event.REMOVE_FROM_SERVICE, Event.ACTIVATE], False, State.OUT_OF_SERVICE),
        ([Event.REMOVE_FROM_SERVICE, Event.ACTIVATE, Event.RETURN_TO_SERVICE], False, State.UNACK),
    ],
)
def test_named_transitions(events: list[Event], latching: bool, state: State) -> None:
    assert run(events, latching) is state


def test_replayed_process_events_change_nothing() -> None:
    active = step(NORMAL, Event.ACTIVATE)
    assert active is not None
    assert step(active, Event.ACTIVATE) is None
