"""PDUs and framing: round trips, pymodbus as the independent reference, and errors."""

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymodbus.framer import FramerRTU, FramerSocket
from pymodbus.pdu import DecodePDU, ModbusPDU
from pymodbus.pdu import bit_message as pm_bits
from pymodbus.pdu import register_message as pm_registers
from pymodbus.pdu.exceptionresponse import ExceptionResponse as PmException

from protocols.modbus import (
    BadCrc,
    BadPdu,
    EncodeError,
    ExceptionCode,
    ExceptionReply,
    ExceptionResponse,
    FrameError,
    FunctionCode,
    ReadBitsResponse,
    ReadRegistersResponse,
    ReadRequest,
    UnexpectedReply,
    UnknownFunction,
    WriteCoil,
    WriteCoils,
    WriteMultipleResponse,
    WriteRegister,
    WriteRegisters,
    check_reply,
    crc16,
    decode_request,
    decode_response,
    decode_rtu,
    decode_tcp,
    encode_pdu,
    encode_rtu,
    encode_tcp,
    exception_name,
)
from protocols.modbus.pdu import request_problem

from .strategies import requests, responses, transactions, units

_READ_REQUESTS = {
    FunctionCode.READ_COILS: pm_bits.ReadCoilsRequest,
    FunctionCode.READ_DISCRETE_INPUTS: pm_bits.ReadDiscreteInputsRequest,
    FunctionCode.READ_HOLDING_REGISTERS: pm_registers.ReadHoldingRegistersRequest,
    FunctionCode.READ_INPUT_REGISTERS: pm_registers.ReadInputRegistersRequest,
}


def reference(message, unit: int, transaction: int):
    """The same message as a pymodbus PDU object."""
    match message:
        case ReadRequest(function, address, count):
            return _READ_REQUESTS[function](
                address=address, count=count, dev_id=unit, transaction_id=transaction
            )
        case WriteCoil(address, value):
            return pm_bits.WriteSingleCoilRequest(
                address=address, bits=[value], dev_id=unit, transaction_id=transaction
            )
        case WriteRegister(address, value):
            return pm_registers.WriteSingleRegisterRequest(
                address=address, registers=[value], dev_id=unit, transaction_id=transaction
            )
        case WriteCoils(address, values):
            return pm_bits.WriteMultipleCoilsRequest(
                address=address, bits=list(values), dev_id=unit, transaction_id=transaction
            )
        case WriteRegisters(address, values):
            return pm_registers.WriteMultipleRegistersRequest(
                address=address, registers=list(values), dev_id=unit, transaction_id=transaction
            )
        case ReadBitsResponse(function, bits):
            kind: type[ModbusPDU] = pm_bits.ReadCoilsResponse
            if function == FunctionCode.READ_DISCRETE_INPUTS:
                kind = pm_bits.ReadDiscreteInputsResponse
            return kind(bits=list(bits), dev_id=unit, transaction_id=transaction)
        case ReadRegistersResponse(function, registers):
            kind = pm_registers.ReadHoldingRegistersResponse
            if function == FunctionCode.READ_INPUT_REGISTERS:
                kind = pm_registers.ReadInputRegistersResponse
            return kind(registers=list(registers), dev_id=unit, transaction_id=transaction)
        case WriteMultipleResponse(function, address, count):
            kind = pm_registers.WriteMultipleRegistersResponse
            if function == FunctionCode.WRITE_MULTIPLE_COILS:
                kind = pm_bits.WriteMultipleCoilsResponse
            return kind(address=address, count=count, dev_id=unit, transaction_id=transaction)
        case ExceptionResponse(function, code):
            return PmException(function, code, device_id=unit, transaction=transaction)
    raise AssertionError(message)


@given(requests, units, transactions)
def test_requests_match_pymodbus_byte_for_byte(request, unit, transaction):
    pdu = encode_pdu(request)
    server = DecodePDU(is_server=True)
    assert encode_tcp(transaction, unit, pdu) == FramerSocket(server).buildFrame(
        reference(request, unit, transaction)
    )
    assert encode_rtu(unit, pdu) == FramerRTU(server).buildFrame(reference(request, unit, 0))
    assert decode_request(pdu) == request
    adu = decode_tcp(encode_tcp(transaction, unit, pdu))
    assert (adu.unit, adu.transaction, adu.pdu) == (unit, transaction, pdu)


@given(responses, units, transactions)
def test_responses_match_pymodbus_byte_for_byte(response, unit, transaction):
    pdu = encode_pdu(response)
    client = DecodePDU(is_server=False)
    if not isinstance(response, WriteCoil | WriteRegister):
        # pymodbus builds echoes with its request classes, compared above
        expected = FramerSocket(client).buildFrame(reference(response, unit, transaction))
        assert encode_tcp(transaction, unit, pdu) == expected
    assert decode_response(pdu) == response
    adu = decode_rtu(encode_rtu(unit, pdu))
    assert (adu.unit, adu.pdu) == (unit, pdu)


@given(st.binary(max_size=300))
def test_decoding_arbitrary_bytes_raises_only_modbus_errors(data):
    for decode in (decode_request, decode_response, decode_rtu, decode_tcp):
        with contextlib.suppress(BadPdu, FrameError):
            decode(data)


