"""A simulated COMaster with no I/O: frames in, reply bytes out.

It answers polls addressed to it from its master with the SV, DI and AI sections and as
many buffered events as fit, hands every event out once, answers a repeated SEQ with the
previous answer (BufRetry) whichever connection it comes from, echoes port commands and
sets its clock on a time set. A port command moves the wired DIs ``field_delay`` simulated
seconds after its echo (a breaker takes a moment to move; 0: at once). A logical-port
command (0x13) to one of the ``error_ports``, or to a bit no DI is wired to, moves nothing
and is answered with the error echo (bit 0xFF): the command failed in the field.
"""

import random
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from protocols.simulation.clock import SimulatedClock

from ..constants import BROADCAST_ADDRESS, Command
from ..encode import (
    encode_event,
    encode_logical_port_command,
    encode_poll_reply,
    encode_port_command,
)
from ..messages import Event, Frame, LogicalPortCommand, PollReply, PortCommand, TimeSet
from ..reply_parser import decode_event
from .field import SimulatedField
from .profile import RAW_MAX, ComasterProfile

EVENT_BUFFER_SIZE = 10_000
"""Events kept for the master; beyond this the oldest are lost, as in a real COMaster."""

HandOutListener = Callable[[str, Sequence[Event]], None]
"""Told the COMaster's name and the events of each reply when they are first handed out."""


class UnknownPoint(LookupError):
    """A tag that is not a point of this COMaster."""


class SimulatedCOMaster:
    """One COMaster of a profile, simulated."""

    def __init__(
        self,
        profile: ComasterProfile,
        clock: SimulatedClock,
        rng: random.Random,
        *,
        on_hand_out: HandOutListener | None = None,
        buffer_size: int = EVENT_BUFFER_SIZE,
        field_delay: float = 0.0,
        error_ports: frozenset[int] = frozenset(),
    ) -> None:
        self.profile = profile
        self.clock = clock
        self._field = SimulatedField(profile, clock.now(), rng)
        self._events: deque[Event] = deque()
        self._buffer_size = buffer_size
        self._lost_events = 0
        self._last_seq: int | None = None
        self._last_answer: bytes | None = None
        self._on_hand_out = on_hand_out
        self._field_delay = timedelta(seconds=field_delay)
        self._error_ports = error_ports
        self._drives: deque[tuple[datetime, int, int, int]] = deque()
        """Port commands echoed but not yet moved in the field: (due, port, bit, state)."""

    @property
    def name(self) -> str:
        return self.profile.name

    def handle(self, frame: Frame) -> bytes | None:
        """The reply to ``frame``, or ``None`` when the COMaster stays silent."""
        profile = self.profile
        if frame.src != profile.master_address or frame.dst not in (
            profile.address,
            BROADCAST_ADDRESS,
        ):
            return None
        if frame.cmd == Command.TIME_SET:
            self._catch_up()
            if isinstance(frame.payload, TimeSet) and frame.payload.time is not None:
                self.clock.set(frame.payload.time)
                self._field.restart(frame.payload.time)
            return None
        if frame.dst == BROADCAST_ADDRESS:
            return None
        if frame.seq == self._last_seq:
            # Before any catch-up: a retry neither moves the field on nor draws from its
            # random numbers, so it never changes what the field hands out afterwards.
            return self._last_answer
        self._catch_up()
        answer = self._answer(frame)
        if answer is not None:
            self._last_seq, self._last_answer = frame.seq, answer
        return answer

    # --- control -----------------------------------------------------------------------

    def set_di(self, tag: str, value: int) -> bool:
        """Set a DI (its value as stored, mask applied); returns whether it changed,
        in which case its digital event is buffered."""
        self._check_tag(tag, digital=True)
        self._catch_up()
        events = self._field.set_digital(tag, 1 if value else 0, self.clock.now())
        self._store(events)
        return bool(events)

    def set_ai(self, tag: str, raw: int, q: int = 0, hold: bool = True) -> None:
        """Set an AI's raw value (0..4095) and qualifier (0..3)."""
        self._check_tag(tag, digital=False)
        if not 0 <= raw <= RAW_MAX or not 0 <= q <= 3:
            raise ValueError(f"raw must be within 0..{RAW_MAX} and q within 0..3")
        self._catch_up()
        self._field.set_analog(tag, raw, self.clock.now(), q, hold)

    def state(self) -> dict[str, Any]:
        """Current values by tag, clock and buffer, JSON-ready."""
        self._catch_up()
        return {
            "time": self.clock.now().isoformat(),
            "di": {
                point.tag: self._field.digital_value(point.tag) for point in self.profile.digital
            },
            "ai": {
                point.tag: {"q": value.q, "raw": value.raw}
                for point, value in zip(
                    self.profile.analog, self._field.ai_values(self.clock.now()), strict=True
                )
            },
            "pending_events": len(self._events),
            "lost_events": self._lost_events,
            "last_seq": self._last_seq,
        }

    # --- inner workings ----------------------------------------------------------------

    def _answer(self, frame: Frame) -> bytes | None:
        match frame.cmd, frame.payload:
            case Command.POLL, None:
                return self._poll_reply(frame)
            case Command.PORT, PortCommand() as command:
                self._drive_port(command.port, command.bit, command.state)
                return encode_port_command(
                    frame.src,
                    self.profile.address,
                    frame.seq,
                    port=command.port,
                    bit=command.bit,
                    state=command.state,
                    indirect=command.indirect,
                )
            case Command.LOGICAL_PORT, LogicalPortCommand() as command:
                wired = command.port not in self._error_ports and self._drive_port(
                    command.port, command.bit, 1 if command.state else 0
                )
                return encode_logical_port_command(
                    frame.src,
                    self.profile.address,
                    frame.seq,
                    port=command.port,
                    bit=command.bit if wired else LogicalPortCommand.ERROR_BIT,
                    state=command.state,
                )
        return None

    def _poll_reply(self, frame: Frame) -> bytes:
        count = min(self.profile.events_per_reply, len(self._events))
        events = tuple(self._events.popleft() for _ in range(count))
        reply = PollReply(
            sv=bytes(self.profile.sv_size),
            di=self._field.di_words(),
            ai=self._field.ai_values(self.clock.now()),
            events=events,
        )
        answer = encode_poll_reply(frame.src, self.profile.address, frame.seq, reply)
        if events and self._on_hand_out is not None:
            self._on_hand_out(self.name, events)
        return answer

    def _drive_port(self, port: int, bit: int, state: int) -> bool:
        self._drives.append((self.clock.now() + self._field_delay, port, bit, state))
        if not self._field_delay:
            self._catch_up()
        return self._field.wired(port, bit)

    def _catch_up(self) -> None:
        now = self.clock.now()
        while self._drives and self._drives[0][0] <= now:
            due, port, bit, state = self._drives.popleft()
            self._store(self._field.advance(due))
            self._store(self._field.drive_port(port, bit, state, due)[1])
        self._store(self._field.advance(now))

    def _store(self, events: Sequence[Event]) -> None:
        for event in events:
            if len(self._events) >= self._buffer_size:
                self._events.popleft()
                self._lost_events += 1
            # Kept as the master will decode it: times rounded to the 1/32768 s tick.
            self._events.append(decode_event(encode_event(event)))

    def _check_tag(self, tag: str, *, digital: bool) -> None:
        points = self.profile.digital if digital else self.profile.analog
        if all(point.tag != tag for point in points):
            kind = "DI" if digital else "AI"
            raise UnknownPoint(f"{self.name} has no {kind} {tag!r}")
