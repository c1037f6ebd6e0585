"""Encoding and decoding of PDUs (function code and data, without unit id or framing).

Encoding checks every field against the limits of the specification and raises
:class:`~.errors.EncodeError`; decoding checks the layout and raises
:class:`~.errors.BadPdu`. Decoding does not check counts against the read and write limits:
a server answers such a request with exception 3 rather than dropping it (see
:func:`request_problem`).
"""

import struct

from .constants import (
    COIL_OFF,
    COIL_ON,
    EXCEPTION_FLAG,
    MAX_ADDRESS,
    MAX_READ_BITS,
    MAX_READ_REGISTERS,
    MAX_WRITE_COILS,
    MAX_WRITE_REGISTERS,
    FunctionCode,
)
from .errors import BadPdu, EncodeError, UnknownFunction
from .messages import (
    ExceptionResponse,
    ReadBitsResponse,
    ReadRegistersResponse,
    ReadRequest,
    Request,
    Response,
    WriteCoil,
    WriteCoils,
    WriteMultipleResponse,
    WriteRegister,
    WriteRegisters,
)

_ADDRESS_AND_VALUE = struct.Struct(">BHH")
_BIT_READS = (FunctionCode.READ_COILS, FunctionCode.READ_DISCRETE_INPUTS)
_REGISTER_READS = (FunctionCode.READ_HOLDING_REGISTERS, FunctionCode.READ_INPUT_REGISTERS)
_READS = (*_BIT_READS, *_REGISTER_READS)


