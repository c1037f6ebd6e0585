"""ADUs: a PDU with its unit id, framed for Modbus TCP (MBAP header) or RTU (CRC-16).

RTU framing here is the serial frame carried over a TCP byte stream, as serial gateways
do. RTU frames carry no length, so :func:`rtu_frame_length` derives it from the function
code and, where there is one, the byte count.
"""

import enum
import struct
from dataclasses import dataclass

from .constants import EXCEPTION_FLAG, MAX_PDU_SIZE, FunctionCode
from .crc import crc16, crc_bytes
from .errors import BadCrc, EncodeError, FrameError

MBAP = struct.Struct(">HHHB")
"""Transaction id, protocol id (0), length of what follows (unit id + PDU), unit id."""
MBAP_SIZE = MBAP.size
RTU_OVERHEAD = 3
"""Unit id before the PDU, two CRC bytes after it."""
MAX_RTU_FRAME = MAX_PDU_SIZE + RTU_OVERHEAD
MIN_RTU_FRAME = 4
MAX_UNIT = 0xFF


class Framing(enum.Enum):
    TCP = "tcp"
    RTU = "rtu"


class Direction(enum.Enum):
    """Which side of the exchange a stream carries: a server reads requests, a client
    reads responses. RTU frame lengths depend on it."""

    REQUEST = "request"
    RESPONSE = "response"


@dataclass(frozen=True, slots=True)
class Adu:
    """One framed PDU. ``transaction`` is the MBAP transaction id (``None`` for RTU)."""

    unit: int
    pdu: bytes
    transaction: int | None = None


def encode_tcp(transaction: int, unit: int, pdu: bytes) -> bytes:
    """A Modbus TCP frame: MBAP header and PDU."""
    _check(unit, pdu)
    if not 0 <= transaction <= 0xFFFF:
        raise EncodeError(f"transaction id {transaction} is outside 0..65535")
    return MBAP.pack(transaction, 0, len(pdu) + 1, unit) + pdu


def encode_rtu(unit: int, pdu: bytes) -> bytes:
    """An RTU frame: unit id, PDU, CRC-16 low byte first."""
    _check(unit, pdu)
    body = bytes([unit]) + pdu
    return body + crc_bytes(body)


def encode_adu(framing: Framing, unit: int, pdu: bytes, transaction: int = 0) -> bytes:
    if framing is Framing.TCP:
        return encode_tcp(transaction, unit, pdu)
    return encode_rtu(unit, pdu)


def decode_tcp(frame: bytes) -> Adu:
    """The ADU of one whole Modbus TCP frame."""
    if len(frame) < MBAP_SIZE + 1:
        raise FrameError(f"a Modbus TCP frame of {len(frame)} bytes is too short")
    transaction, protocol, length, unit = MBAP.unpack_from(frame)
    if protocol != 0:
        raise FrameError(f"protocol id {protocol}, not 0")
    if length != len(frame) - MBAP_SIZE + 1:
        raise FrameError(f"MBAP length {length} disagrees with the {len(frame)} bytes")
    return Adu(unit, frame[MBAP_SIZE:], transaction)


def decode_rtu(frame: bytes) -> Adu:
    """The ADU of one whole RTU frame; raises :class:`BadCrc` when its CRC is wrong."""
    if len(frame) < MIN_RTU_FRAME:
        raise FrameError(f"an RTU frame of {len(frame)} bytes is too short")
    if crc16(frame) != 0:
        raise BadCrc(f"CRC {frame[-2:].hex()} does not match {crc_bytes(frame[:-2]).hex()}")
    return Adu(frame[0], frame[1:-2])


_FIXED_REQUESTS = {
    FunctionCode.READ_COILS,
    FunctionCode.READ_DISCRETE_INPUTS,
    FunctionCode.READ_HOLDING_REGISTERS,
    FunctionCode.READ_INPUT_REGISTERS,
    FunctionCode.WRITE_SINGLE_COIL,
    FunctionCode.WRITE_SINGLE_REGISTER,
}
_COUNTED_REQUESTS = {FunctionCode.WRITE_MULTIPLE_COILS, FunctionCode.WRITE_MULTIPLE_REGISTERS}
_COUNTED_RESPONSES = {
    FunctionCode.READ_COILS,
    FunctionCode.READ_DISCRETE_INPUTS,
    FunctionCode.READ_HOLDING_REGISTERS,
    FunctionCode.READ_INPUT_REGISTERS,
}
_FIXED_RESPONSES = {
    FunctionCode.WRITE_SINGLE_COIL,
    FunctionCode.WRITE_SINGLE_REGISTER,
    FunctionCode.WRITE_MULTIPLE_COILS,
    FunctionCode.WRITE_MULTIPLE_REGISTERS,
}
FIXED_FRAME = 8
"""Unit id, function, four bytes of address and value or count, CRC."""


class UnknownLength(Exception):
    """The function code of the frame does not tell its length."""


def rtu_frame_length(head: bytes | bytearray, direction: Direction) -> int | None:
    """The whole length of the RTU frame that starts ``head``, ``None`` while too few bytes
    are there to tell. Raises :class:`UnknownLength` for a function code whose layout is
    unknown in that direction."""
    if len(head) < 2:
        return None
    function = head[1]
    if direction is Direction.RESPONSE:
        if function & EXCEPTION_FLAG:
            return 5
        if function in _FIXED_RESPONSES:
            return FIXED_FRAME
        if function in _COUNTED_RESPONSES:
            return None if len(head) < 3 else 5 + head[2]
    else:
        if function in _FIXED_REQUESTS:
            return FIXED_FRAME
        if function in _COUNTED_REQUESTS:
            return None if len(head) < 7 else 9 + head[6]
    raise UnknownLength(function)


def _check(unit: int, pdu: bytes) -> None:
    if not 0 <= unit <= MAX_UNIT:
        raise EncodeError(f"unit id {unit} is outside 0..255")
    if not 1 <= len(pdu) <= MAX_PDU_SIZE:
        raise EncodeError(f"a PDU of {len(pdu)} bytes (1..{MAX_PDU_SIZE})")
