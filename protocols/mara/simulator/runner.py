"""Starting simulated COMasters on a reactor: used by the command line and, in-process,
by tests and the demo."""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from twisted.internet.defer import Deferred, DeferredList, maybeDeferred
from twisted.internet.interfaces import IListeningPort, IReactorTCP, IReactorTime

from protocols.control_lines import ControlFactory
from protocols.faults import FaultInjector, FaultSettings

from .clock import SimulatedClock
from .control import ControlCommands
from .device import SimulatedCOMaster
from .ledger import Ledger
from .profile import ComasterProfile
from .server import COMasterFactory

CONTROL_INTERFACE = "127.0.0.1"
"""The control port only ever listens locally: it can change what the field reports."""


@dataclass
class RunningSimulator:
    """Simulated COMasters listening on a reactor."""

    devices: dict[str, SimulatedCOMaster]
    faults: dict[str, FaultInjector]
    ports: dict[str, IListeningPort]
    control: IListeningPort | None
    ledger: Ledger | None
    factories: list[COMasterFactory] = field(default_factory=list)

    def port_number(self, name: str) -> int:
        """The TCP port a COMaster listens on (useful when it was chosen by the system)."""
        return self.ports[name].getHost().port

    def stop(self) -> Deferred:
        """Stop listening, drop open connections and close the ledger."""
        listening = [*self.ports.values(), *([self.control] if self.control else [])]
        stopped = [maybeDeferred(port.stopListening) for port in listening]
        for factory in self.factories:
            for connection in list(factory.connections):
                connection.transport.abortConnection()
        if self.ledger is not None:
            self.ledger.close()
        return DeferredList(stopped, consumeErrors=True)


def start_simulators(
    reactor: IReactorTCP | IReactorTime,
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
) -> RunningSimulator:
    """Start one simulated COMaster per profile entry and return what listens.

    Each COMaster listens on its profile ``port``, or on ``port_base`` + its index when
    ``port_base`` is given (``port_base=0`` lets the system choose every port). The
    control interface listens on 127.0.0.1 when ``control_port`` is given (0: any port).
    """
    rng = random.Random(seed)
    start = start_time or datetime.now()
    ledger = Ledger(ledger_path) if ledger_path is not None else None
    running = RunningSimulator(devices={}, faults={}, ports={}, control=None, ledger=ledger)
    try:
        for index, profile in enumerate(comasters):
            clock = SimulatedClock(reactor, start, speed)
            device = SimulatedCOMaster(
                profile,
                clock,
                random.Random(rng.random()),
                on_hand_out=ledger.record if ledger is not None else None,
            )
            injector = FaultInjector(
                faults or FaultSettings(), random.Random(rng.random()), reactor
            )
            factory = COMasterFactory(device, injector, reactor)
            port = _port(profile, index, port_base)
            running.ports[profile.name] = reactor.listenTCP(port, factory, interface=host)
            running.devices[profile.name] = device
            running.faults[profile.name] = injector
            running.factories.append(factory)
        if control_port is not None:
            commands = ControlCommands(running.devices, running.faults, ledger)
            running.control = reactor.listenTCP(
                control_port, ControlFactory(commands), interface=CONTROL_INTERFACE
            )
    except Exception:
        running.stop()
        raise
    return running


def _port(profile: ComasterProfile, index: int, port_base: int | None) -> int:
    if port_base is None:
        return profile.port
    return port_base + index if port_base else 0
