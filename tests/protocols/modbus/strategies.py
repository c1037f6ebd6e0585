"""Hypothesis strategies: Modbus requests and responses within the specification."""

from hypothesis import strategies as st

from protocols.modbus import (
    ExceptionResponse,
    FunctionCode,
    ReadBitsResponse,
    ReadRegistersResponse,
    ReadRequest,
    WriteCoil,
    WriteCoils,
    WriteMultipleResponse,
    WriteRegister,
    WriteRegisters,
)
from protocols.modbus.constants import (
    MAX_READ_BITS,
    MAX_READ_REGISTERS,
    MAX_WRITE_COILS,
    MAX_WRITE_REGISTERS,
)

words = st.integers(0, 0xFFFF)
units = st.integers(0, 255)
transactions = st.integers(0, 0xFFFF)
BIT_READS = (FunctionCode.READ_COILS, FunctionCode.READ_DISCRETE_INPUTS)
REGISTER_READS = (FunctionCode.READ_HOLDING_REGISTERS, FunctionCode.READ_INPUT_REGISTERS)


@st.composite
def spans(draw, limit: int) -> tuple[int, int]:
    count = draw(st.integers(1, limit))
    return draw(st.integers(0, 0x10000 - count)), count


@st.composite
def read_requests(draw) -> ReadRequest:
    function = draw(st.sampled_from(BIT_READS + REGISTER_READS))
    limit = MAX_READ_BITS if function in BIT_READS else MAX_READ_REGISTERS
    address, count = draw(spans(limit))
    return ReadRequest(function, address, count)


@st.composite
def write_coils(draw) -> WriteCoils:
    address, count = draw(spans(MAX_WRITE_COILS))
    return WriteCoils(address, tuple(draw(st.lists(st.booleans(), min_size=count, max_size=count))))


@st.composite
def write_registers(draw) -> WriteRegisters:
    address, count = draw(spans(MAX_WRITE_REGISTERS))
    return WriteRegisters(address, tuple(draw(st.lists(words, min_size=count, max_size=count))))


requests = st.one_of(
    read_requests(),
    st.builds(WriteCoil, words, st.booleans()),
    st.builds(WriteRegister, words, words),
    write_coils(),
    write_registers(),
)


@st.composite
def bit_responses(draw) -> ReadBitsResponse:
    size = draw(st.integers(1, MAX_READ_BITS // 8 + 1))
    bits = draw(st.lists(st.booleans(), min_size=8 * size, max_size=8 * size))
    return ReadBitsResponse(draw(st.sampled_from(BIT_READS)), tuple(bits))


responses = st.one_of(
    bit_responses(),
    st.builds(
        ReadRegistersResponse,
        st.sampled_from(REGISTER_READS),
        st.lists(words, min_size=1, max_size=MAX_READ_REGISTERS).map(tuple),
    ),
    st.builds(WriteCoil, words, st.booleans()),
    st.builds(WriteRegister, words, words),
    st.builds(
        WriteMultipleResponse,
        st.sampled_from([FunctionCode.WRITE_MULTIPLE_COILS, FunctionCode.WRITE_MULTIPLE_REGISTERS]),
        words,
        st.integers(1, MAX_WRITE_COILS),
    ),
    st.builds(ExceptionResponse, st.integers(1, 0x7F), st.integers(0, 0xFF)),
)
