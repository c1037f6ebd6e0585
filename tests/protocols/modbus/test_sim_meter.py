"""The simulated SDM630 on a ``task.Clock``: registers of its map, energy that only grows
and agrees with power x time, the RTU vectors, and its exceptions."""

import random
import struct
from datetime import datetime

import pytest
from twisted.internet.task import Clock

from protocols.modbus import (
    DataType,
    ExceptionCode,
    Table,
    ValueFormat,
    encode_rtu,
)
from protocols.modbus.framing import decode_rtu
from protocols.modbus.simulator import (
    DeviceException,
    LoadProfile,
    Sdm630Meter,
    SimulatedClock,
    answer,
)

from .support import meter_map
from .test_vectors import VECTORS

FLOAT = ValueFormat(DataType.FLOAT32)


@pytest.fixture
def reactor() -> Clock:
    return Clock()


def make_meter(reactor: Clock, producer: bool = False) -> Sdm630Meter:
    clock = SimulatedClock(reactor, datetime(2024, 6, 1, 0, 0), speed=1.0)
    rng = random.Random(3)
    return Sdm630Meter("F05", meter_map(), clock, rng, LoadProfile.random(rng, producer), 21050005)


@pytest.fixture
def meter(reactor: Clock) -> Sdm630Meter:
    return make_meter(reactor)


def read_float(meter: Sdm630Meter, table: Table, address: int) -> float:
    return FLOAT.decode_registers(meter.read(table, address, 2))


def test_registers_follow_the_map(meter: Sdm630Meter) -> None:
    for entry in meter_map().entries:
        point = entry.point
        words = meter.read(point.table, point.address, 2)
        assert FLOAT.decode_registers(words) == pytest.approx(meter.values[point.tag], rel=1e-6)
    assert 225 < read_float(meter, Table.INPUT_REGISTER, 0) < 235
    assert 49.9 < read_float(meter, Table.INPUT_REGISTER, 0x46) < 50.1
    assert read_float(meter, Table.HOLDING_REGISTER, 0x1C) == 2.0
    serial = read_float(meter, Table.HOLDING_REGISTER, 0x2A) * 65536
    assert serial + read_float(meter, Table.HOLDING_REGISTER, 0x2C) == 21050005


def test_energy_only_increases_over_a_day(reactor: Clock) -> None:
    meter = make_meter(reactor, producer=True)
    counters = ("IMP_KWH", "EXP_KWH", "IMP_KVARH", "EXP_KVARH", "KVAH", "IMP_KWH_L1")
    previous = {tag: meter.values[tag] for tag in counters}
    powers = []
    for _ in range(96):
        reactor.advance(900)
        meter.update()
        powers.append(sum(meter.values[f"P{n}"] for n in (1, 2, 3)))
        for tag in counters:
            assert meter.values[tag] >= previous[tag]
            previous[tag] = meter.values[tag]
    assert min(powers) < 0 < max(powers), "a producer flat exports around noon"
    assert meter.values["EXP_KWH"] > 0 and meter.values["IMP_KWH"] > 0


def test_energy_is_power_times_time(meter: Sdm630Meter, reactor: Clock) -> None:
    start = dict(meter.values)
    meter.set_load((1000.0, 2000.0, -500.0))
    reactor.advance(3600)
    values = meter.values
    meter.update()
    assert values["IMP_KWH"] - start["IMP_KWH"] == pytest.approx(3.0)
    assert values["EXP_KWH"] - start["EXP_KWH"] == pytest.approx(0.5)
    assert values["IMP_KWH_L2"] - start["IMP_KWH_L2"] == pytest.approx(2.0)
    assert values["KVAH"] - start["KVAH"] == pytest.approx(3.5 / 0.95)
    assert values["P3"] == -500.0
    assert values["I1"] == pytest.approx(1000.0 / (values["V1"] * 0.95))


def test_held_values_and_the_rtu_vectors(meter: Sdm630Meter, reactor: Clock) -> None:
    meter.set_value("IMP_KWH", 80.622)
    meter.set_value("EXP_KWH", 63092.074)
    meter.set_value("BAUD", 3.0)
    reactor.advance(3600)
    for request, reply, *_ in VECTORS:
        adu = decode_rtu(bytes.fromhex(request))
        assert encode_rtu(5, answer(meter, adu.pdu)) == bytes.fromhex(reply)
    meter.set_value("IMP_KWH", 80.622, hold=False)
    reactor.advance(3600)
    assert meter.state()["values"]["IMP_KWH"] > 80.622


def test_settings_are_written_with_function_16(meter: Sdm630Meter) -> None:
    words = struct.unpack(">HH", struct.pack(">f", 4.0))
    pdu = bytes.fromhex("10 001C 0002 04") + struct.pack(">HH", *words)
    assert answer(meter, pdu) == bytes.fromhex("10 001C 0002")
    assert meter.values["BAUD"] == 4.0
    bad = bytes.fromhex("10 001C 0002 04") + struct.pack(">f", 5.0)
    assert answer(meter, bad) == bytes([0x90, ExceptionCode.ILLEGAL_DATA_VALUE])
    half = bytes.fromhex("10 001C 0001 02 4080")
    assert answer(meter, half) == bytes([0x90, ExceptionCode.ILLEGAL_DATA_ADDRESS])
    serial = bytes.fromhex("10 002A 0002 04 00000000")
    assert answer(meter, serial) == bytes([0x90, ExceptionCode.ILLEGAL_DATA_ADDRESS])


@pytest.mark.parametrize(
    ("pdu", "reply"),
    [
        ("04 0012 0002", "84 02"),  # between the mapped registers
        ("04 0000 0013", "84 02"),  # runs past phase 3 power
        ("03 0048 0002", "83 02"),  # an input register read as a holding register
        ("01 0000 0001", "81 01"),  # coils: not spoken
        ("06 001C 0002", "86 01"),  # single-register write: not spoken
        ("2B 0E 0100", "AB 01"),  # device identification: not spoken
        ("04 0000 007E", "84 03"),  # more than 125 registers
        ("04 0000", "84 03"),  # malformed
    ],
)
def test_exceptions(meter: Sdm630Meter, pdu: str, reply: str) -> None:
    assert answer(meter, bytes.fromhex(pdu)) == bytes.fromhex(reply)


def test_bad_control_values(meter: Sdm630Meter) -> None:
    with pytest.raises(KeyError):
        meter.set_value("NOPE", 1.0)
    with pytest.raises(ValueError):
        meter.set_value("V1", True)
    with pytest.raises(DeviceException):
        meter.read(Table.INPUT_REGISTER, 0x200, 2)


@pytest.mark.parametrize("producer", [False, True])
def test_energy_registers_start_where_years_of_counting_leave_them(
    reactor: Clock, producer: bool
) -> None:
    meter = make_meter(reactor, producer)
    points = {entry.point.tag: entry.point for entry in meter_map().entries}

    def register(tag: str) -> float:
        return read_float(meter, points[tag].table, points[tag].address)

    imported = register("IMP_KWH")
    assert 2_000 < imported < 200_000, "a flat's meter after 2 to 12 years, not a new one"
    assert sum(register(f"IMP_KWH_L{n}") for n in (1, 2, 3)) == pytest.approx(imported, rel=1e-5)
    assert register("KVAH") > imported + register("EXP_KWH")
    assert (register("EXP_KWH") > 1_000) is producer, "only a producer flat has exported"
