"""Mara, the protocol of the substation measuring network (we are its master, 0x40).

Module layout, from the wire up:

- ``constants``: SOF, addresses, command codes, sizes.
- ``errors``: :class:`MaraError` and its subclasses, the only exceptions raised for bad
  frames or values that cannot be encoded.
- ``checksum``: the BCC.
- ``timestamps``: Mara date fields and 1/32768 s fractions to and from ``datetime``.
- ``frames``: the Construct declarations of every frame, section and event.
- ``messages``: the typed (frozen dataclass) results: :class:`Frame` and its payloads.
- ``encode``: building frames to send (poll, time set, port commands, replies, events).
- ``reply_parser``: the fast parser of 0x10 replies and events.
- ``decode``: checking and decoding one whole frame.
- ``stream``: :class:`StreamReader`, TCP chunks in, frames and :class:`Dropped` out.
- ``jsonform``: frames and events as the JSON the decode tool prints.
- ``decode_tool`` and ``__main__``: ``python -m protocols.mara decode [FILE]``.
- ``client``: the master side: Mara's part of polling, on the keeper of ``protocols.link``.
- ``simulator``: a simulated COMaster (sans-I/O core, Twisted server, faults, ledger,
  control interface), ``python -m protocols.mara.simulator PROFILE.json``.

Nothing here imports Django.
"""

from .constants import BROADCAST_ADDRESS, MASTER_ADDRESS, SOF, Command, EnergyCode, EventType
from .decode import decode_frame
from .encode import (
    encode_event,
    encode_frame,
    encode_logical_port_command,
    encode_poll,
    encode_poll_reply,
    encode_port_command,
    encode_time_set,
)
from .errors import (
    BadChecksum,
    BadPayload,
    BadQuantity,
    BadStartOfFrame,
    EncodeError,
    MaraError,
    Truncated,
    UnexpectedPayload,
)
from .messages import (
    AnalogValue,
    ComsysEvent,
    DigitalEvent,
    EnergyEvent,
    Event,
    Frame,
    IdleEvent,
    LogicalPortCommand,
    Payload,
    PollReply,
    PortCommand,
    RawPayload,
    TimeSet,
)
from .reply_parser import decode_event
from .stream import Dropped, StreamReader

__all__ = [
    "BROADCAST_ADDRESS",
    "MASTER_ADDRESS",
    "SOF",
    "AnalogValue",
    "BadChecksum",
    "BadPayload",
    "BadQuantity",
    "BadStartOfFrame",
    "Command",
    "ComsysEvent",
    "DigitalEvent",
    "Dropped",
    "EncodeError",
    "EnergyCode",
    "EnergyEvent",
    "Event",
    "EventType",
    "Frame",
    "IdleEvent",
    "LogicalPortCommand",
    "MaraError",
    "Payload",
    "PollReply",
    "PortCommand",
    "RawPayload",
    "StreamReader",
    "TimeSet",
    "Truncated",
    "UnexpectedPayload",
    "decode_event",
    "decode_frame",
    "encode_event",
    "encode_frame",
    "encode_logical_port_command",
    "encode_poll",
    "encode_poll_reply",
    "encode_port_command",
    "encode_time_set",
]