def pack_bits(bits: tuple[bool, ...]) -> bytes:
    """Bits packed eight to a byte, the first in the least significant bit."""
    packed = bytearray((len(bits) + 7) // 8)
    for index, bit in enumerate(bits):
        if bit:
            packed[index >> 3] |= 1 << (index & 7)
    return bytes(packed)


def unpack_bits(data: bytes) -> tuple[bool, ...]:
    return tuple(bool(byte >> shift & 1) for byte in data for shift in range(8))


def encode_pdu(message: Request | Response) -> bytes:
    """The PDU bytes of a request or a response."""
    match message:
        case ReadRequest(function, address, count):
            limit = MAX_READ_BITS if function in _BIT_READS else MAX_READ_REGISTERS
            _check_span(address, count, limit)
            return _ADDRESS_AND_VALUE.pack(function, address, count)
        case WriteCoil(address, value):
            _check_span(address, 1, 1)
            return _ADDRESS_AND_VALUE.pack(
                message.function, address, COIL_ON if value else COIL_OFF
            )
        case WriteRegister(address, value):
            _check_span(address, 1, 1)
            _check_registers((value,))
            return _ADDRESS_AND_VALUE.pack(message.function, address, value)
        case WriteCoils(address, values):
            _check_span(address, len(values), MAX_WRITE_COILS)
            data = pack_bits(values)
            return (
                _ADDRESS_AND_VALUE.pack(message.function, address, len(values))
                + bytes([len(data)])
                + data
            )
        case WriteRegisters(address, values):
            _check_span(address, len(values), MAX_WRITE_REGISTERS)
            _check_registers(values)
            head = _ADDRESS_AND_VALUE.pack(message.function, address, len(values))
            return head + bytes([2 * len(values)]) + struct.pack(f">{len(values)}H", *values)
        case ReadBitsResponse(function, bits):
            return _with_byte_count(function, pack_bits(bits))
        case ReadRegistersResponse(function, registers):
            _check_registers(registers)
            return _with_byte_count(function, struct.pack(f">{len(registers)}H", *registers))
        case WriteMultipleResponse(function, address, count):
            return _ADDRESS_AND_VALUE.pack(function, address, count)
        case ExceptionResponse(function, code):
            if not 0 < function < EXCEPTION_FLAG or not 0 <= code <= 0xFF:
                raise EncodeError(f"no exception reply for function {function}, code {code}")
            return bytes([function | EXCEPTION_FLAG, code])
    raise EncodeError(f"not a Modbus message: {message!r}")


def decode_request(pdu: bytes) -> Request:
    """The request a PDU carries."""
    function = _function(pdu)
    if function in _READS:
        _, address, count = _fixed(pdu)
        return ReadRequest(FunctionCode(function), address, count)
    if function == FunctionCode.WRITE_SINGLE_COIL:
        return _decode_write_coil(pdu)
    if function == FunctionCode.WRITE_SINGLE_REGISTER:
        _, address, value = _fixed(pdu)
        return WriteRegister(address, value)
    if function in (FunctionCode.WRITE_MULTIPLE_COILS, FunctionCode.WRITE_MULTIPLE_REGISTERS):
        return _decode_write_multiple(pdu)
    raise UnknownFunction(function)


def decode_response(pdu: bytes) -> Response:
    """The response a PDU carries; an exception reply is an :class:`ExceptionResponse`."""
    function = _function(pdu)
    if function & EXCEPTION_FLAG:
        if len(pdu) != 2:
            raise BadPdu(f"an exception reply is 2 bytes, not {len(pdu)}")
        return ExceptionResponse(function & ~EXCEPTION_FLAG, pdu[1])
    if function in _READS:
        data = _counted_data(pdu)
        if function in _BIT_READS:
            return ReadBitsResponse(FunctionCode(function), unpack_bits(data))
        if len(data) % 2:
            raise BadPdu(f"a register reply with an odd byte count {len(data)}")
        registers = struct.unpack(f">{len(data) // 2}H", data)
        return ReadRegistersResponse(FunctionCode(function), registers)
    if function == FunctionCode.WRITE_SINGLE_COIL:
        return _decode_write_coil(pdu)
    if function == FunctionCode.WRITE_SINGLE_REGISTER:
        _, address, value = _fixed(pdu)
        return WriteRegister(address, value)
    if function in (FunctionCode.WRITE_MULTIPLE_COILS, FunctionCode.WRITE_MULTIPLE_REGISTERS):
        _, address, count = _fixed(pdu)
        return WriteMultipleResponse(FunctionCode(function), address, count)
    raise UnknownFunction(function)


def request_problem(request: Request) -> str | None:
    """Why a decoded request breaks the limits of the specification (a server answers it
    with exception 3, ILLEGAL_DATA_VALUE), or ``None``."""
    match request:
        case ReadRequest(function, _, count):
            limit = MAX_READ_BITS if function in _BIT_READS else MAX_READ_REGISTERS
            return None if 1 <= count <= limit else f"cannot read {count} items (1..{limit})"
        case WriteCoils(_, values) if not 1 <= len(values) <= MAX_WRITE_COILS:
            return f"cannot write {len(values)} coils"
        case WriteRegisters(_, values) if not 1 <= len(values) <= MAX_WRITE_REGISTERS:
            return f"cannot write {len(values)} registers"
    return None


def _check_span(address: int, count: int, limit: int) -> None:
    if not 1 <= count <= limit:
        raise EncodeError(f"{count} items: a request carries 1..{limit}")
    if address < 0 or address + count - 1 > MAX_ADDRESS:
        raise EncodeError(f"addresses {address}..{address + count - 1} are outside 0..65535")


def _check_registers(values: tuple[int, ...]) -> None:
    for value in values:
        if not 0 <= value <= 0xFFFF:
            raise EncodeError(f"register value {value} is outside 0..65535")


def _with_byte_count(function: int, data: bytes) -> bytes:
    if len(data) > 0xFF:
        raise EncodeError(f"{len(data)} data bytes do not fit in a reply")
    return bytes([function, len(data)]) + data


def _function(pdu: bytes) -> int:
    if not pdu:
        raise BadPdu("an empty PDU")
    return pdu[0]


def _fixed(pdu: bytes) -> tuple[int, int, int]:
    if len(pdu) != _ADDRESS_AND_VALUE.size:
        raise BadPdu(f"function 0x{pdu[0]:02X} takes 5 bytes, not {len(pdu)}")
    return _ADDRESS_AND_VALUE.unpack(pdu)


def _counted_data(pdu: bytes) -> bytes:
    if len(pdu) < 2 or pdu[1] != len(pdu) - 2:
        raise BadPdu(f"byte count disagrees with the {len(pdu)} bytes of the PDU")
    return pdu[2:]


def _decode_write_coil(pdu: bytes) -> WriteCoil:
    _, address, value = _fixed(pdu)
    if value not in (COIL_ON, COIL_OFF):
        raise BadPdu(f"a coil is written with 0xFF00 or 0x0000, not 0x{value:04X}")
    return WriteCoil(address, value == COIL_ON)


def _decode_write_multiple(pdu: bytes) -> WriteCoils | WriteRegisters:
    if len(pdu) < 6:
        raise BadPdu(f"a write-multiple request of {len(pdu)} bytes")
    function, address, count = _ADDRESS_AND_VALUE.unpack_from(pdu)
    data = pdu[6:]
    if pdu[5] != len(data):
        raise BadPdu(f"byte count {pdu[5]} disagrees with the {len(data)} data bytes")
    if function == FunctionCode.WRITE_MULTIPLE_COILS:
        if len(data) != (count + 7) // 8:
            raise BadPdu(f"{len(data)} bytes cannot carry {count} coils")
        return WriteCoils(address, unpack_bits(data)[:count])
    if len(data) != 2 * count:
        raise BadPdu(f"{len(data)} bytes cannot carry {count} registers")
    return WriteRegisters(address, struct.unpack(f">{count}H", data))
