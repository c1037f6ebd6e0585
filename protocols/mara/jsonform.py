"""Frames and events as plain JSON-ready dicts, in the decode tool's format.

Key order matters: the tool's output is compared line by line with the test vectors.
"""

from datetime import datetime
from typing import Any

from .messages import (
    ComsysEvent,
    DigitalEvent,
    EnergyEvent,
    Event,
    Frame,
    IdleEvent,
    LogicalPortCommand,
    PollReply,
    PortCommand,
    RawPayload,
    TimeSet,
)


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def event_as_dict(event: Event) -> dict[str, Any]:
    """An event as the decode tool prints it."""
    match event:
        case DigitalEvent():
            return {
                "type": "digital",
                "ied": event.ied,
                "q": event.q,
                "status": event.status,
                "port": event.port,
                "bit": event.bit,
                "time": _time(event.time),
            }
        case EnergyEvent():
            return {
                "type": "energy",
                "ied": event.ied,
                "q": event.q,
                "channel": event.channel,
                "code": event.code,
                "time": _time(event.time),
                "value": event.value,
            }
        case IdleEvent():
            return {
                "type": "idle",
                "ied": event.ied,
                "q": event.q,
                "code": event.code,
                "time": _time(event.time),
            }
        case ComsysEvent():
            return {
                "type": "comsys",
                "ied": event.ied,
                "q": event.q,
                "code": event.code,
                "reason": event.reason,
                "time": _time(event.time),
            }


def frame_as_dict(frame: Frame) -> dict[str, Any]:
    """A valid frame as the decode tool prints it."""
    result: dict[str, Any] = {
        "ok": True,
        "qty": frame.qty,
        "dst": frame.dst,
        "src": frame.src,
        "seq": frame.seq,
        "cmd": frame.cmd,
    }
    match frame.payload:
        case PollReply() as reply:
            result["sv"] = list(reply.sv)
            result["di"] = list(reply.di)
            result["ai"] = [{"q": value.q, "value": value.raw} for value in reply.ai]
            result["events"] = [event_as_dict(event) for event in reply.events]
        case TimeSet() as time_set:
            result["time"] = _time(time_set.time)
            result["dow"] = time_set.dow
        case PortCommand() as command:
            result["indirect"] = command.indirect
            result["port"] = command.port
            result["bit"] = command.bit
            result["state"] = command.state
        case LogicalPortCommand() as command:
            result["port"] = command.port
            result["bit"] = command.bit
            result["state"] = command.state
        case RawPayload() as raw:
            result["payload"] = raw.data.hex(" ").upper()
    return result


def error_as_dict(error: str) -> dict[str, Any]:
    """What the decode tool prints for a line it could not decode."""
    return {"ok": False, "error": error}
