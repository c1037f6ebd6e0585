"""Data types, word order, scale and offset, against a reference written with struct."""

import math
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocols.modbus import DataType, EncodeError, ValueFormat, WordOrder

FORMATS = {
    DataType.INT16: ">h",
    DataType.UINT16: ">H",
    DataType.INT32: ">i",
    DataType.UINT32: ">I",
    DataType.FLOAT32: ">f",
    DataType.FLOAT64: ">d",
}


def reference_words(data_type: DataType, order: WordOrder, raw) -> tuple[int, ...]:
    data = struct.pack(FORMATS[data_type], raw)
    words = [data[i] << 8 | data[i + 1] for i in range(0, len(data), 2)]
    return tuple(words if order is WordOrder.ABCD else reversed(words))


def raw_values(data_type: DataType):
    if data_type is DataType.FLOAT32:
        return st.floats(width=32, allow_nan=False, allow_infinity=False)
    if data_type is DataType.FLOAT64:
        return st.floats(allow_nan=False, allow_infinity=False)
    bits = 16 if data_type in (DataType.INT16, DataType.UINT16) else 32
    if data_type in (DataType.UINT16, DataType.UINT32):
        return st.integers(0, 2**bits - 1)
    return st.integers(-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


@st.composite
def typed_raw(draw):
    data_type = draw(st.sampled_from(list(FORMATS)))
    return data_type, draw(st.sampled_from(list(WordOrder))), draw(raw_values(data_type))


@given(typed_raw())
def test_raw_values_round_trip_in_both_word_orders(case):
    data_type, order, raw = case
    value_format = ValueFormat(data_type, order)
    words = reference_words(data_type, order, raw)
    assert value_format.decode_registers(words) == raw
    assert value_format.encode_registers(raw) == words
    assert len(words) == data_type.registers


@given(typed_raw(), st.sampled_from([0.1, 0.01, 2.0, -0.5]), st.sampled_from([0.0, -40.0, 3.5]))
def test_scale_and_offset(case, scale, offset):
    data_type, order, raw = case
    value_format = ValueFormat(data_type, order, scale=scale, offset=offset)
    value = value_format.decode_registers(reference_words(data_type, order, raw))
    assert value == raw * scale + offset
    if data_type.is_integer:
        assert value_format.encode_registers(value) == reference_words(data_type, order, raw)


def test_word_order_of_a_float64():
    words = ValueFormat(DataType.FLOAT64).encode_registers(1.0)
    assert words == (0x3FF0, 0, 0, 0)
    assert ValueFormat(DataType.FLOAT64, WordOrder.CDAB).encode_registers(1.0) == (0, 0, 0, 0x3FF0)
    assert ValueFormat(DataType.INT32, WordOrder.CDAB).decode_registers((0x0001, 0xFFFF)) == -65535


def test_bools():
    assert ValueFormat(DataType.BOOL, bit=3).decode_registers((0b1000,)) is True
    assert ValueFormat(DataType.BOOL, bit=2).decode_registers((0b1000,)) is False
    assert ValueFormat(DataType.BOOL).decode_registers((0x100,)) is True
    assert ValueFormat(DataType.BOOL).encode_registers(True) == (1,)
    with pytest.raises(EncodeError):
        ValueFormat(DataType.BOOL, bit=3).encode_registers(True)


@pytest.mark.parametrize(
    ("value_format", "value"),
    [
        (ValueFormat(DataType.UINT16), -1),
        (ValueFormat(DataType.INT16), 40000),
        (ValueFormat(DataType.UINT16, scale=0.01), 655.36),
        (ValueFormat(DataType.UINT32), math.nan),
        (ValueFormat(DataType.FLOAT32), 1e39),
    ],
)
def test_values_that_do_not_fit(value_format, value):
    with pytest.raises(EncodeError):
        value_format.encode_registers(value)


def test_formats_that_make_no_sense():
    with pytest.raises(ValueError):
        ValueFormat(DataType.UINT16, bit=1)
    with pytest.raises(ValueError):
        ValueFormat(DataType.BOOL, bit=16)
    with pytest.raises(ValueError):
        ValueFormat(DataType.INT16, scale=0)
    with pytest.raises(ValueError):
        ValueFormat(DataType.FLOAT32).decode_registers((1,))
