"""Starting simulated COMasters on a reactor: used by the command line and, in-process,
by tests and the demo."""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from protocols.simulation.clock import SimulatedClock
from protocols.simulation.faults import FaultInjector, FaultSettings
from protocols.simulation.runner import RunningSimulator as BaseRunningSimulator
from protocols.simulation.runner import choose_port, stopped_on_error

from .control import ControlCommands
from .device import SimulatedCOMaster
from .ledger import Ledger
from .profile import ComasterProfile
from .server import COMasterFactory


@dataclass(kw_only=True)
class RunningSimulator(BaseRunningSimulator):
    """Simulated COMasters listening on a reactor, and their ledger."""

    devices: dict[str, SimulatedCOMaster] = field(default_factory=dict)
    faults: dict[str, FaultInjector] = field(default_factory=dict)
    ledger: Ledger | None = None

    def release(self) -> None:
        if self.ledger is not None:
            self.ledger.close()


def start_simulators(
    reactor: Any,
    comasters: Sequence[ComasterProfile],
    *,
    host: str = "127.0.0.1",
    port_base: int | None = None,
    speed: float = 1.0,
    faults: FaultSettings | None = None,
    ledger_path: str | Path | None = None,
    control_port: int | None = None,
    seed: int | None = None,
    start_time: datetime | None = None,
    field_delay: float = 0.0,
    error_ports: frozenset[int] = frozenset(),
) -> RunningSimulator:
    """Start one simulated COMaster per profile entry and return what listens.

    Each COMaster listens on its profile ``port``, or on ``port_base`` + its index when
    ``port_base`` is given (``port_base=0`` lets the system choose every port). The
    control interface listens on 127.0.0.1 when ``control_port`` is given (0: any port).
    """
    rng = random.Random(seed)
    start = start_time or datetime.now()
    ledger = Ledger(ledger_path) if ledger_path is not None else None
    running = RunningSimulator(ledger=ledger)
    with stopped_on_error(running):
        for index, profile in enumerate(comasters):
            device = SimulatedCOMaster(
                profile,
                SimulatedClock(reactor, start, speed),
                random.Random(rng.random()),
                on_hand_out=ledger.record if ledger is not None else None,
                field_delay=field_delay,
                error_ports=error_ports,
            )
            injector = FaultInjector(
                faults or FaultSettings(), random.Random(rng.random()), reactor
            )
            port = choose_port(profile.port, port_base, index)
            factory = COMasterFactory(device, injector, reactor)
            running.ports[profile.name] = running.listen(reactor, port, factory, host)
            running.devices[profile.name] = device
            running.faults[profile.name] = injector
        running.listen_control(
            reactor, control_port, ControlCommands(running.devices, running.faults, ledger)
        )
    return running
