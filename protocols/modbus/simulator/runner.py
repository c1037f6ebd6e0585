"""Starting simulators on a reactor: used by the command line and, in-process, by tests,
the demo and benchmarks (many plants or meters in one process)."""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from twisted.internet.defer import Deferred, DeferredList, maybeDeferred
from twisted.internet.interfaces import IListeningPort

from protocols.control_lines import ControlFactory
from protocols.faults import FaultInjector, FaultSettings

from ..framing import Framing
from ..register_map import RegisterMap, load_register_map
from .clock import SimulatedClock
from .control import ControlCommands
from .core import SimulatedDevice
from .meter import LoadProfile, Sdm630Meter
from .plant import SbrPlant
from .server import ANY_UNIT, ModbusServerFactory, ServedDevice

MAPS = Path(__file__).resolve().parents[3] / "fixtures" / "modbus"
PLANT_MAP = MAPS / "twido_sbr_plant.json"
METER_MAP = MAPS / "sdm630.json"
CONTROL_INTERFACE = "127.0.0.1"
"""The control port only ever listens locally: it can change what the field reports."""
DEFAULT_PLANT_PORT = 5020
DEFAULT_METER_PORT = 5030
PRODUCER_EVERY = 4
"""Every fourth flat has solar panels and exports around noon."""
FIRST_SERIAL = 21_050_001
MAX_UNIT = 247


@dataclass
class RunningSimulator:
    """Simulated devices listening on a reactor."""

    clock: SimulatedClock
    devices: dict[str, ServedDevice] = field(default_factory=dict)
    ports: dict[str, IListeningPort] = field(default_factory=dict)
    """The port each device listens on (devices behind one gateway share it)."""
    units: dict[str, int | None] = field(default_factory=dict)
    """Each device's unit id (``None``: it answers every unit id)."""
    control: IListeningPort | None = None
    factories: list[ModbusServerFactory] = field(default_factory=list)

    def port_number(self, name: str) -> int:
        """The TCP port a device listens on (useful when the system chose it)."""
        return self.ports[name].getHost().port

    def stop(self) -> Deferred:
        """Stop listening and drop open connections."""
        listening = {id(port): port for port in self.ports.values()}
        if self.control is not None:
            listening[id(self.control)] = self.control
        stopped = [maybeDeferred(port.stopListening) for port in listening.values()]
        for factory in self.factories:
            for connection in list(factory.connections):
                connection.transport.abortConnection()
        return DeferredList(stopped, consumeErrors=True)


@dataclass(frozen=True)
class SimulatorOptions:
    """What every simulator run takes. ``port_base`` ``None``: the default port (plus the
    index); 0: ports chosen by the system; N: N plus the index."""

    host: str = "127.0.0.1"
    port_base: int | None = None
    speed: float = 1.0
    faults: FaultSettings = field(default_factory=FaultSettings)
    control_port: int | None = None
    seed: int | None = None
    start_time: datetime | None = None


def start_plants(
    reactor: Any,
    count: int = 1,
    options: SimulatorOptions | None = None,
    register_map: RegisterMap | None = None,
) -> RunningSimulator:
    """``count`` SBR plants, ``SBR01``..., each on its own Modbus TCP port."""
    options = options or SimulatorOptions()
    plant_map = register_map or load_register_map(PLANT_MAP)
    running, rng = _running(reactor, options)
    with _stopped_on_error(running):
        for index in range(count):
            name = f"SBR{index + 1:02d}"
            plant = SbrPlant(name, plant_map, running.clock, random.Random(rng.random()))
            served = _served(plant, reactor, options, rng)
            port = _listen(
                reactor,
                running,
                Framing.TCP,
                {ANY_UNIT: served},
                options,
                DEFAULT_PLANT_PORT,
                index,
            )
            running.devices[name], running.ports[name], running.units[name] = served, port, None
        _start_control(reactor, running, options)
    return running


def start_meters(
    reactor: Any,
    count: int = 1,
    options: SimulatorOptions | None = None,
    *,
    framing: Framing = Framing.RTU,
    per_port: int | None = None,
    first_unit: int = 1,
    register_map: RegisterMap | None = None,
) -> RunningSimulator:
    """``count`` SDM630 meters, ``F01``..., ``per_port`` of them (default: all) behind each
    port with unit ids from ``first_unit``: RTU over TCP (a serial gateway) or Modbus TCP."""
    options = options or SimulatorOptions()
    meter_map = register_map or load_register_map(METER_MAP)
    per_port = per_port or count
    if first_unit < 1 or first_unit + min(per_port, count) - 1 > MAX_UNIT:
        raise ValueError("unit ids must stay within 1..247")
    running, rng = _running(reactor, options)
    with _stopped_on_error(running):
        for port_index, start in enumerate(range(0, count, per_port)):
            group: dict[int | None, ServedDevice] = {}
            names = []
            for index in range(start, min(count, start + per_port)):
                name = f"F{index + 1:02d}"
                meter_rng = random.Random(rng.random())
                profile = LoadProfile.random(meter_rng, producer=index % PRODUCER_EVERY == 3)
                meter = Sdm630Meter(
                    name, meter_map, running.clock, meter_rng, profile, FIRST_SERIAL + index
                )
                unit = first_unit + index - start
                group[unit] = running.devices[name] = _served(meter, reactor, options, rng)
                running.units[name] = unit
                names.append(name)
            port = _listen(
                reactor, running, framing, group, options, DEFAULT_METER_PORT, port_index
            )
            running.ports.update(dict.fromkeys(names, port))
        _start_control(reactor, running, options)
    return running


def _running(reactor: Any, options: SimulatorOptions) -> tuple[RunningSimulator, random.Random]:
    clock = SimulatedClock(reactor, options.start_time or datetime.now(), options.speed)
    return RunningSimulator(clock=clock), random.Random(options.seed)


def _served(
    device: SimulatedDevice, reactor: Any, options: SimulatorOptions, rng: random.Random
) -> ServedDevice:
    faults = FaultInjector(options.faults, random.Random(rng.random()), reactor)
    return ServedDevice(device, faults)


def _listen(
    reactor: Any,
    running: RunningSimulator,
    framing: Framing,
    devices: dict[int | None, ServedDevice],
    options: SimulatorOptions,
    default_port: int,
    index: int,
) -> IListeningPort:
    factory = ModbusServerFactory(framing, devices, reactor)
    running.factories.append(factory)
    if options.port_base is None:
        port = default_port + index
    else:
        port = options.port_base + index if options.port_base else 0
    return reactor.listenTCP(port, factory, interface=options.host)


def _start_control(reactor: Any, running: RunningSimulator, options: SimulatorOptions) -> None:
    if options.control_port is not None:
        commands = ControlCommands(running.devices, running.clock)
        running.control = reactor.listenTCP(
            options.control_port, ControlFactory(commands), interface=CONTROL_INTERFACE
        )


@contextmanager
def _stopped_on_error(running: RunningSimulator) -> Iterator[None]:
    """Stops what was started when starting the rest fails."""
    try:
        yield
    except Exception:
        running.stop()
        raise
