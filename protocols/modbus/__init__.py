"""Modbus for SMVE: a small sans-I/O codec, read planning, a Twisted client, simulators.

Module layout, from the wire up:

- ``constants``: function codes, exception codes, tables, the limits of the specification.
- ``errors``: :class:`ModbusError` and its subclasses, the only exceptions raised here.
- ``crc``: CRC-16/MODBUS.
- ``messages``: the typed (frozen dataclass) requests and responses.
- ``pdu``: PDUs to and from bytes.
- ``framing``: ADUs, Modbus TCP (MBAP) and RTU (CRC) framing.
- ``stream``: :class:`TcpStreamReader` and :class:`RtuStreamReader`, TCP chunks in, ADUs
  and :class:`Dropped` out.
- ``replies``: :func:`check_reply`, a response checked against its request.
- ``datatypes``: values to and from registers (types, word order, scale, offset).
- ``planner``: :func:`plan_reads`, the fewest read requests for a set of spans.
- ``points``: :class:`Point` and :class:`ReadPlan`, a device's reads and their decoding.
- ``register_map``: device register maps as JSON data (``fixtures/modbus/``).
- ``client``: the master side: Modbus's part of polling, on the keeper of ``protocols.link``.
- ``simulator``: the SBR plant and SDM630 meter simulators,
  ``python -m protocols.modbus.simulator plant|meters``.

Nothing here imports Django.
"""

from .constants import ExceptionCode, FunctionCode, Table, exception_name
from .crc import crc16
from .datatypes import DataType, Value, ValueFormat, WordOrder
from .errors import (
    BadCrc,
    BadPdu,
    EncodeError,
    ExceptionReply,
    FrameError,
    ModbusError,
    RequestFailed,
    UnexpectedReply,
    UnknownFunction,
)
from .framing import (
    Adu,
    Direction,
    Framing,
    decode_rtu,
    decode_tcp,
    encode_adu,
    encode_rtu,
    encode_tcp,
)
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
    WriteRequest,
)
from .pdu import decode_request, decode_response, encode_pdu
from .planner import ReadBlock, ReadLimits, Span, plan_reads
from .points import Point, ReadPlan, write_request
from .register_map import MapEntry, RegisterMap, RegisterMapError, load_register_map
from .replies import check_reply
from .stream import Dropped, RtuStreamReader, TcpStreamReader, stream_reader

__all__ = [
    "Adu",
    "BadCrc",
    "BadPdu",
    "DataType",
    "Direction",
    "Dropped",
    "EncodeError",
    "ExceptionCode",
    "ExceptionReply",
    "ExceptionResponse",
    "FrameError",
    "Framing",
    "FunctionCode",
    "MapEntry",
    "ModbusError",
    "Point",
    "ReadBitsResponse",
    "ReadBlock",
    "ReadLimits",
    "ReadPlan",
    "ReadRegistersResponse",
    "ReadRequest",
    "RegisterMap",
    "RegisterMapError",
    "Request",
    "RequestFailed",
    "Response",
    "RtuStreamReader",
    "Span",
    "Table",
    "TcpStreamReader",
    "UnexpectedReply",
    "UnknownFunction",
    "Value",
    "ValueFormat",
    "WordOrder",
    "WriteCoil",
    "WriteCoils",
    "WriteMultipleResponse",
    "WriteRegister",
    "WriteRegisters",
    "WriteRequest",
    "check_reply",
    "crc16",
    "decode_request",
    "decode_response",
    "decode_rtu",
    "decode_tcp",
    "encode_adu",
    "encode_pdu",
    "encode_rtu",
    "encode_tcp",
    "exception_name",
    "load_register_map",
    "plan_reads",
    "stream_reader",
    "write_request",
]
