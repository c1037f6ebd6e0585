"""The simulated SBR plant on a ``task.Clock``: its cycle, process, commands and alarms."""

import random
from collections.abc import Sequence
from datetime import datetime

import pytest
from twisted.internet.task import Clock

from protocols.modbus import ExceptionCode, Table
from protocols.modbus.simulator import DeviceException, SbrPlant, SimulatedClock

from .support import plant_map

MINUTE = 60.0


@pytest.fixture
def reactor() -> Clock:
    return Clock()


@pytest.fixture
def plant(reactor: Clock) -> SbrPlant:
    clock = SimulatedClock(reactor, datetime(2024, 6, 1, 8, 0), speed=60.0)
    return SbrPlant("SBR01", plant_map(), clock, random.Random(5))


def phase_coils(plant: SbrPlant) -> list[bool]:
    return [bool(bit) for bit in plant.read(Table.COIL, 25, 5)]


def state(plant: SbrPlant, key: str):
    """One item of the plant's state, integrated up to the clock's time."""
    return plant.state()[key]


def test_the_cycle_steps_through_the_program_durations(plant: SbrPlant, reactor: Clock) -> None:
    """Program 1: 60, 120, 45 and 30 minutes; the clock runs 60 times as fast."""
    assert phase_coils(plant) == [True, False, False, False, False]
    reactor.advance(59.9)
    assert state(plant, "phase") == "fill" and plant.read(Table.HOLDING_REGISTER, 21, 1) == [59]
    assert state(plant, "level") == pytest.approx(2.0 + 2.5 * 59.9 / 60, abs=1e-4)
    reactor.advance(0.2)
    assert phase_coils(plant) == [False, True, False, False, False]
    reactor.advance(120)
    assert state(plant, "phase") == "settling"
    assert plant.read(Table.HOLDING_REGISTER, 21, 4) == [60, 120, 0, 0]
    assert state(plant, "oxygen") > 2.5, "oxygen rose while air was blown"
    reactor.advance(45)
    assert state(plant, "phase") == "discharge"
    oxygen_after_settling = state(plant, "oxygen")
    assert oxygen_after_settling < 2.0, "oxygen decays without air"
    reactor.advance(30)
    assert state(plant, "phase") == "fill", "the cycle starts again"
    assert state(plant, "level") == pytest.approx(2.0, abs=0.05)
    registers = plant.read(Table.HOLDING_REGISTER, 0, 5)
    assert registers[3] == registers[4] == 500, "2.5 m over 200 m2 discharged"


def test_program_and_durations_written_take_effect(plant: SbrPlant, reactor: Clock) -> None:
    plant.write(Table.HOLDING_REGISTER, 8, [3])
    plant.write(Table.HOLDING_REGISTER, 17, [10, 5])
    reactor.advance(10.01)
    assert state(plant, "phase") == "aeration"
    reactor.advance(5)
    assert state(plant, "phase") == "settling"
    with pytest.raises(DeviceException) as refused:
        plant.write(Table.HOLDING_REGISTER, 8, [4])
    assert refused.value.code is ExceptionCode.ILLEGAL_DATA_VALUE


def test_start_stop_and_reset_commands(plant: SbrPlant, reactor: Clock) -> None:
    plant.write(Table.COIL, 30, [True])
    assert phase_coils(plant) == [False, False, False, False, True]
    level = state(plant, "level")
    reactor.advance(100)
    assert state(plant, "level") == level, "nothing fills while stopped"
    assert plant.read(Table.COIL, 30, 3) == [False, False, False], "commands read back 0"
    plant.write(Table.COIL, 31, [True])
    assert state(plant, "phase") == "fill"
    plant.set_value("PLT_VOL_PARTIAL", 1234)
    plant.write(Table.COIL, 32, [True])
    assert plant.read(Table.HOLDING_REGISTER, 4, 1) == [0]


def test_injected_alarms_are_coils_and_no_alarm_follows_them(plant: SbrPlant) -> None:
    assert plant.read(Table.COIL, 0, 1) == [True]
    plant.write(Table.COIL, 23, [True])
    plant.set_value("PLT_FLT_BLOWER1", 1)
    coils = plant.read(Table.COIL, 0, 24)
    assert coils[11] and not coils[0]
    assert not coils[23], "a new alarm ends the silence"
    plant.write(Table.COIL, 23, [True])
    assert plant.read(Table.COIL, 23, 1) == [True]
    plant.set_value("PLT_FLT_BLOWER1", 0)
    assert plant.read(Table.COIL, 0, 1) == [True]


def test_emergency_stop_stops_the_cycle_until_released_and_started(plant: SbrPlant) -> None:
    plant.set_value("PLT_ALM_ESTOP", 1)
    assert state(plant, "phase") == "stopped"
    plant.write(Table.COIL, 31, [True])
    assert state(plant, "phase") == "stopped", "no start while the emergency stop is pressed"
    plant.set_value("PLT_ALM_ESTOP", 0)
    plant.write(Table.COIL, 31, [True])
    assert state(plant, "phase") == "fill"


def test_setpoints_decide_the_computed_alarms(plant: SbrPlant, reactor: Clock) -> None:
    plant.set_value("PLT_TURB_MAX_SP", 2)
    assert plant.read(Table.COIL, 21, 1) == [True]
    plant.set_value("PLT_TURB_MAX_SP", 500)
    plant.set_value("PLT_PH_AER", 1)
    plant.set_value("PLT_O2_MIN_SP", 4.5)
    plant.set_value("PLT_O2_MAX_SP", 5.0)
    reactor.advance(9)
    assert plant.read(Table.COIL, 20, 1) == [False], "no oxygen alarm in the first minutes"
    reactor.advance(2)
    assert plant.read(Table.COIL, 20, 1) == [True]
    plant.set_value("PLT_LEVEL", 5.5)
    assert plant.read(Table.COIL, 5, 1) == [True]


def test_what_the_plant_refuses(plant: SbrPlant) -> None:
    refused_writes: list[tuple[Table, int, Sequence[int]]] = [
        (Table.COIL, 1, [True]),
        (Table.HOLDING_REGISTER, 0, [1]),
        (Table.HOLDING_REGISTER, 20, [1, 1]),
    ]
    for table, address, values in refused_writes:
        with pytest.raises(DeviceException) as refused:
            plant.write(table, address, values)
        assert refused.value.code is ExceptionCode.ILLEGAL_DATA_ADDRESS
    with pytest.raises(DeviceException):
        plant.read(Table.HOLDING_REGISTER, 30, 4)
    with pytest.raises(ValueError):
        plant.set_value("PLT_NO_ALARM", 1)
    with pytest.raises(KeyError):
        plant.set_value("PLT_NOTHING", 1)
    assert plant.read(Table.INPUT_REGISTER, 0, 33) == plant.read(Table.HOLDING_REGISTER, 0, 33)


def test_a_program_of_zero_durations_does_not_hang(plant: SbrPlant, reactor: Clock) -> None:
    plant.write(Table.HOLDING_REGISTER, 9, [0, 0, 0, 0])
    reactor.advance(10)
    assert plant.state()["seconds"] == pytest.approx(600)
