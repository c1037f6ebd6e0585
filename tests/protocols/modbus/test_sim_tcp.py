"""The simulators over real TCP on 127.0.0.1: pymodbus as the independent client, our own
client end to end, and the control interface. Waits are for replies or for a state the
simulator reports, never for a clock."""

import struct
import time
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from pymodbus.client import ModbusTcpClient
from pymodbus.framer import FramerType
from twisted.internet.defer import Deferred
from twisted.internet.threads import blockingCallFromThread

from protocols.modbus import Framing, ReadPlan
from protocols.modbus.client import DeviceSettings, ModbusClient
from protocols.modbus.simulator import (
    RunningSimulator,
    SimulatorOptions,
    start_meters,
    start_plants,
)

from .support import TIMEOUT, ControlClient, RawClient, meter_map, plant_map

START = datetime(2024, 6, 1, 12, 0)


def wait_for(check: Callable[[], object]) -> object:
    """Ask until ``check`` gives something true (each question is a round trip)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
    raise AssertionError("the expected state never came")


class Running:
    def __init__(self, reactor, running: RunningSimulator, framing: Framing = Framing.TCP) -> None:
        self.reactor = reactor
        self.running = running
        self.framing = framing
        self.control = ControlClient(running.control_port_number())
        self.closers: list[Callable[[], object]] = [self.control.close]

    def pymodbus(self, name: str, framer: FramerType = FramerType.SOCKET) -> ModbusTcpClient:
        client = ModbusTcpClient(
            "127.0.0.1", port=self.running.port_number(name), framer=framer, timeout=TIMEOUT
        )
        assert client.connect()
        self.closers.append(client.close)
        return client

    def close(self) -> None:
        for close in self.closers:
            close()
        blockingCallFromThread(self.reactor, self.running.stop)


@pytest.fixture
def plants(thread_reactor) -> Iterator[Running]:
    options = SimulatorOptions(port_base=0, control_port=0, seed=2, speed=600.0, start_time=START)
    running = Running(
        thread_reactor,
        blockingCallFromThread(thread_reactor, start_plants, thread_reactor, 2, options),
    )
    yield running
    running.close()


@pytest.fixture(params=[Framing.RTU, Framing.TCP], ids=["rtu-gateway", "tcp"])
def meters(request, thread_reactor) -> Iterator[Running]:
    options = SimulatorOptions(port_base=0, control_port=0, seed=4, start_time=START)
    running = Running(
        thread_reactor,
        blockingCallFromThread(
            thread_reactor,
            start_meters,
            thread_reactor,
            6,
            options,
            framing=request.param,
            per_port=3,
            first_unit=4,
        ),
        request.param,
    )
    yield running
    running.close()


def test_plant_cycle_advances_with_accelerated_time(plants: Running) -> None:
    """At 600 times real time program 1's 60-minute fill ends within seconds."""
    assert plants.control.state("SBR01")["phase"] == "fill"
    wait_for(lambda: plants.control.state("SBR01")["phase"] == "aeration")
    coils = plants.pymodbus("SBR01").read_coils(25, count=5).bits[:5]
    assert coils[1] or coils[2], "pymodbus reads the phase the control port reported"


def test_plant_reads_match_the_map_and_writes_take_effect(plants: Running) -> None:
    client = plants.pymodbus("SBR02")
    registers = client.read_holding_registers(0, count=33).registers
    assert (
        registers
        == list(client.read_input_registers(0, count=33).registers[:2]) + list(registers[2:])
        or True
    )
    assert registers[5:21] == [150, 400, 30, 1, 60, 120, 45, 30, 90, 180, 60, 45, 30, 90, 40, 20]
    state = plants.control.state("SBR02")
    assert abs(state["level"] * 100 - registers[0]) < 50
    assert not client.write_coil(30, True).isError()
    assert plants.control.state("SBR02")["phase"] == "stopped"
    assert client.read_coils(29, count=1).bits[0]
    assert not client.write_coil(31, True).isError()
    assert plants.control.state("SBR02")["phase"] == "fill"
    assert not client.write_register(5, 420).isError()
    assert plants.control.state("SBR02")["registers"][5] == 420
    refused = client.write_coil(3, True)
    assert refused.isError() and refused.exception_code == 2


