"""The ISA-18.2 alarm state machine, as plain data and one pure function (no Django, no I/O).

An alarm's :class:`Status` is its displayed ``state`` plus two facts the state alone does not
say: whether the process condition is ``active`` now, and whether a suppress-by-design
condition holds. Those facts are kept through shelving, suppression and out-of-service so
that leaving those states lands where the standard says:

- an automatic unshelve (the shelf expired) of a still-active alarm returns it
  unacknowledged, a manual one acknowledged; an inactive alarm returns to normal;
- the end of suppression or of out-of-service re-annunciates an active alarm (unacknowledged);
- an alarm may be acknowledged while still active (``unack`` -> ``ack``);
- a latching alarm that returns to normal stays ``latched`` until an operator resets it.

:func:`step` answers the new status, or None when the event changes nothing (an action
that does not apply to the state is refused by the caller, a process event that repeats the
known condition is simply ignored): so replaying the same values is idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum


class State(StrEnum):
    NORMAL = "normal"
    UNACK = "unack"
    ACK = "ack"
    RTN_UNACK = "rtn_unack"
    LATCHED = "latched"
    SHELVED = "shelved"
    SUPPRESSED = "suppressed"
    OUT_OF_SERVICE = "out_of_service"


class Event(StrEnum):
    # From the process (the poller's batch).
    ACTIVATE = "activate"
    CLEAR = "clear"
    SUPPRESS = "suppress"
    UNSUPPRESS = "unsuppress"
    # From people (the web) or the clock.
    ACKNOWLEDGE = "acknowledge"
    RESET = "reset"
    SHELVE = "shelve"
    UNSHELVE = "unshelve"  # by an operator
    UNSHELVE_EXPIRED = "unshelve_expired"  # the shelf's expiry passed
    REMOVE_FROM_SERVICE = "remove_from_service"
    RETURN_TO_SERVICE = "return_to_service"


PROCESS_EVENTS = frozenset({Event.ACTIVATE, Event.CLEAR, Event.SUPPRESS, Event.UNSUPPRESS})

# States in which the alarm is annunciated and takes process changes as they come.
_ANNUNCIATED = frozenset({State.NORMAL, State.UNACK, State.ACK, State.RTN_UNACK, State.LATCHED})
# States that hide the alarm; process changes are only remembered.
_HIDDEN = frozenset({State.SHELVED, State.SUPPRESSED, State.OUT_OF_SERVICE})


@dataclass(frozen=True, slots=True)
class Status:
    state: State = State.NORMAL
    active: bool = False
    suppressed: bool = False

    @property
    def needs_attention(self) -> bool:
        """Unacknowledged, in the banner's sense."""
        return self.state in (State.UNACK, State.RTN_UNACK)


NORMAL = Status()


def _annunciate(status: Status) -> Status:
    """Where an alarm lands when it stops being hidden by suppression or out-of-service."""
    if status.suppressed:
        return replace(status, state=State.SUPPRESSED)
    return replace(status, state=State.UNACK if status.active else State.NORMAL)


def step(status: Status, event: Event, latching: bool = False) -> Status | None:
    """The status after ``event``, or None if the event changes nothing."""
    state = status.state
    if event is Event.ACTIVATE:
        if status.active:
            return None
        if state in (State.NORMAL, State.RTN_UNACK, State.LATCHED):
            return replace(status, state=State.UNACK, active=True)
        return replace(status, active=True)
    if event is Event.CLEAR:
        if not status.active:
            return None
        if state is State.UNACK:
            return replace(
                status, state=State.LATCHED if latching else State.RTN_UNACK, active=False
            )
        if state is State.ACK:
            return replace(status, state=State.LATCHED if latching else State.NORMAL, active=False)
        return replace(status, active=False)
    if event is Event.SUPPRESS:
        if status.suppressed:
            return None
        if state in _ANNUNCIATED:
            return replace(status, state=State.SUPPRESSED, suppressed=True)
        return replace(status, suppressed=True)
    if event is Event.UNSUPPRESS:
        if not status.suppressed:
            return None
        cleared = replace(status, suppressed=False)
        return _annunciate(cleared) if state is State.SUPPRESSED else cleared
    if event is Event.ACKNOWLEDGE:
        if state is State.UNACK:
            return replace(status, state=State.ACK)
        if state is State.RTN_UNACK:
            return replace(status, state=State.NORMAL)
        return None
    if event is Event.RESET:
        return replace(status, state=State.NORMAL) if state is State.LATCHED else None
    if event is Event.SHELVE:
        return replace(status, state=State.SHELVED) if state in _ANNUNCIATED else None
    if event in (Event.UNSHELVE, Event.UNSHELVE_EXPIRED):
        if state is not State.SHELVED:
            return None
        if status.suppressed:
            return replace(status, state=State.SUPPRESSED)
        if not status.active:
            return replace(status, state=State.NORMAL)
        return replace(status, state=State.ACK if event is Event.UNSHELVE else State.UNACK)
    if event is Event.REMOVE_FROM_SERVICE:
        return (
            None if state is State.OUT_OF_SERVICE else replace(status, state=State.OUT_OF_SERVICE)
        )
    if event is Event.RETURN_TO_SERVICE:
        return _annunciate(status) if state is State.OUT_OF_SERVICE else None
    raise ValueError(f"unknown alarm event {event!r}")
