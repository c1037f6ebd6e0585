"""Read planning, property-tested: random sparse maps with mixed types and word orders are
read in as few requests as possible, within the limits, and decode right."""

import struct
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.modbus import (
    DataType,
    Point,
    ReadLimits,
    ReadPlan,
    Span,
    Table,
    ValueFormat,
    WordOrder,
    plan_reads,
)

from .test_datatypes import raw_values, reference_words

REGISTER_TYPES = [t for t in DataType if t is not DataType.BOOL]


@st.composite
def register_points(draw, table: Table, max_points: int = 30):
    """Points that do not overlap, apart from bools sharing a register (one bit each)."""
    points, image, expected = [], {}, {}
    address = draw(st.integers(0, 200))
    for index in range(draw(st.integers(1, max_points))):
        address += draw(st.integers(0, 12))
        tag = f"{table.value}{index}"
        if draw(st.booleans()) and index:
            bits = draw(st.sets(st.integers(0, 15), min_size=1, max_size=4))
            word = 0
            for bit in sorted(bits):
                value = draw(st.booleans())
                word |= value << bit
                bit_format = ValueFormat(DataType.BOOL, bit=bit)
                points.append(Point(f"{tag}b{bit}", table, address, bit_format))
                expected[f"{tag}b{bit}"] = value
            image[address] = word
            address += 1
            continue
        data_type = draw(st.sampled_from(REGISTER_TYPES))
        order = draw(st.sampled_from(list(WordOrder)))
        raw = draw(raw_values(data_type))
        for offset, word in enumerate(reference_words(data_type, order, raw)):
            image[address + offset] = word
        points.append(Point(tag, table, address, ValueFormat(data_type, order)))
        expected[tag] = raw
        address += data_type.registers
    return points, image, expected


@st.composite
def bit_points(draw, table: Table):
    addresses = draw(st.sets(st.integers(0, 5000), min_size=1, max_size=40))
    values = {address: draw(st.booleans()) for address in addresses}
    points = [Point(f"{table.value}{a}", table, a, ValueFormat(DataType.BOOL)) for a in values]
    expected = {f"{table.value}{a}": value for a, value in values.items()}
    return points, values, expected


limits = st.builds(
    ReadLimits,
    max_registers=st.integers(4, 125),
    max_bits=st.integers(1, 2000),
    register_gap=st.integers(0, 20),
    bit_gap=st.integers(0, 200),
)


@st.composite
def devices(draw):
    parts = [
        draw(register_points(table)) for table in (Table.HOLDING_REGISTER, Table.INPUT_REGISTER)
    ]
    parts += [draw(bit_points(table)) for table in (Table.COIL, Table.DISCRETE_INPUT)]
    tables = (Table.HOLDING_REGISTER, Table.INPUT_REGISTER, Table.COIL, Table.DISCRETE_INPUT)
    points = [point for part in parts for point in part[0]]
    images = {table: part[1] for table, part in zip(tables, parts, strict=True)}
    expected = {tag: value for part in parts for tag, value in part[2].items()}
    return points, images, expected


@settings(deadline=None, max_examples=150)
@given(devices(), limits)
def test_plans_decode_right_within_the_limits_covering_each_point_once(device, read_limits):
    points, images, expected = device
    plan = ReadPlan(points, read_limits)
    decoded = {}
    covered = []
    for block in plan.blocks:
        assert block.count <= read_limits.size(block.table)
        assert block.request.count == block.count
        image = images[block.table]
        data = [
            image.get(address, 0) for address in range(block.address, block.address + block.count)
        ]
        for span in block.spans:
            assert block.address <= span.address and span.end <= block.address + block.count
            covered.append(span.key)
        decoded.update(plan.decode(block, data))
    assert sorted(covered) == sorted(point.tag for point in points)
    assert decoded == expected


def feasible(spans: list[Span], size: int, gap: int) -> bool:
    ordered = sorted(spans, key=lambda span: (span.address, span.end))
    start, end = ordered[0].address, ordered[0].end
    for span in ordered[1:]:
        if span.address - end > gap:
            return False
        end = max(end, span.end)
    return end - start <= size


def fewest_requests(spans: list[Span], size: int, gap: int) -> int:
    """Brute force over every way of grouping the spans into requests."""

    @cache
    def best(mask: int) -> int:
        if not mask:
            return 0
        lowest = mask & -mask
        rest = mask ^ lowest
        result = len(spans)
        subset = rest
        while True:
            group = subset | lowest
            members = [spans[i] for i in range(len(spans)) if group >> i & 1]
            if feasible(members, size, gap):
                result = min(result, 1 + best(mask ^ group))
            if not subset:
                break
            subset = (subset - 1) & rest
        return result

    return best((1 << len(spans)) - 1)


@st.composite
def small_maps(draw):
    spans, address = [], 0
    for index in range(draw(st.integers(1, 8))):
        address += draw(st.integers(0, 6))
        count = draw(st.sampled_from([1, 1, 2, 4]))
        spans.append(Span(index, Table.HOLDING_REGISTER, address, count))
        address += count
    return spans


@settings(deadline=None, max_examples=200)
@given(small_maps(), st.integers(4, 12), st.integers(0, 5))
def test_the_plan_has_the_fewest_requests(spans, size, gap):
    read_limits = ReadLimits(max_registers=size, register_gap=gap)
    assert len(plan_reads(spans, read_limits)) == fewest_requests(spans, size, gap)


def test_the_plant_map_is_two_block_reads():
    points = [
        Point(f"C{a}", Table.COIL, a, ValueFormat(DataType.BOOL))
        for a in (*range(24), *range(25, 33))
    ] + [Point(f"R{a}", Table.HOLDING_REGISTER, a, ValueFormat(DataType.UINT16)) for a in range(25)]
    blocks = plan_reads(point.span for point in points)
    assert [(b.table, b.address, b.count) for b in blocks] == [
        (Table.COIL, 0, 33),
        (Table.HOLDING_REGISTER, 0, 25),
    ]


def test_gaps_are_bridged_only_up_to_the_limit():
    spans = [Span("a", Table.INPUT_REGISTER, 0, 2), Span("b", Table.INPUT_REGISTER, 10, 2)]
    assert len(plan_reads(spans, ReadLimits(register_gap=8))) == 1
    assert len(plan_reads(spans, ReadLimits(register_gap=7))) == 2


def test_blocks_split_at_the_protocol_limit():
    spans = [Span(a, Table.HOLDING_REGISTER, 2 * a, 2) for a in range(100)]
    blocks = plan_reads(spans)
    assert [block.count for block in blocks] == [124, 76]


def test_bad_spans_and_limits():
    with pytest.raises(ValueError):
        plan_reads([Span("x", Table.HOLDING_REGISTER, 0xFFFF, 2)])
    with pytest.raises(ValueError):
        plan_reads([Span("x", Table.HOLDING_REGISTER, 0, 126)])
    with pytest.raises(ValueError):
        ReadLimits(max_registers=126)
    with pytest.raises(ValueError):
        ReadLimits(bit_gap=-1)


def test_split_needs_the_whole_block():
    (block,) = plan_reads([Span("x", Table.COIL, 0, 1)])
    with pytest.raises(ValueError):
        list(block.split([True, False]))


def test_reference_words_are_independent_of_the_codec():
    assert reference_words(DataType.FLOAT32, WordOrder.ABCD, 80.622) == tuple(
        struct.unpack(">HH", bytes.fromhex("42A13E77"))
    )