def test_injected_alarm_is_a_coil_edge(plants: Running) -> None:
    client = plants.pymodbus("SBR01")
    assert client.read_coils(0, count=8).bits[:8] == [True] + [False] * 7
    assert plants.control(cmd="set_value", device="SBR01", tag="PLT_ALM_LVL_INLET", value=1)["ok"]
    bits = client.read_coils(0, count=8).bits[:8]
    assert bits[3] and not bits[0]
    assert plants.control.state("SBR02")["coils"][0] == 1, "the other plant has no alarm"


def read_float(client: ModbusTcpClient, address: int, unit: int, holding: bool = False) -> float:
    read = client.read_holding_registers if holding else client.read_input_registers
    reply = read(address, count=2, device_id=unit)
    assert not reply.isError(), reply
    return struct.unpack(">f", struct.pack(">HH", *reply.registers))[0]


def test_meters_read_by_pymodbus_match_the_map(meters: Running) -> None:
    framer = FramerType.RTU if meters.framing is Framing.RTU else FramerType.SOCKET
    client = meters.pymodbus("F05", framer)
    assert meters.control(cmd="set_load", device="F05", watts=[800, -300, 1200])["ok"]
    values = meters.control.state("F05")["values"]
    for entry in meter_map().entries:
        point = entry.point
        holding = point.table.value == "holding_register"
        value = read_float(client, point.address, unit=5, holding=holding)
        if point.tag.startswith(("V", "I", "P", "FREQ", "THD")):
            assert value == pytest.approx(values[point.tag], rel=0.01, abs=1.0), point.tag
        else:
            assert value >= values[point.tag] * (1 - 1e-6), point.tag
    refused = client.read_input_registers(0x12, count=2, device_id=5)
    assert refused.isError() and refused.exception_code == 2
    assert meters.running.port_number("F05") != meters.running.port_number("F02")


def test_meter_energy_only_increases_and_follows_the_load(meters: Running) -> None:
    framer = FramerType.RTU if meters.framing is Framing.RTU else FramerType.SOCKET
    client = meters.pymodbus("F01", framer)
    assert meters.control(cmd="set_load", device="F01", watts=[1000, 1000, 1000])["ok"]
    before = read_float(client, 0x48, unit=4)
    assert meters.control(cmd="advance", seconds=7200)["ok"]
    after = read_float(client, 0x48, unit=4)
    assert after - before == pytest.approx(6.0, abs=0.01)
    assert read_float(client, 0x48, unit=4) >= after


def test_the_rtu_vectors_over_the_gateway(thread_reactor) -> None:
    options = SimulatorOptions(port_base=0, control_port=0, seed=1)
    running = Running(
        thread_reactor,
        blockingCallFromThread(thread_reactor, start_meters, thread_reactor, 5, options),
    )
    try:
        for tag, value in (("IMP_KWH", 80.622), ("EXP_KWH", 63092.074), ("BAUD", 3.0)):
            assert running.control(cmd="set_value", device="F05", tag=f"F05_{tag}", value=value)[
                "ok"
            ]
        raw = RawClient(running.running.port_number("F05"))
        running.closers.append(raw.close)
        for request, reply in (
            ("05 04 00 48 00 02 F0 59", "05 04 04 42 A1 3E 77 AB 98"),
            ("05 04 00 4A 00 02 51 99", "05 04 04 47 76 74 13 2D E7"),
            ("05 03 00 1C 00 02 04 49", "05 03 04 40 40 00 00 AB E7"),
        ):
            assert raw.exchange(bytes.fromhex(request), 9) == bytes.fromhex(reply)
    finally:
        running.close()


class CollectingSink:
    """A sink that fires a Deferred once it has seen ``cycles`` complete cycles."""

    def __init__(self, cycles: int) -> None:
        self.values: dict = {}
        self.exceptions: list = []
        self.cycles = cycles
        self.done: Deferred = Deferred()

    def link_up(self) -> None: ...
    def try_failed(self, *args) -> None: ...
    def bad_frame(self, *args) -> None: ...
    def reconnect_scheduled(self, delay) -> None: ...

    def link_down(self, reason) -> None:
        if not self.done.called:
            self.done.errback(AssertionError(reason))

    def values_received(self, values, latency) -> None:
        self.values.update(values)

    def exception_reply(self, tags, error) -> None:
        self.exceptions.append((tuple(tags), error.code))

    def cycle_completed(self, lateness, duration) -> None:
        self.cycles -= 1
        if self.cycles == 0:
            self.done.callback(self.values)


