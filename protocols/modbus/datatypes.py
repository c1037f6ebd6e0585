"""Point values to and from register words: data types, word order, scale and offset.

Bytes within a register are big-endian, as Modbus sends them. Word order only matters for
values wider than a register: ``ABCD`` puts the most significant word first (the SDM630 and
most devices), ``CDAB`` the least significant word first; a 64-bit value in ``CDAB`` has its
four words in reverse order.

An engineering value is ``raw * scale + offset``; integer types with scale 1 and offset 0
decode to ``int``, every other number to ``float``. A bool in a coil or discrete input is
the bit; a bool in a register is one of its bits (``bit`` 0..15, 0 the least significant),
or the whole register being non-zero when no bit is given.
"""

import enum
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import EncodeError

Value = bool | int | float


class DataType(enum.Enum):
    BOOL = "bool"
    INT16 = "int16"
    UINT16 = "uint16"
    INT32 = "int32"
    UINT32 = "uint32"
    FLOAT32 = "float32"
    FLOAT64 = "float64"

    @property
    def registers(self) -> int:
        """How many 16-bit registers a value of this type takes."""
        return _LAYOUTS[self].size // 2

    @property
    def is_integer(self) -> bool:
        return self in _INTEGER_RANGES


class WordOrder(enum.Enum):
    ABCD = "ABCD"
    CDAB = "CDAB"


_LAYOUTS = {
    DataType.BOOL: struct.Struct(">H"),
    DataType.INT16: struct.Struct(">h"),
    DataType.UINT16: struct.Struct(">H"),
    DataType.INT32: struct.Struct(">i"),
    DataType.UINT32: struct.Struct(">I"),
    DataType.FLOAT32: struct.Struct(">f"),
    DataType.FLOAT64: struct.Struct(">d"),
}
_INTEGER_RANGES = {
    DataType.INT16: (-0x8000, 0x7FFF),
    DataType.UINT16: (0, 0xFFFF),
    DataType.INT32: (-0x8000_0000, 0x7FFF_FFFF),
    DataType.UINT32: (0, 0xFFFF_FFFF),
}


@dataclass(frozen=True, slots=True)
class ValueFormat:
    """How one point's value sits in its registers (or its bit)."""

    data_type: DataType
    word_order: WordOrder = WordOrder.ABCD
    bit: int | None = None
    scale: float = 1.0
    offset: float = 0.0

    def __post_init__(self) -> None:
        if self.bit is not None and (self.data_type is not DataType.BOOL or not 0 <= self.bit < 16):
            raise ValueError("a bit (0..15) is only given to a bool in a register")
        if self.scale == 0 or not math.isfinite(self.scale) or not math.isfinite(self.offset):
            raise ValueError("scale must be finite and non-zero, offset finite")

    @property
    def registers(self) -> int:
        return self.data_type.registers

    @property
    def is_plain(self) -> bool:
        """Scale 1 and offset 0: the raw value is the engineering value."""
        return self.scale == 1 and self.offset == 0

    def decode_registers(self, words: Sequence[int]) -> Value:
        """The value of the point whose registers are ``words``."""
        if len(words) != self.registers:
            raise ValueError(f"{self.data_type.value} takes {self.registers} registers")
        if self.data_type is DataType.BOOL:
            word = words[0]
            return bool(word >> self.bit & 1) if self.bit is not None else word != 0
        ordered = words if self.word_order is WordOrder.ABCD else words[::-1]
        data = b"".join(word.to_bytes(2, "big") for word in ordered)
        raw: int | float = _LAYOUTS[self.data_type].unpack(data)[0]
        if self.is_plain:
            return raw
        return raw * self.scale + self.offset

    def encode_registers(self, value: Value) -> tuple[int, ...]:
        """The register words that hold ``value``. A bit of a register cannot be written
        alone (the other bits would be lost): that raises :class:`EncodeError`."""
        data_type = self.data_type
        if data_type is DataType.BOOL:
            if self.bit is not None:
                raise EncodeError("a bit of a register cannot be written on its own")
            return (1 if value else 0,)
        raw: float = value if self.is_plain else (value - self.offset) / self.scale
        if data_type.is_integer:
            if not math.isfinite(raw):
                raise EncodeError(f"{value!r} is not a number a register can hold")
            lowest, highest = _INTEGER_RANGES[data_type]
            integer = round(raw)
            if not lowest <= integer <= highest:
                raise EncodeError(f"{value!r} does not fit in {data_type.value}")
            data = _LAYOUTS[data_type].pack(integer)
        else:
            try:
                data = _LAYOUTS[data_type].pack(raw)
            except (OverflowError, struct.error) as error:
                raise EncodeError(f"{value!r} does not fit in {data_type.value}") from error
        words = tuple(int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2))
        return words if self.word_order is WordOrder.ABCD else words[::-1]
