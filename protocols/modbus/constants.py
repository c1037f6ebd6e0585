"""Function codes, exception codes, tables and the size limits of the Modbus specification."""

import enum


class FunctionCode(enum.IntEnum):
    """The function codes SMVE speaks."""

    READ_COILS = 0x01
    READ_DISCRETE_INPUTS = 0x02
    READ_HOLDING_REGISTERS = 0x03
    READ_INPUT_REGISTERS = 0x04
    WRITE_SINGLE_COIL = 0x05
    WRITE_SINGLE_REGISTER = 0x06
    WRITE_MULTIPLE_COILS = 0x0F
    WRITE_MULTIPLE_REGISTERS = 0x10


EXCEPTION_FLAG = 0x80
"""Set in the function code of a reply that is an exception."""


class ExceptionCode(enum.IntEnum):
    """The standard exception codes, named as in the Modbus application protocol."""

    ILLEGAL_FUNCTION = 0x01
    ILLEGAL_DATA_ADDRESS = 0x02
    ILLEGAL_DATA_VALUE = 0x03
    SERVER_DEVICE_FAILURE = 0x04
    ACKNOWLEDGE = 0x05
    SERVER_DEVICE_BUSY = 0x06
    NEGATIVE_ACKNOWLEDGE = 0x07
    MEMORY_PARITY_ERROR = 0x08
    GATEWAY_PATH_UNAVAILABLE = 0x0A
    GATEWAY_TARGET_FAILED_TO_RESPOND = 0x0B


def exception_name(code: int) -> str:
    """The standard name of an exception code, or ``"code 0xNN"`` for one outside the list."""
    try:
        return ExceptionCode(code).name
    except ValueError:
        return f"code 0x{code:02X}"


class Table(enum.Enum):
    """The four data tables of a Modbus device."""

    COIL = "coil"
    DISCRETE_INPUT = "discrete_input"
    HOLDING_REGISTER = "holding_register"
    INPUT_REGISTER = "input_register"

    @property
    def is_bits(self) -> bool:
        return self in (Table.COIL, Table.DISCRETE_INPUT)

    @property
    def read_function(self) -> FunctionCode:
        return _READ_FUNCTIONS[self]


_READ_FUNCTIONS = {
    Table.COIL: FunctionCode.READ_COILS,
    Table.DISCRETE_INPUT: FunctionCode.READ_DISCRETE_INPUTS,
    Table.HOLDING_REGISTER: FunctionCode.READ_HOLDING_REGISTERS,
    Table.INPUT_REGISTER: FunctionCode.READ_INPUT_REGISTERS,
}

READ_FUNCTION_TABLES = {function: table for table, function in _READ_FUNCTIONS.items()}

MAX_READ_BITS = 2000
MAX_READ_REGISTERS = 125
MAX_WRITE_COILS = 1968
MAX_WRITE_REGISTERS = 123
MAX_ADDRESS = 0xFFFF
MAX_PDU_SIZE = 253
"""A PDU is at most 253 bytes: 256 bytes of a serial frame less address and CRC."""

COIL_ON = 0xFF00
COIL_OFF = 0x0000
"""The only two values a write-single-coil request may carry."""