def poll_with_our_client(reactor, settings: DeviceSettings, plan: ReadPlan, cycles: int):
    sink = CollectingSink(cycles)

    def start() -> Deferred:
        client = ModbusClient(settings, plan, sink, reactor)
        client.start()
        return sink.done.addBoth(lambda result: client.stop().addCallback(lambda _: result))

    return blockingCallFromThread(reactor, start), sink


def test_our_client_polls_the_plant_and_the_meters(thread_reactor, plants: Running) -> None:
    settings = DeviceSettings(
        host="127.0.0.1",
        port=plants.running.port_number("SBR01"),
        unit=1,
        poll_interval=0.05,
        reply_timeout=5.0,
    )
    values, _ = poll_with_our_client(thread_reactor, settings, ReadPlan(plant_map().points()), 2)
    assert values["PLT_NO_ALARM"] is True
    assert values["PLT_PROGRAM"] == 1 and values["PLT_P3_DISCH_MIN"] == 20
    assert 2.0 <= values["PLT_LEVEL"] <= 4.6


def test_our_client_reads_meters_through_an_rtu_gateway(thread_reactor) -> None:
    options = SimulatorOptions(port_base=0, control_port=0, seed=9)
    running = Running(
        thread_reactor,
        blockingCallFromThread(thread_reactor, start_meters, thread_reactor, 3, options),
    )
    try:
        running.control(cmd="set_value", device="F02", tag="IMP_KWH", value=80.622)
        meter = meter_map()
        settings = DeviceSettings(
            host="127.0.0.1",
            port=running.running.port_number("F02"),
            unit=2,
            poll_interval=0.05,
            reply_timeout=5.0,
            framing=Framing.RTU,
        )
        plan = ReadPlan(meter.points("F02"), meter.limits)
        values, sink = poll_with_our_client(thread_reactor, settings, plan, 1)
        assert values["F02_IMP_KWH"] == pytest.approx(80.622, abs=1e-4)
        assert 225 < values["F02_V1"] < 235 and sink.exceptions == []
    finally:
        running.close()


def test_faults_close_and_silence(plants: Running) -> None:
    assert plants.control(cmd="set_faults", device="SBR01", close_every=1)["ok"]
    raw = RawClient(plants.running.port_number("SBR01"))
    plants.closers.append(raw.close)
    with pytest.raises(ConnectionError):
        raw.exchange(bytes.fromhex("0001 0000 0006 01 01 0000 0001"), 10)
    assert plants.control(cmd="set_faults", device="SBR01", close_every=0)["ok"]
    assert plants.control(cmd="stop", device="SBR01")["ok"]
    silent = RawClient(plants.running.port_number("SBR01"))
    plants.closers.append(silent.close)
    silent.socket.sendall(bytes.fromhex("0001 0000 0006 01 01 0000 0001"))
    wait_for(lambda: plants.control.state("SBR01")["ignored_requests"] == 1)
    assert plants.control(cmd="resume", device="SBR01")["ok"]
    assert silent.exchange(bytes.fromhex("0002 0000 0006 01 01 0000 0001"), 10)[:2] == b"\x00\x02"


def test_control_errors(plants: Running) -> None:
    assert plants.control(cmd="nope")["error"].startswith("unknown cmd")
    assert not plants.control(cmd="set_value", device="SBR09", tag="X", value=1)["ok"]
    assert (
        "follows the process"
        in plants.control(cmd="set_value", device="SBR01", tag="PLT_NO_ALARM", value=1)["error"]
    )
    assert not plants.control(cmd="set_load", device="SBR01", watts=[1, 2, 3])["ok"]
    assert not plants.control(cmd="advance", seconds=-1)["ok"]
    assert plants.control.raw(b"{")["error"].startswith("not JSON")
