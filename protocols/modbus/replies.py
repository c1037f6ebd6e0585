"""Pairing a decoded response with the request it answers.

:func:`check_reply` is where an exception reply stops: it raises
:class:`~.errors.ExceptionReply` with the code, and nothing of it is ever taken as data.
"""

from .errors import ExceptionReply, UnexpectedReply
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


def check_reply(request: Request, response: Response) -> tuple[int, ...] | tuple[bool, ...]:
    """The data read (registers or the requested bits) when ``response`` answers
    ``request``; ``()`` for a write. Raises :class:`ExceptionReply` for an exception reply
    to the request's function and :class:`UnexpectedReply` for anything else that does not
    answer it."""
    if isinstance(response, ExceptionResponse):
        if response.function != request.function:
            raise UnexpectedReply(
                f"exception to function 0x{response.function:02X} in reply to "
                f"0x{request.function:02X}"
            )
        raise ExceptionReply(response.function, response.code)
    if response.function != request.function:
        raise UnexpectedReply(
            f"function 0x{response.function:02X} in reply to 0x{request.function:02X}"
        )
    match request, response:
        case ReadRequest(_, _, count), ReadBitsResponse(_, bits):
            if len(bits) != 8 * ((count + 7) // 8):
                raise UnexpectedReply(f"{len(bits) // 8} bytes of bits in reply to {count}")
            return bits[:count]
        case ReadRequest(_, _, count), ReadRegistersResponse(_, registers):
            if len(registers) != count:
                raise UnexpectedReply(f"{len(registers)} registers in reply to {count}")
            return registers
        case ((WriteCoil() | WriteRegister()), _) if response == request:
            return ()
        case WriteCoils(address, values) | WriteRegisters(address, values), WriteMultipleResponse(
            _, reply_address, count
        ) if (reply_address, count) == (address, len(values)):
            return ()
    raise UnexpectedReply(f"{response!r} does not answer {request!r}")
