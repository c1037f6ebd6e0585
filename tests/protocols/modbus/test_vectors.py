"""The SDM630 RTU vectors of the device page (slave 5), byte for byte, through our framing,
PDU codec and data types."""

import pytest

from protocols.modbus import (
    DataType,
    FunctionCode,
    ReadRegistersResponse,
    ReadRequest,
    RtuStreamReader,
    ValueFormat,
    check_reply,
    decode_request,
    decode_response,
    decode_rtu,
    encode_pdu,
    encode_rtu,
)
from protocols.modbus.framing import Direction

VECTORS = [
    # request, reply, function, register, value
    ("05 04 00 48 00 02 F0 59", "05 04 04 42 A1 3E 77 AB 98", 4, 0x48, 80.622),
    ("05 04 00 4A 00 02 51 99", "05 04 04 47 76 74 13 2D E7", 4, 0x4A, 63092.074),
    ("05 03 00 1C 00 02 04 49", "05 03 04 40 40 00 00 AB E7", 3, 0x1C, 3.0),
]
FLOAT = ValueFormat(DataType.FLOAT32)


@pytest.mark.parametrize(("request_hex", "reply_hex", "function", "register", "value"), VECTORS)
def test_request_is_encoded_byte_for_byte(request_hex, reply_hex, function, register, value):
    request = ReadRequest(FunctionCode(function), register, 2)
    assert encode_rtu(5, encode_pdu(request)) == bytes.fromhex(request_hex)
    adu = decode_rtu(bytes.fromhex(request_hex))
    assert adu.unit == 5 and decode_request(adu.pdu) == request


@pytest.mark.parametrize(("request_hex", "reply_hex", "function", "register", "value"), VECTORS)
def test_reply_is_decoded_and_encoded_byte_for_byte(
    request_hex, reply_hex, function, register, value
):
    request = ReadRequest(FunctionCode(function), register, 2)
    adu = decode_rtu(bytes.fromhex(reply_hex))
    response = decode_response(adu.pdu)
    words = check_reply(request, response)
    assert FLOAT.decode_registers(words) == pytest.approx(value, abs=5e-4)
    rebuilt = ReadRegistersResponse(FunctionCode(function), FLOAT.encode_registers(value))
    assert encode_rtu(5, encode_pdu(rebuilt)) == bytes.fromhex(reply_hex)


def test_the_three_replies_in_one_chunk_come_out_of_the_stream_reader():
    stream = b"".join(bytes.fromhex(reply) for _, reply, *_ in VECTORS)
    adus = RtuStreamReader(Direction.RESPONSE, units={5}).feed(stream)
    assert [adu.pdu for adu in adus] == [bytes.fromhex(reply)[1:-2] for _, reply, *_ in VECTORS]
