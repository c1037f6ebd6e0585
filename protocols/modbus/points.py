"""Points (a tag, where its value sits, how it is coded) and the read plan of a device.

:class:`ReadPlan` joins the planner and the data types: it turns a device's points into
read requests, and the data of each reply back into engineering values by tag.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .constants import Table
from .datatypes import DataType, Value, ValueFormat
from .errors import EncodeError
from .messages import ReadRequest, WriteCoil, WriteRegister, WriteRegisters, WriteRequest
from .planner import DEFAULT_LIMITS, ReadBlock, ReadLimits, Span, plan_reads


@dataclass(frozen=True, slots=True)
class Point:
    """One value of a device."""

    tag: str
    table: Table
    address: int
    format: ValueFormat
    writable: bool = False

    def __post_init__(self) -> None:
        if self.table.is_bits and (self.format.data_type is not DataType.BOOL or self.format.bit):
            raise ValueError(f"{self.tag}: a coil or discrete input is a plain bool")
        if self.writable and self.table not in (Table.COIL, Table.HOLDING_REGISTER):
            raise ValueError(f"{self.tag}: only coils and holding registers are writable")

    @property
    def count(self) -> int:
        """Registers (or bits) the point takes."""
        return 1 if self.table.is_bits else self.format.registers

    @property
    def span(self) -> Span:
        return Span(self.tag, self.table, self.address, self.count)


class ReadPlan:
    """The read requests of a set of points, and the decoding of their replies."""

    def __init__(self, points: Iterable[Point], limits: ReadLimits = DEFAULT_LIMITS) -> None:
        self.points = {point.tag: point for point in points}
        self.blocks: tuple[ReadBlock, ...] = tuple(
            plan_reads((point.span for point in self.points.values()), limits)
        )

    @property
    def requests(self) -> list[ReadRequest]:
        return [block.request for block in self.blocks]

    def decode(self, block: ReadBlock, data: Sequence[int] | Sequence[bool]) -> dict[str, Value]:
        """The value of every point of ``block``, from the data its request read."""
        values: dict[str, Value] = {}
        for span, items in block.split(data):
            point = self.points[str(span.key)]
            if block.table.is_bits:
                values[point.tag] = bool(items[0])
            else:
                values[point.tag] = point.format.decode_registers(items)
        return values


def write_request(point: Point, value: Value) -> WriteRequest:
    """The request that writes ``value`` to a writable point: function 5 for a coil, 6 for a
    one-register value, 16 for a wider one."""
    if not point.writable:
        raise EncodeError(f"{point.tag} is not writable")
    if point.table is Table.COIL:
        return WriteCoil(point.address, bool(value))
    words = point.format.encode_registers(value)
    if len(words) == 1:
        return WriteRegister(point.address, words[0])
    return WriteRegisters(point.address, words)
