"""Struct-based Mara encoders for the simulator that serves the poller bench.

Construct builds every frame from the declarations of :mod:`protocols.mara.frames`; that is
the right place for the protocol, but building 2,000 event frames and 1,000 replies a
second with it takes a core of its own, and the bench would measure the simulator instead
of the poller. These encoders write the same bytes with :mod:`struct` (the bench tests hold
them to the Construct encoders on random input). They do not check ranges: the simulated
field only makes values that fit.
"""

from __future__ import annotations

import struct

from protocols.mara import DigitalEvent, EnergyEvent, Event, IdleEvent, PollReply
from protocols.mara.checksum import bcc
from protocols.mara.constants import SOF, Command, EventType
from protocols.mara.errors import EncodeError
from protocols.mara.timestamps import time_fields

_STAMPED = struct.Struct(">BB6BH")
"""TCD, info byte, then the stamp: year..second as bytes and the ticks big-endian."""
_MINUTE_STAMPED = struct.Struct(">BB5BBH")
"""TCD, info byte, the stamp to the minute, then the energy value's high byte and its low
word (little-endian on the wire: packed here byte-swapped)."""


def fast_event(event: Event) -> bytes:
    """``protocols.mara.encode_event(event)``: the 10 wire bytes of an event."""
    if event.time is None:
        raise EncodeError("an event without a valid time can only be sent as its raw bytes")
    yy, month, day, hour, minute, second, ticks = time_fields(event.time)
    if isinstance(event, EnergyEvent):
        tcd = EventType.ENERGY << 6 | event.q << 4 | event.ied
        value, info = event.value, event.code << 3 | event.channel
        low = (value & 0xFF) << 8 | (value >> 8) & 0xFF
        return _MINUTE_STAMPED.pack(tcd, info, yy, month, day, hour, minute, value >> 16, low)
    if isinstance(event, DigitalEvent):
        kind, info = EventType.DIGITAL, event.status << 7 | event.port << 4 | event.bit
    elif isinstance(event, IdleEvent):
        kind, info = EventType.IDLE, event.code << 3
    else:
        kind, info = EventType.COMSYS, event.code << 4 | event.reason
    tcd = kind << 6 | event.q << 4 | event.ied
    return _STAMPED.pack(tcd, info, yy, month, day, hour, minute, second, ticks)


def fast_poll_reply(dst: int, src: int, seq: int, reply: PollReply) -> bytes:
    """``protocols.mara.encode_poll_reply`` for replies whose events carry their raw bytes
    (the simulator keeps its events as the master decodes them)."""
    di, ai, events = reply.di, reply.ai, reply.events
    body = b"".join(
        (
            bytes((SOF, 0, dst, src, seq, Command.POLL, len(reply.sv) + 1)),
            reply.sv,
            bytes((2 * len(di) + 1,)),
            struct.pack(f"<{len(di)}H", *di),
            bytes((2 * len(ai) + 1,)),
            struct.pack(f"<{len(ai)}H", *(value.q << 14 | value.raw for value in ai)),
            bytes((10 * len(events) + 1,)),
            *(event.raw for event in events),
        )
    )
    frame = bytearray(body)
    frame[1] = len(body) + 2
    return bytes(frame) + bcc(frame).to_bytes(2, "big")
