"""Simulated COMasters on a ``task.Clock``, for tests without sockets."""

import random
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from twisted.internet.task import Clock

from protocols.mara import Event, Frame, PollReply, decode_frame, encode_poll
from protocols.mara.simulator import SimulatedClock, SimulatedCOMaster, parse_profile

from .support import profile_document

START = datetime(2024, 1, 1, 12, 0)


@dataclass
class Harness:
    """A simulated COMaster, its reactor clock, and what it handed out."""

    device: SimulatedCOMaster
    clock: Clock
    handed_out: list[Event] = field(default_factory=list)
    seq: int = 0

    def request(self, data: bytes) -> Frame | None:
        reply = self.device.handle(decode_frame(data))
        return None if reply is None else decode_frame(reply)

    def poll(self, seq: int | None = None) -> Frame:
        """Poll with ``seq``, or with a new SEQ."""
        if seq is None:
            self.seq = (self.seq + 1) % 256
            seq = self.seq
        reply = self.request(encode_poll(self.device.profile.address, 0x40, seq))
        assert reply is not None, "a COMaster answers every poll addressed to it"
        return reply

    def drain(self) -> list[Event]:
        """Poll until the buffer is empty; every event handed out, in order."""
        events: list[Event] = []
        while True:
            batch = self.poll().payload_as(PollReply).events
            if not batch:
                return events
            events.extend(batch)


def make_harness(
    comaster: str = "E4",
    *,
    start: datetime = START,
    speed: float = 1.0,
    document: dict[str, Any] | None = None,
    seed: int = 7,
    **options: Any,
) -> Harness:
    profiles = {profile.name: profile for profile in parse_profile(document or profile_document())}
    clock = Clock()
    handed_out: list[Event] = []
    device = SimulatedCOMaster(
        profiles[comaster],
        SimulatedClock(clock, start, speed),
        random.Random(seed),
        on_hand_out=lambda name, events: handed_out.extend(events),
        **options,
    )
    return Harness(device, clock, handed_out)