def test_exception_reply_is_reported_with_its_code_never_as_data():
    request = ReadRequest(FunctionCode.READ_INPUT_REGISTERS, 0x300, 2)
    response = decode_response(bytes([0x84, 0x02]))
    assert response == ExceptionResponse(4, ExceptionCode.ILLEGAL_DATA_ADDRESS)
    with pytest.raises(ExceptionReply) as raised:
        check_reply(request, response)
    assert (raised.value.function, raised.value.code) == (4, 2)
    assert raised.value.name == "ILLEGAL_DATA_ADDRESS"
    assert "exception 2 (ILLEGAL_DATA_ADDRESS)" in str(raised.value)


def test_exception_names():
    assert exception_name(1) == "ILLEGAL_FUNCTION"
    assert exception_name(0x0B) == "GATEWAY_TARGET_FAILED_TO_RESPOND"
    assert exception_name(0x42) == "code 0x42"


@pytest.mark.parametrize(
    ("sent", "response"),
    [
        (
            ReadRequest(FunctionCode.READ_COILS, 0, 9),
            ReadBitsResponse(FunctionCode.READ_COILS, (False,) * 8),
        ),
        (
            ReadRequest(FunctionCode.READ_HOLDING_REGISTERS, 0, 2),
            ReadRegistersResponse(FunctionCode.READ_HOLDING_REGISTERS, (1,)),
        ),
        (
            ReadRequest(FunctionCode.READ_HOLDING_REGISTERS, 0, 1),
            ReadRegistersResponse(FunctionCode.READ_INPUT_REGISTERS, (1,)),
        ),
        (WriteCoil(3, True), WriteCoil(3, False)),
        (
            WriteRegisters(3, (1, 2)),
            WriteMultipleResponse(FunctionCode.WRITE_MULTIPLE_REGISTERS, 3, 1),
        ),
        (WriteRegister(3, 1), ExceptionResponse(3, 2)),
    ],
)
def test_replies_that_do_not_answer_the_request(sent, response):
    with pytest.raises(UnexpectedReply):
        check_reply(sent, response)


def test_replies_that_answer():
    assert check_reply(
        ReadRequest(FunctionCode.READ_COILS, 0, 3),
        ReadBitsResponse(1, (True, False, True) + (False,) * 5),
    ) == (True, False, True)
    assert check_reply(WriteCoil(3, True), WriteCoil(3, True)) == ()
    assert check_reply(WriteCoils(3, (True,) * 9), WriteMultipleResponse(15, 3, 9)) == ()


@pytest.mark.parametrize(
    "message",
    [
        ReadRequest(FunctionCode.READ_HOLDING_REGISTERS, 0, 126),
        ReadRequest(FunctionCode.READ_COILS, 0, 2001),
        ReadRequest(FunctionCode.READ_COILS, 0, 0),
        ReadRequest(FunctionCode.READ_INPUT_REGISTERS, 0xFFFF, 2),
        WriteRegister(0, 0x10000),
        WriteRegisters(0, ()),
        WriteRegisters(0, (0,) * 124),
        WriteCoils(0, (True,) * 1969),
        ExceptionResponse(0x80, 1),
    ],
)
def test_what_cannot_be_encoded(message):
    with pytest.raises(EncodeError):
        encode_pdu(message)


def test_framing_errors():
    with pytest.raises(BadCrc):
        decode_rtu(bytes.fromhex("05 04 00 48 00 02 F0 5A"))
    with pytest.raises(FrameError):
        decode_tcp(bytes.fromhex("0001 0001 0006 01 03 0000 0001"))
    with pytest.raises(FrameError):
        decode_tcp(bytes.fromhex("0001 0000 0009 01 03 0000 0001"))
    with pytest.raises(EncodeError):
        encode_rtu(256, b"\x03")


def test_malformed_pdus():
    with pytest.raises(UnknownFunction) as unknown:
        decode_request(bytes([0x2B, 0x0E, 0x01, 0x00]))
    assert unknown.value.function == 0x2B
    for pdu in ("05 0000 1234", "03 0000", "10 0000 0002 03 000000", "0F 0000 0009 01 FF"):
        with pytest.raises(BadPdu):
            decode_request(bytes.fromhex(pdu))
    for pdu in ("03 03 000000", "03 02 00", "83 02 00", ""):
        with pytest.raises(BadPdu):
            decode_response(bytes.fromhex(pdu))


def test_counts_beyond_the_limits_decode_so_that_a_server_can_refuse_them():
    request = decode_request(bytes.fromhex("03 0000 007E"))
    assert request == ReadRequest(FunctionCode.READ_HOLDING_REGISTERS, 0, 126)
    assert request_problem(request) == "cannot read 126 items (1..125)"
    assert request_problem(ReadRequest(FunctionCode.READ_COILS, 0, 2000)) is None


def test_crc_of_a_frame_with_its_crc_is_zero():
    assert crc16(bytes.fromhex("05 04 00 48 00 02")) == 0x59F0
    assert crc16(bytes.fromhex("05 04 00 48 00 02 F0 59")) == 0
