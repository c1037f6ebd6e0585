"""Encoders: every frame this package sends is built from the declarations in
:mod:`.frames`."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from construct import Construct, ConstructError

from .constants import MAX_PAYLOAD, Command, EventType
from .errors import EncodeError
from .frames import (
    EVENT,
    FRAME,
    LOGICAL_PORT_COMMAND,
    POLL_REPLY,
    PORT_COMMAND,
    TIME_SET,
)
from .messages import (
    ComsysEvent,
    DigitalEvent,
    EnergyEvent,
    Event,
    IdleEvent,
    PollReply,
)
from .timestamps import time_fields


def _build(declaration: Construct, value: Mapping[str, Any]) -> bytes:
    try:
        frame: bytes = declaration.build(value)
        return frame
    except ConstructError as error:
        raise EncodeError(str(error)) from error


def encode_frame(dst: int, src: int, seq: int, cmd: int, payload: bytes = b"") -> bytes:
    """A complete frame: header, payload and BCC."""
    if len(payload) > MAX_PAYLOAD:
        raise EncodeError(f"payload of {len(payload)} bytes; at most {MAX_PAYLOAD} fit a frame")
    header = {"dst": dst, "src": src, "seq": seq, "cmd": cmd}
    return _build(FRAME, {"fields": {"value": {"header": header, "payload": payload}}})


def encode_poll(dst: int, src: int, seq: int) -> bytes:
    """A poll request (0x10, no payload)."""
    return encode_frame(dst, src, seq, Command.POLL)


def encode_time_set(dst: int, src: int, seq: int, when: datetime) -> bytes:
    """A time set (0x12): ``when`` to the 1/32768 s tick, day of week 1 = Monday."""
    yy, month, day, hour, minute, second, ticks = time_fields(when)
    payload = _build(
        TIME_SET,
        {
            "yy": yy,
            "month": month,
            "day": day,
            "hour": hour,
            "minute": minute,
            "second": second,
            "fraction": ticks,
            "dow": when.isoweekday(),
        },
    )
    return encode_frame(dst, src, seq, Command.TIME_SET, payload)


def encode_port_command(
    dst: int, src: int, seq: int, *, port: int, bit: int, state: int, indirect: bool = False
) -> bytes:
    """Set (``state`` 1) or reset (0) bit ``bit`` (0..7) of port ``port`` (0..127), 0x03.

    A COMaster echoes the frame; the echo is encoded the same way with the addresses
    swapped.
    """
    payload = _build(PORT_COMMAND, {"indirect": indirect, "port": port, "state": state, "bit": bit})
    return encode_frame(dst, src, seq, Command.PORT, payload)


def encode_logical_port_command(
    dst: int, src: int, seq: int, *, port: int, bit: int, state: int
) -> bytes:
    """Logical-port control (0x13), or its echo (``bit`` 0xFF reports a failure)."""
    payload = _build(LOGICAL_PORT_COMMAND, {"port": port, "bit": bit, "state": state})
    return encode_frame(dst, src, seq, Command.LOGICAL_PORT, payload)


def encode_poll_reply(dst: int, src: int, seq: int, reply: PollReply) -> bytes:
    """A COMaster's answer to a poll; every event must have a valid time."""
    payload = _build(
        POLL_REPLY,
        {
            "sv": {"entries": reply.sv},
            "di": {"entries": reply.di},
            "ai": {"entries": [{"q": value.q, "raw": value.raw} for value in reply.ai]},
            "events": {"entries": [_event_fields(event) for event in reply.events]},
        },
    )
    return encode_frame(dst, src, seq, Command.POLL, payload)


def encode_event(event: Event) -> bytes:
    """The 10 wire bytes of an event, built from its fields (``raw`` is ignored)."""
    return _build(EVENT, _event_fields(event))


def _event_fields(event: Event) -> dict[str, Any]:
    if event.time is None:
        raise EncodeError("an event without a valid time can only be sent as its raw bytes")
    yy, month, day, hour, minute, second, ticks = time_fields(event.time)
    minute_stamp = {"yy": yy, "month": month, "day": day, "hour": hour, "minute": minute}
    stamp = {**minute_stamp, "second": second, "fraction": ticks}
    body: dict[str, Any]
    match event:
        case DigitalEvent():
            kind = EventType.DIGITAL
            body = {
                "point": {"status": event.status, "port": event.port, "bit": event.bit},
                "stamp": stamp,
            }
        case EnergyEvent():
            kind = EventType.ENERGY
            body = {
                "info": {"code": event.code, "channel": event.channel},
                "stamp": minute_stamp,
                "value": event.value,
            }
        case IdleEvent():
            kind = EventType.IDLE
            body = {"info": {"code": event.code}, "stamp": stamp}
        case ComsysEvent():
            kind = EventType.COMSYS
            body = {"info": {"code": event.code, "reason": event.reason}, "stamp": stamp}
    return {"tcd": {"type": kind, "q": event.q, "ied": event.ied}, "body": body}
