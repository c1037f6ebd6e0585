"""The plant's commandable parts: the blowers' run requests and their running feedback,
and the SBR high-level setpoint, on a ``task.Clock`` and then over real Modbus TCP with
pymodbus as the independent client (the values written are the values served)."""

import random
from collections.abc import Iterator
from datetime import datetime

import pytest
from twisted.internet.task import Clock
from twisted.internet.threads import blockingCallFromThread

from protocols.modbus import ExceptionCode, Table
from protocols.modbus.simulator import (
    DeviceException,
    SbrPlant,
    SimulatedClock,
    SimulatorOptions,
    start_plants,
)

from .support import plant_map
from .test_sim_tcp import Running

BLOWER1, BLOWER2, BLOWER1_RUN, BLOWER2_RUN, LEVEL_SP = 33, 34, 35, 36, 25


@pytest.fixture
def reactor() -> Clock:
    return Clock()


@pytest.fixture
def plant(reactor: Clock) -> SbrPlant:
    clock = SimulatedClock(reactor, datetime(2024, 6, 1, 8, 0), speed=60.0)
    return SbrPlant("SBR01", plant_map(), clock, random.Random(5))


def blower_coils(plant: SbrPlant) -> list[bool]:
    return [bool(bit) for bit in plant.read(Table.COIL, BLOWER1, 4)]


def test_a_started_blower_runs_and_its_running_coil_follows(plant: SbrPlant) -> None:
    assert blower_coils(plant) == [False, False, False, False]
    plant.write(Table.COIL, BLOWER1, [True])
    assert blower_coils(plant) == [True, False, True, False], "the request stays as written"
    plant.write(Table.COIL, BLOWER2, [True])
    plant.write(Table.COIL, BLOWER1, [False])
    assert blower_coils(plant) == [False, True, False, True]
    assert plant.state()["blowers_running"] == [0, 1]


def test_a_blower_in_fault_or_under_emergency_stop_does_not_run(plant: SbrPlant) -> None:
    plant.write(Table.COIL, BLOWER1, [True, True])
    plant.set_value("PLT_FLT_BLOWER2", 1)
    assert blower_coils(plant) == [True, True, True, False]
    plant.set_value("PLT_ALM_ESTOP", 1)
    assert blower_coils(plant) == [True, True, False, False]
    plant.set_value("PLT_ALM_ESTOP", 0)
    plant.set_value("PLT_FLT_BLOWER2", 0)
    assert blower_coils(plant) == [True, True, True, True], "released, the requests act again"


def test_a_blower_started_by_hand_aerates_a_stopped_plant(plant: SbrPlant, reactor: Clock) -> None:
    plant.write(Table.COIL, 30, [True])
    plant.set_value("PLT_O2", 0.5)
    reactor.advance(30)
    assert plant.state()["oxygen"] < 0.5, "no air: oxygen decays"
    plant.write(Table.COIL, BLOWER1, [True])
    reactor.advance(30)
    assert plant.state()["oxygen"] > 2.0, "a running blower blows air whatever the phase"


def test_the_level_setpoint_is_where_the_fill_ends(plant: SbrPlant, reactor: Clock) -> None:
    assert plant.read(Table.HOLDING_REGISTER, LEVEL_SP, 1) == [450]
    plant.write(Table.HOLDING_REGISTER, LEVEL_SP, [350])
    assert plant.read(Table.HOLDING_REGISTER, LEVEL_SP, 1) == [350]
    reactor.advance(30)
    assert plant.state()["level"] == pytest.approx(2.75, abs=1e-4), "half way to 3.5 m"
    reactor.advance(30.01)
    assert plant.state()["phase"] == "aeration"
    assert plant.read(Table.HOLDING_REGISTER, 0, 1) == [350]
    reactor.advance(120 + 45 + 30)
    assert plant.state()["phase"] == "fill"
    registers = plant.read(Table.HOLDING_REGISTER, 0, 5)
    assert registers[0] == 200 and registers[3] == 300, "1.5 m over 200 m2 drawn"


def test_a_setpoint_written_mid_fill_bends_the_rest_of_it(plant: SbrPlant, reactor: Clock) -> None:
    reactor.advance(30)
    plant.set_value("PLT_LEVEL_SP", 5.25)
    reactor.advance(30.01)
    assert plant.state()["level"] == pytest.approx(5.25, abs=1e-4)
    assert plant.read(Table.COIL, 5, 1) == [True], "above 5 m: the high-level alarm"


def test_what_the_plant_refuses_of_the_new_parts(plant: SbrPlant) -> None:
    for raw in (200, 601):
        with pytest.raises(DeviceException) as refused:
            plant.write(Table.HOLDING_REGISTER, 24, [raw])
        assert refused.value.code is ExceptionCode.ILLEGAL_DATA_ADDRESS, "24 is not writable"
        with pytest.raises(DeviceException) as refused:
            plant.write(Table.HOLDING_REGISTER, LEVEL_SP, [raw])
        assert refused.value.code is ExceptionCode.ILLEGAL_DATA_VALUE
    assert plant.read(Table.HOLDING_REGISTER, LEVEL_SP, 1) == [450], "nothing written"
    with pytest.raises(DeviceException) as refused:
        plant.write(Table.COIL, BLOWER1_RUN, [True])
    assert refused.value.code is ExceptionCode.ILLEGAL_DATA_ADDRESS, "running follows"
    with pytest.raises(ValueError):
        plant.set_value("PLT_BLOWER2_RUN", 1)
    with pytest.raises(ValueError):
        plant.set_value("PLT_LEVEL_SP", 1.5)
    with pytest.raises(DeviceException):
        plant.read(Table.COIL, 33, 5)
    plant.set_value("PLT_CMD_BLOWER2", 1)
    assert blower_coils(plant)[3], "the control interface requests a blower too"


@pytest.fixture
def served(thread_reactor) -> Iterator[Running]:
    options = SimulatorOptions(port_base=0, control_port=0, seed=3, speed=1.0)
    running = Running(
        thread_reactor,
        blockingCallFromThread(thread_reactor, start_plants, thread_reactor, 1, options),
    )
    yield running
    running.close()


def test_written_values_are_served_over_modbus_tcp(served: Running) -> None:
    client = served.pymodbus("SBR01")
    assert not client.write_coil(BLOWER2, True).isError()
    assert client.read_coils(BLOWER1, count=4).bits[:4] == [False, True, False, True]
    assert served.control.state("SBR01")["blowers_running"] == [0, 1]
    assert not client.write_register(LEVEL_SP, 380).isError()
    assert client.read_holding_registers(LEVEL_SP, count=1).registers == [380]
    assert client.read_input_registers(LEVEL_SP, count=1).registers == [380]
    assert not client.write_registers(LEVEL_SP, [410]).isError()
    assert served.control.state("SBR01")["registers"][LEVEL_SP] == 410
    refused = client.write_register(LEVEL_SP, 700)
    assert refused.isError() and refused.exception_code == 3
    refused = client.write_coil(BLOWER2_RUN, False)
    assert refused.isError() and refused.exception_code == 2
    assert not client.write_coil(BLOWER2, False).isError()
    assert client.read_coils(BLOWER1, count=4).bits[:4] == [False] * 4
