"""Two meters behind one simulated RS485-to-TCP gateway that takes one connection at a
time, polled by our clients over real TCP: they share one connection, a dead meter goes
offline and comes back on its own while its neighbour keeps being read, and a reset
connection brings both back. Waits are on the sinks' reports (a condition), never on a
clock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from twisted.internet.threads import blockingCallFromThread

from protocols.modbus import Framing, ReadPlan
from protocols.modbus.client import DeviceSettings, ModbusClient, ModbusGateways
from protocols.modbus.simulator import RunningSimulator, SimulatorOptions, start_meters
from protocols.modbus.simulator.server import ModbusServerFactory

from .support import TIMEOUT, ControlClient, meter_map


class WatchedSink:
    """A Modbus sink whose reports a test thread can wait for."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.ups = 0
        self.downs = 0
        self.cycles = 0
        self.values: dict[str, Any] = {}
        self.online = False

    def _note(self, **changes: Any) -> None:
        with self.changed:
            for name, value in changes.items():
                setattr(self, name, value)
            self.changed.notify_all()

    def link_up(self) -> None:
        self._note(ups=self.ups + 1, online=True)

    def link_down(self, reason: str) -> None:
        self._note(downs=self.downs + 1, online=False)

    def values_received(self, values: Any, latency: float) -> None:
        self._note(values={**self.values, **values})

    def cycle_completed(self, lateness: float, duration: float) -> None:
        self._note(cycles=self.cycles + 1)

    def exception_reply(self, tags: Any, error: Any) -> None: ...
    def try_failed(self, *args: Any) -> None: ...
    def bad_frame(self, data: bytes, reason: str) -> None: ...
    def reconnect_scheduled(self, delay: float) -> None: ...

    def wait(self, check: Callable[[WatchedSink], bool]) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: check(self), TIMEOUT), "never came"


class Gateway:
    """Meters F01 (unit 1) and F02 (unit 2) behind one one-connection RTU gateway."""

    def __init__(self, reactor: Any) -> None:
        self.reactor = reactor
        options = SimulatorOptions(port_base=0, control_port=0, seed=3)
        self.running: RunningSimulator = blockingCallFromThread(
            reactor, start_meters, reactor, 2, options, per_port=2, one_connection=True
        )
        self.control = ControlClient(self.running.control_port_number())
        factory = self.running.factories[0]
        assert isinstance(factory, ModbusServerFactory)
        self.factory = factory
        self.clients: list[ModbusClient] = []

    def poll(self, gateways: ModbusGateways | None) -> dict[str, WatchedSink]:
        sinks = {"F01": WatchedSink(), "F02": WatchedSink()}
        meter = meter_map()

        def start() -> None:
            for unit, (name, sink) in enumerate(sinks.items(), start=1):
                settings = DeviceSettings(
                    host="127.0.0.1",
                    port=self.running.port_number(name),
                    unit=unit,
                    poll_interval=0.1,
                    reply_timeout=0.3,
                    attempts=2,
                    backoff_initial=0.1,
                    backoff_max=0.5,
                    framing=Framing.RTU,
                )
                plan = ReadPlan(meter.points(name), meter.limits)
                client = ModbusClient(settings, plan, sink, self.reactor, gateways=gateways)
                self.clients.append(client)
                client.start()

        blockingCallFromThread(self.reactor, start)
        return sinks

    def connections(self) -> int:
        return blockingCallFromThread(self.reactor, lambda: len(self.factory.connections))

    def close(self) -> None:
        def stop() -> Any:
            for client in self.clients:
                client.stop()
            return self.running.stop()

        self.control.close()
        blockingCallFromThread(self.reactor, stop)


@pytest.fixture
def gateway(thread_reactor: Any) -> Iterator[Gateway]:
    running = Gateway(thread_reactor)
    yield running
    running.close()


def test_without_sharing_the_second_connection_is_refused(gateway: Gateway) -> None:
    sinks = gateway.poll(None)  # a connection of its own for each meter
    for sink in sinks.values():
        sink.wait(lambda s: s.downs > 0 or s.cycles > 0)
    assert sorted(sink.downs > 0 for sink in sinks.values()) == [False, True]
    assert gateway.factory.refused >= 1


def test_two_meters_share_one_connection_and_a_dead_one_stays_alone(
    thread_reactor: Any, gateway: Gateway
) -> None:
    gateways = ModbusGateways(thread_reactor)
    sinks = gateway.poll(gateways)
    f01, f02 = sinks["F01"], sinks["F02"]
    f01.wait(lambda s: s.cycles >= 3)
    f02.wait(lambda s: s.cycles >= 3)
    assert gateway.factory.refused == 0 and gateway.connections() == 1
    assert f01.downs == 0 and f02.downs == 0
    assert "F01_V1" in f01.values and "F02_V1" in f02.values

    # F01 dies: it goes offline on its own; F02 goes on being read on the same connection.
    assert gateway.control(cmd="stop", device="F01")["ok"]
    f01.wait(lambda s: s.downs >= 1)
    read = f02.cycles
    f02.wait(lambda s: s.cycles >= read + 5)
    f01.wait(lambda s: s.downs >= 2)  # it dialled again, and was given up again
    assert f02.downs == 0 and f02.ups == 1
    assert gateway.factory.refused == 0 and gateway.connections() == 1

    # F01 answers again: it comes back without a new connection.
    assert gateway.control(cmd="resume", device="F01")["ok"]
    done = f01.cycles
    f01.wait(lambda s: s.online and s.cycles > done)
    assert gateway.factory.refused == 0 and gateway.connections() == 1 and f02.ups == 1

    # The gateway resets the connection: both go offline and come back on a new one.
    blockingCallFromThread(thread_reactor, gateway.factory.abort_connections)
    f02.wait(lambda s: s.downs >= 1)
    f01.wait(lambda s: s.ups >= 3 and s.online)
    f02.wait(lambda s: s.ups >= 2 and s.online)
    done01, done02 = f01.cycles, f02.cycles
    f01.wait(lambda s: s.cycles > done01)
    f02.wait(lambda s: s.cycles > done02)
    assert gateway.factory.refused == 0 and gateway.connections() == 1
    gw = gateways.gateway("127.0.0.1", gateway.running.port_number("F01"))
    assert gw is not None and gw.connections_opened == 2
