"""The typed Modbus PDUs (frozen dataclasses): requests and responses.

A write-single request and its reply have the same layout (the device echoes the request),
so both directions use :class:`WriteCoil` and :class:`WriteRegister`.
"""

from dataclasses import dataclass
from typing import ClassVar

from .constants import READ_FUNCTION_TABLES, FunctionCode, Table, exception_name


@dataclass(frozen=True, slots=True)
class ReadRequest:
    """Read ``count`` coils, discrete inputs, holding or input registers from ``address``."""

    function: FunctionCode
    address: int
    count: int

    @property
    def table(self) -> Table:
        return READ_FUNCTION_TABLES[self.function]

    @classmethod
    def of(cls, table: Table, address: int, count: int) -> "ReadRequest":
        return cls(table.read_function, address, count)


@dataclass(frozen=True, slots=True)
class WriteCoil:
    """Function 5, request and echo."""

    function: ClassVar[FunctionCode] = FunctionCode.WRITE_SINGLE_COIL
    address: int
    value: bool


@dataclass(frozen=True, slots=True)
class WriteRegister:
    """Function 6, request and echo."""

    function: ClassVar[FunctionCode] = FunctionCode.WRITE_SINGLE_REGISTER
    address: int
    value: int


@dataclass(frozen=True, slots=True)
class WriteCoils:
    """Function 15."""

    function: ClassVar[FunctionCode] = FunctionCode.WRITE_MULTIPLE_COILS
    address: int
    values: tuple[bool, ...]


@dataclass(frozen=True, slots=True)
class WriteRegisters:
    """Function 16."""

    function: ClassVar[FunctionCode] = FunctionCode.WRITE_MULTIPLE_REGISTERS
    address: int
    values: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ReadBitsResponse:
    """Reply to function 1 or 2. ``bits`` holds every bit of the reply's bytes, the padding
    of the last byte included: only the request knows how many count."""

    function: FunctionCode
    bits: tuple[bool, ...]


@dataclass(frozen=True, slots=True)
class ReadRegistersResponse:
    """Reply to function 3 or 4."""

    function: FunctionCode
    registers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class WriteMultipleResponse:
    """Reply to function 15 or 16: where the write started and how many items it wrote."""

    function: FunctionCode
    address: int
    count: int


@dataclass(frozen=True, slots=True)
class ExceptionResponse:
    """An exception reply: ``function`` without the 0x80 flag, and the exception code."""

    function: int
    code: int

    @property
    def name(self) -> str:
        return exception_name(self.code)


WriteRequest = WriteCoil | WriteRegister | WriteCoils | WriteRegisters
Request = ReadRequest | WriteRequest
Response = (
    ReadBitsResponse
    | ReadRegistersResponse
    | WriteCoil
    | WriteRegister
    | WriteMultipleResponse
    | ExceptionResponse
)
