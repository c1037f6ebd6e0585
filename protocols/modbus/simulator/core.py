"""The server side of a request, with no I/O: a request PDU in, the response PDU out.

A simulated device offers :class:`SimulatedDevice`: reads and writes of its tables, raising
:class:`DeviceException` with the exception code a real device would answer. The rules of
the specification (unknown function: exception 1; malformed request or count beyond the
limits: exception 3) are applied here, once for every device.
"""

from collections.abc import Sequence
from typing import Any, Protocol

from ..constants import ExceptionCode, FunctionCode, Table
from ..datatypes import Value
from ..errors import BadPdu, UnknownFunction
from ..messages import (
    ExceptionResponse,
    ReadBitsResponse,
    ReadRegistersResponse,
    ReadRequest,
    Response,
    WriteCoil,
    WriteCoils,
    WriteMultipleResponse,
    WriteRegister,
    WriteRegisters,
)
from ..pdu import decode_request, encode_pdu, request_problem


class DeviceException(Exception):
    """A request a device refuses, with the exception code it answers."""

    def __init__(self, code: ExceptionCode, detail: str = "") -> None:
        self.code = code
        super().__init__(detail or code.name)


class SimulatedDevice(Protocol):
    """What the server needs of a simulated device."""

    name: str
    functions: frozenset[FunctionCode]

    def read(self, table: Table, address: int, count: int) -> Sequence[int] | Sequence[bool]:
        """``count`` registers or bits of ``table`` from ``address``."""

    def write(self, table: Table, address: int, values: Sequence[int] | Sequence[bool]) -> None:
        """Write coils or holding registers, all or none."""

    def set_value(self, tag: str, value: Value) -> None:
        """Set a point by its map tag, for the control interface (meters also take
        ``hold``)."""

    def state(self) -> dict[str, Any]:
        """What the control interface reports of the device."""


def answer(device: SimulatedDevice, pdu: bytes) -> bytes:
    """The response PDU a device sends to a request PDU."""
    return encode_pdu(_response(device, pdu))


def _response(device: SimulatedDevice, pdu: bytes) -> Response:
    try:
        request = decode_request(pdu)
    except UnknownFunction as unknown:
        return ExceptionResponse(unknown.function & 0x7F, ExceptionCode.ILLEGAL_FUNCTION)
    except BadPdu:
        return ExceptionResponse(pdu[0] & 0x7F, ExceptionCode.ILLEGAL_DATA_VALUE)
    if request.function not in device.functions:
        return ExceptionResponse(request.function, ExceptionCode.ILLEGAL_FUNCTION)
    if request_problem(request) is not None:
        return ExceptionResponse(request.function, ExceptionCode.ILLEGAL_DATA_VALUE)
    try:
        match request:
            case ReadRequest(function, address, count):
                data = device.read(request.table, address, count)
                if request.table.is_bits:
                    return ReadBitsResponse(function, tuple(bool(bit) for bit in data))
                return ReadRegistersResponse(function, tuple(data))
            case WriteCoil(address, value):
                device.write(Table.COIL, address, (value,))
                return request
            case WriteRegister(address, value):
                device.write(Table.HOLDING_REGISTER, address, (value,))
                return request
            case WriteCoils(address, values) | WriteRegisters(address, values):
                table = Table.COIL if isinstance(request, WriteCoils) else Table.HOLDING_REGISTER
                device.write(table, address, values)
                return WriteMultipleResponse(request.function, address, len(values))
    except DeviceException as refused:
        return ExceptionResponse(request.function, refused.code)
    raise AssertionError(f"unhandled request {request!r}")
