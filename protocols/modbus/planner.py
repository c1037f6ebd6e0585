"""Read planning: the fewest read requests that cover a set of points.

:func:`plan_reads` is a pure function. Spans (a point's table, first address and number of
registers or bits) of one table are sorted by address and merged greedily into blocks: a
span joins the current block when the hole before it is at most the gap limit (reading a
few unwanted registers is cheaper than another round trip) and the block stays within the
request limit. Every span lands in exactly one block.

For spans that do not nest (a wider span never strictly contains another one, which holds
for any register map whose points do not overlap; points sharing one register, such as
bits, are fine) this is the minimum number of requests: a prefix of the sorted spans that
fits in one request is best taken whole.
"""

from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import TypeVar

from .constants import MAX_ADDRESS, MAX_READ_BITS, MAX_READ_REGISTERS, Table
from .messages import ReadRequest

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Span:
    """What one point needs read: ``count`` items of ``table`` from ``address``."""

    key: Hashable
    table: Table
    address: int
    count: int

    @property
    def end(self) -> int:
        """The address after the span's last one."""
        return self.address + self.count


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Largest reads, and the largest hole (unwanted items) a request may bridge."""

    max_registers: int = MAX_READ_REGISTERS
    max_bits: int = MAX_READ_BITS
    register_gap: int = 8
    bit_gap: int = 64

    def __post_init__(self) -> None:
        if not 1 <= self.max_registers <= MAX_READ_REGISTERS:
            raise ValueError(f"max_registers must be within 1..{MAX_READ_REGISTERS}")
        if not 1 <= self.max_bits <= MAX_READ_BITS:
            raise ValueError(f"max_bits must be within 1..{MAX_READ_BITS}")
        if self.register_gap < 0 or self.bit_gap < 0:
            raise ValueError("gaps cannot be negative")

    def size(self, table: Table) -> int:
        return self.max_bits if table.is_bits else self.max_registers

    def gap(self, table: Table) -> int:
        return self.bit_gap if table.is_bits else self.register_gap


@dataclass(frozen=True, slots=True)
class ReadBlock:
    """One read request and the spans it serves."""

    table: Table
    address: int
    count: int
    spans: tuple[Span, ...]

    @property
    def request(self) -> ReadRequest:
        return ReadRequest.of(self.table, self.address, self.count)

    def split(self, data: Sequence[T]) -> Iterator[tuple[Span, Sequence[T]]]:
        """Each span with its slice of ``data``, the block's ``count`` registers or bits."""
        if len(data) != self.count:
            raise ValueError(f"a block of {self.count} items got {len(data)}")
        for span in self.spans:
            start = span.address - self.address
            yield span, data[start : start + span.count]


DEFAULT_LIMITS = ReadLimits()

_TABLE_ORDER = {table: index for index, table in enumerate(Table)}


def plan_reads(spans: Iterable[Span], limits: ReadLimits = DEFAULT_LIMITS) -> list[ReadBlock]:
    """The blocks that read every span once, by table (coils, discrete inputs, holding
    registers, input registers) and address."""
    ordered = sorted(spans, key=lambda span: (_TABLE_ORDER[span.table], span.address, span.end))
    for span in ordered:
        _check(span, limits)
    blocks: list[ReadBlock] = []
    for table, group in groupby(ordered, key=lambda span: span.table):
        blocks.extend(_merge(table, list(group), limits.size(table), limits.gap(table)))
    return blocks


def _merge(table: Table, spans: list[Span], size: int, gap: int) -> Iterator[ReadBlock]:
    members = [spans[0]]
    start, end = spans[0].address, spans[0].end
    for span in spans[1:]:
        new_end = max(end, span.end)
        if span.address - end <= gap and new_end - start <= size:
            members.append(span)
            end = new_end
            continue
        yield ReadBlock(table, start, end - start, tuple(members))
        members = [span]
        start, end = span.address, span.end
    yield ReadBlock(table, start, end - start, tuple(members))


def _check(span: Span, limits: ReadLimits) -> None:
    size = limits.size(span.table)
    if not 1 <= span.count <= size:
        raise ValueError(f"{span.key}: {span.count} items cannot be read at once (1..{size})")
    if span.address < 0 or span.end - 1 > MAX_ADDRESS:
        raise ValueError(f"{span.key}: addresses outside 0..65535")
