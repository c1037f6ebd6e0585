"""Starting simulators on a reactor: used by the command line and, in-process, by tests,
the demo and benchmarks (many plants or meters in one process)."""

import random
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from twisted.internet.interfaces import IListeningPort

from protocols.simulation.clock import SimulatedClock
from protocols.simulation.faults import FaultInjector, FaultSettings
from protocols.simulation.runner import RunningSimulator as BaseRunningSimulator
from protocols.simulation.runner import choose_port, stopped_on_error

from ..framing import Framing
from ..register_map import RegisterMap, load_register_map
from .control import ControlCommands
from .core import SimulatedDevice
from .meter import LoadProfile, Sdm630Meter
from .plant import SbrPlant
from .server import ANY_UNIT, ModbusServerFactory, ServedDevice

MAPS = Path(__file__).resolve().parents[3] / "fixtures" / "modbus"
PLANT_MAP = MAPS / "twido_sbr_plant.json"
METER_MAP = MAPS / "sdm630.json"
DEFAULT_PLANT_PORT = 5020
DEFAULT_METER_PORT = 5030
PRODUCER_EVERY = 4
"""Every fourth flat has solar panels and exports around noon."""
FIRST_SERIAL = 21_050_001
MAX_UNIT = 247


@dataclass(kw_only=True)
class RunningSimulator(BaseRunningSimulator):
    """Simulated devices listening on a reactor, on one simulated clock."""

    clock: SimulatedClock
    devices: dict[str, ServedDevice] = field(default_factory=dict)
    units: dict[str, int | None] = field(default_factory=dict)
    """Each device's unit id (``None``: it answers every unit id)."""

    def label(self, name: str) -> str:
        unit = self.units[name]
        return "" if unit is None else f" unit {unit}"


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
    with stopped_on_error(running):
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
    one_connection: bool = False,
) -> RunningSimulator:
    """``count`` SDM630 meters, ``F01``..., ``per_port`` of them (default: all) behind each
    port with unit ids from ``first_unit``: RTU over TCP (a serial gateway) or Modbus TCP.
    With ``one_connection`` each port takes one connection at a time, like many gateways."""
    options = options or SimulatorOptions()
    meter_map = register_map or load_register_map(METER_MAP)
    per_port = per_port or count
    if first_unit < 1 or first_unit + min(per_port, count) - 1 > MAX_UNIT:
        raise ValueError("unit ids must stay within 1..247")
    running, rng = _running(reactor, options)
    with stopped_on_error(running):
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
                reactor,
                running,
                framing,
                group,
                options,
                DEFAULT_METER_PORT,
                port_index,
                one_connection=one_connection,
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
    *,
    one_connection: bool = False,
) -> IListeningPort:
    port = choose_port(default_port + index, options.port_base, index)
    factory = ModbusServerFactory(framing, devices, reactor, one_connection=one_connection)
    return running.listen(reactor, port, factory, options.host)


def _start_control(reactor: Any, running: RunningSimulator, options: SimulatorOptions) -> None:
    commands = ControlCommands(running.devices, running.clock)
    running.listen_control(reactor, options.control_port, commands)
