"""Checking and decoding whole frames."""

from collections.abc import Callable

from construct import ConstructError

from .checksum import bcc
from .constants import HEADER_SIZE, MAX_QTY, MIN_QTY, SOF, Command
from .errors import BadChecksum, BadPayload, BadQuantity, BadStartOfFrame, MaraError, Truncated
from .frames import (
    LOGICAL_PORT_COMMAND,
    LOGICAL_PORT_COMMAND_COMPILED,
    PORT_COMMAND,
    PORT_COMMAND_COMPILED,
    TIME_SET,
    TIME_SET_COMPILED,
)
from .messages import Frame, LogicalPortCommand, Payload, PortCommand, RawPayload, TimeSet
from .reply_parser import parse_poll_reply
from .timestamps import field_time


def decode_frame(data: bytes | bytearray | memoryview) -> Frame:
    """Decode one complete frame, checking SOF, QTY and BCC first.

    Raises a :class:`~.errors.MaraError` subclass for anything wrong with it.
    """
    data = bytes(data)
    check_frame(data)
    return decode_checked_frame(data)


def check_frame(data: bytes) -> None:
    """Raise unless ``data`` is exactly one frame with a sound SOF, QTY and BCC."""
    size = len(data)
    if not size:
        raise Truncated("no bytes")
    if data[0] != SOF:
        raise BadStartOfFrame(f"first byte is 0x{data[0]:02X}, not 0x{SOF:02X}")
    if size < MIN_QTY:
        raise Truncated(f"{size} bytes; a frame has at least {MIN_QTY}")
    qty = data[1]
    if not MIN_QTY <= qty <= MAX_QTY:
        raise BadQuantity(f"QTY {qty} is outside {MIN_QTY}..{MAX_QTY}")
    if qty != size:
        raise BadQuantity(f"QTY says {qty} bytes but the frame has {size}")
    if not has_valid_bcc(data):
        received = data[-2] << 8 | data[-1]
        raise BadChecksum(f"BCC is 0x{received:04X}, the bytes give 0x{bcc(data[:-2]):04X}")


def has_valid_bcc(frame: bytes | bytearray) -> bool:
    """Whether the last two bytes of ``frame`` are the BCC of the others."""
    return bcc(frame[:-2]) == frame[-2] << 8 | frame[-1]


def decode_checked_frame(data: bytes) -> Frame:
    """Decode a frame that :func:`check_frame` accepted."""
    payload = data[HEADER_SIZE:-2]
    return Frame(
        qty=data[1],
        dst=data[2],
        src=data[3],
        seq=data[4],
        cmd=data[5],
        payload=decode_payload(data[5], payload) if payload else None,
    )


def decode_payload(cmd: int, payload: bytes) -> Payload:
    """Interpret the payload of a command; commands without a known layout give
    :class:`RawPayload`."""
    decoder = _PAYLOAD_DECODERS.get(cmd)
    if decoder is None:
        return RawPayload(payload)
    try:
        return decoder(payload)
    except MaraError:
        raise
    except (ConstructError, ValueError) as error:
        raise BadPayload(f"command 0x{cmd:02X}: {error}") from error


def _fixed_size(payload: bytes, size: int, what: str) -> None:
    if len(payload) != size:
        raise BadPayload(f"a {what} payload has {size} bytes, not {len(payload)}")


def _time_set(payload: bytes) -> TimeSet:
    _fixed_size(payload, TIME_SET.sizeof(), "time-set")
    fields = TIME_SET_COMPILED.parse(payload)
    time = field_time(
        fields.yy,
        fields.month,
        fields.day,
        fields.hour,
        fields.minute,
        fields.second,
        fields.fraction,
    )
    return TimeSet(time=time, dow=fields.dow)


def _port_command(payload: bytes) -> PortCommand:
    _fixed_size(payload, PORT_COMMAND.sizeof(), "port-command")
    fields = PORT_COMMAND_COMPILED.parse(payload)
    return PortCommand(
        indirect=fields.indirect, port=fields.port, state=fields.state, bit=fields.bit
    )


def _logical_port_command(payload: bytes) -> LogicalPortCommand:
    _fixed_size(payload, LOGICAL_PORT_COMMAND.sizeof(), "logical-port-command")
    fields = LOGICAL_PORT_COMMAND_COMPILED.parse(payload)
    return LogicalPortCommand(port=fields.port, bit=fields.bit, state=fields.state)


_PAYLOAD_DECODERS: dict[int, Callable[[bytes], Payload]] = {
    Command.POLL: parse_poll_reply,
    Command.TIME_SET: _time_set,
    Command.PORT: _port_command,
    Command.LOGICAL_PORT: _logical_port_command,
}
