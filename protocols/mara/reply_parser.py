"""Fast parser of the 0x10 reply payload and of single events.

This is the hot path of a poller: a full reply carries up to 24 events and dozens of
words. It follows :data:`.frames.POLL_REPLY` exactly (the tests compare the two on
random input) but reads bytes directly instead of going through Construct.
"""

import struct

from .constants import EVENT_SIZE, MAX_PAYLOAD, EventType
from .errors import BadPayload
from .messages import (
    AnalogValue,
    ComsysEvent,
    DigitalEvent,
    EnergyEvent,
    Event,
    IdleEvent,
    PollReply,
)
from .timestamps import field_time

_DIGITAL = int(EventType.DIGITAL)
_ENERGY = int(EventType.ENERGY)
_IDLE = int(EventType.IDLE)

_WORDS = [struct.Struct(f"<{count}H") for count in range(MAX_PAYLOAD // 2 + 1)]
"""Little-endian word unpackers by word count."""

_AI_BITS = 0xCFFF
"""Qualifier (bits 15-14) and raw value (bits 11-0) of an AI word; bits 13-12 are unused."""


class _AnalogValues(dict[int, AnalogValue]):
    """AI readings by word, made on first sight: they are immutable and few, and a dict
    lookup is much cheaper than making one per word of every reply."""

    def __missing__(self, word: int) -> AnalogValue:
        key = word & _AI_BITS
        value = self.get(key) or AnalogValue(key >> 14, key & 0x0FFF)
        self[key] = self[word] = value
        return value


_analog_values = _AnalogValues()


def decode_event(raw: bytes) -> Event:
    """Decode one 10-byte event. Never fails on content: an impossible date gives
    ``time=None`` and the event is kept with its raw bytes."""
    if len(raw) != EVENT_SIZE:
        raise BadPayload(f"an event has {EVENT_SIZE} bytes, not {len(raw)}")
    tcd, info, yy, month, day, hour, minute, b7, b8, b9 = raw
    kind = tcd >> 6
    q = (tcd >> 4) & 0x03
    ied = tcd & 0x0F
    if kind == _ENERGY:
        time = field_time(yy, month, day, hour, minute)
        return EnergyEvent(
            ied, q, info & 0x07, (info >> 3) & 0x07, time, b7 << 16 | b9 << 8 | b8, raw
        )
    time = field_time(yy, month, day, hour, minute, b7, b8 << 8 | b9)
    if kind == _DIGITAL:
        return DigitalEvent(ied, q, info >> 7, (info >> 4) & 0x07, info & 0x0F, time, raw)
    if kind == _IDLE:
        return IdleEvent(ied, q, (info >> 3) & 0x07, time, raw)
    return ComsysEvent(ied, q, info >> 4, info & 0x0F, time, raw)


def _section_end(payload: bytes, start: int, item_size: int, name: str) -> int:
    """Offset just past the counted section starting at ``start``."""
    if start >= len(payload):
        raise BadPayload(f"the {name} section is missing")
    count = payload[start]
    if count == 0 or (count - 1) % item_size:
        raise BadPayload(f"{name} count byte {count} is not 1 + a multiple of {item_size}")
    end = start + count
    if end > len(payload):
        raise BadPayload(f"the {name} section runs {end - len(payload)} bytes past the payload")
    return end


def parse_poll_reply(payload: bytes) -> PollReply:
    """Parse the four counted sections (SV, DI, AI, events) of a 0x10 reply."""
    sv_end = _section_end(payload, 0, 1, "SV")
    di_end = _section_end(payload, sv_end, 2, "DI")
    ai_end = _section_end(payload, di_end, 2, "AI")
    events_end = _section_end(payload, ai_end, EVENT_SIZE, "event")
    if events_end != len(payload):
        raise BadPayload(f"{len(payload) - events_end} bytes follow the event section")
    di = _WORDS[(di_end - sv_end) // 2].unpack_from(payload, sv_end + 1)
    ai_words = _WORDS[(ai_end - di_end) // 2].unpack_from(payload, di_end + 1)
    return PollReply(
        sv=payload[1:sv_end],
        di=di,
        ai=tuple(map(_analog_values.__getitem__, ai_words)),
        events=tuple(
            decode_event(payload[offset : offset + EVENT_SIZE])
            for offset in range(ai_end + 1, events_end, EVENT_SIZE)
        ),
    )
