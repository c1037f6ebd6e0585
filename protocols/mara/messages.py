"""Typed results of decoding: what a Mara frame says, free of wire details.

All are frozen dataclasses. Decoded events keep their ``raw`` 10 bytes so that an event
whose date is impossible (``time is None``) is still stored and can be looked at later; an
event made to be encoded leaves ``raw`` empty.

A frame's payload is a union of every command's payload; a reader that knows which one its
command carries says so with :meth:`Frame.payload_as` (and takes the events it wants with
:meth:`PollReply.events_of`), so the type checker follows, and a frame that carries
something else fails there, by name.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from .errors import UnexpectedPayload


@dataclass(frozen=True, slots=True)
class AnalogValue:
    """One AI word: qualifier (0 normal, 1 stalled or forced, 2 calculated, 3 other) and
    the raw 12-bit value; the engineering value is ``raw`` times the AI's scale."""

    q: int
    raw: int


@dataclass(frozen=True, slots=True)
class DigitalEvent:
    """A change of a digital input, time-stamped by the IED (the sequence of events)."""

    ied: int
    q: int
    status: int
    port: int
    bit: int
    time: datetime | None
    raw: bytes = b""


@dataclass(frozen=True, slots=True)
class EnergyEvent:
    """Energy of a 15-minute period (code 0), of the day's last period (1) or of the
    whole day (3), for channel ``channel`` of IED ``ied``."""

    ied: int
    q: int
    channel: int
    code: int
    time: datetime | None
    value: int
    raw: bytes = b""


@dataclass(frozen=True, slots=True)
class IdleEvent:
    """An event that carries nothing to store."""

    ied: int
    q: int
    code: int
    time: datetime | None
    raw: bytes = b""


@dataclass(frozen=True, slots=True)
class ComsysEvent:
    """A communication-system event (link lost or restored, IED start, ...)."""

    ied: int
    q: int
    code: int
    reason: int
    time: datetime | None
    raw: bytes = b""


Event = DigitalEvent | EnergyEvent | IdleEvent | ComsysEvent
EventT = TypeVar("EventT", bound=Event)


@dataclass(frozen=True, slots=True)
class PollReply:
    """Payload of a COMaster's answer to a poll (command 0x10)."""

    sv: bytes
    di: tuple[int, ...]
    ai: tuple[AnalogValue, ...]
    events: tuple[Event, ...]

    def events_of(self, kind: type[EventT]) -> tuple[EventT, ...]:
        """The events of one kind, in order: a reader after energies (or digital
        changes) gets them typed as such instead of testing every event's type."""
        return tuple(event for event in self.events if isinstance(event, kind))


@dataclass(frozen=True, slots=True)
class TimeSet:
    """Payload of a time set (command 0x12); ``dow`` is the day-of-week byte as sent
    (1 = Monday by the specification; older masters sent 0 = Monday)."""

    time: datetime | None
    dow: int


@dataclass(frozen=True, slots=True)
class PortCommand:
    """Set or reset one port bit (command 0x03); the COMaster echoes it unchanged."""

    indirect: bool
    port: int
    state: int
    bit: int


@dataclass(frozen=True, slots=True)
class LogicalPortCommand:
    """Logical-port control (command 0x13) or its echo."""

    port: int
    bit: int
    state: int

    ERROR_BIT = 0xFF

    @property
    def failed(self) -> bool:
        """True for an echo in which the COMaster reports that the command failed."""
        return self.bit == self.ERROR_BIT


@dataclass(frozen=True, slots=True)
class RawPayload:
    """Payload of a command this package does not interpret."""

    data: bytes


Payload = PollReply | TimeSet | PortCommand | LogicalPortCommand | RawPayload
PayloadT = TypeVar("PayloadT", bound=Payload)


@dataclass(frozen=True, slots=True)
class Frame:
    """One checked Mara frame. ``payload`` is ``None`` for a frame without payload
    (a poll request); port commands and their echoes share a payload type and are told
    apart by ``src``."""

    qty: int
    dst: int
    src: int
    seq: int
    cmd: int
    payload: Payload | None

    def payload_as(self, kind: type[PayloadT]) -> PayloadT:
        """The payload, which the caller knows to be a ``kind`` (an answer to a poll
        carries a :class:`PollReply`, a time set a :class:`TimeSet`).

        Raises :class:`~.errors.UnexpectedPayload` when it is something else or absent,
        so a wrong frame fails here, by name, rather than as an attribute error later.
        """
        if not isinstance(self.payload, kind):
            carried = "no payload" if self.payload is None else type(self.payload).__name__
            raise UnexpectedPayload(
                f"command 0x{self.cmd:02X} carries {carried}, not {kind.__name__}"
            )
        return self.payload
