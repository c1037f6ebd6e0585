"""The one error hierarchy of the Modbus package.

Callers catch :class:`ModbusError` and nothing else: low-level errors (``struct.error``,
``IndexError``, ``ValueError``) are turned into these at the package boundary.
"""

from .constants import exception_name


class ModbusError(Exception):
    """Base class of everything wrong with a Modbus exchange."""


class FrameError(ModbusError):
    """Bytes that are not a sound frame: bad MBAP header, bad length, bad CRC."""


class BadCrc(FrameError):
    """An RTU frame whose CRC-16 does not match its bytes."""


class BadPdu(ModbusError):
    """Framing is sound, but the PDU does not have the layout its function code requires."""


class EncodeError(ModbusError):
    """A request, reply or value that cannot be put on the wire (out of range, too long)."""


class UnexpectedReply(ModbusError):
    """A well-formed reply that does not answer the request it came for."""


class RequestFailed(ModbusError):
    """A request got no usable answer: every try timed out or failed, or the device is
    not connected."""


class ExceptionReply(ModbusError):
    """The device answered with an exception (function code with 0x80 set).

    ``function`` is the function code of the request (without the 0x80 flag) and ``code``
    the exception code; ``name`` is its standard name (``ILLEGAL_DATA_ADDRESS``...).
    """

    def __init__(self, function: int, code: int) -> None:
        self.function = function
        self.code = code
        self.name = exception_name(code)
        super().__init__(f"exception {code} ({self.name}) to function 0x{function:02X}")

    def __reduce__(self) -> tuple[type, tuple[int, int]]:
        return type(self), (self.function, self.code)


class UnknownFunction(BadPdu):
    """A PDU whose function code this package does not speak."""

    def __init__(self, function: int) -> None:
        self.function = function
        super().__init__(f"unsupported function code 0x{function:02X}")

    def __reduce__(self) -> tuple[type, tuple[int]]:
        return type(self), (self.function,)
