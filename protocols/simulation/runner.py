"""What every simulator does once started on a reactor: listen, announce, stop.

A simulator's runner builds its devices and factories and records them on a subclass of
:class:`RunningSimulator`, which listens (its devices' ports, and the control interface on
127.0.0.1 only), says where, and stops it all again: for the command line and, in-process,
for tests, the demo and benchmarks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.defer import Deferred, DeferredList, maybeDeferred
from twisted.internet.interfaces import IListeningPort

from .control_lines import CommandTable, ControlFactory
from .server import SimulatorFactory

CONTROL_INTERFACE = "127.0.0.1"
"""The control port only ever listens locally: it can change what the field reports."""


def tcp_address(port: IListeningPort) -> IPv4Address | IPv6Address:
    """Where a TCP port listens. ``getHost`` is declared to return any ``IAddress``, and
    only TCP addresses have a host and a port number."""
    address = port.getHost()
    if not isinstance(address, IPv4Address | IPv6Address):
        raise TypeError(f"{address!r} is not the address of a TCP port")
    return address


@dataclass(kw_only=True)
class RunningSimulator:
    """Simulated devices listening on a reactor."""

    ports: dict[str, IListeningPort] = field(default_factory=dict)
    """The port each device listens on (devices behind one gateway share it)."""
    control: IListeningPort | None = None
    factories: list[SimulatorFactory] = field(default_factory=list)

    def port_number(self, name: str) -> int:
        """The TCP port a device listens on (useful when the system chose it)."""
        return tcp_address(self.ports[name]).port

    def control_port_number(self) -> int:
        """The TCP port of the control interface; raises if it was not started."""
        if self.control is None:
            raise LookupError("this simulator runs without a control interface")
        return tcp_address(self.control).port

    def listen(
        self, reactor: Any, port: int, factory: SimulatorFactory, host: str
    ) -> IListeningPort:
        """Serve ``factory`` on ``host``:``port``; :meth:`stop` drops its connections."""
        self.factories.append(factory)
        listening: IListeningPort = reactor.listenTCP(port, factory, interface=host)
        return listening

    def listen_control(self, reactor: Any, port: int | None, commands: CommandTable) -> None:
        """The JSON-lines control interface on 127.0.0.1:``port`` (``None``: none)."""
        if port is not None:
            self.control = reactor.listenTCP(
                port, ControlFactory(commands), interface=CONTROL_INTERFACE
            )

    def announcements(self) -> list[str]:
        """``NAME listening on HOST:PORT`` for each device, then the control port's."""
        lines = []
        for name, port in self.ports.items():
            address = tcp_address(port)
            lines.append(f"{name} listening on {address.host}:{address.port}{self.label(name)}")
        if self.control is not None:
            address = tcp_address(self.control)
            lines.append(f"control listening on {address.host}:{address.port}")
        return lines

    def label(self, name: str) -> str:
        """What the announcement adds after a device's address (a gateway's unit id)."""
        return ""

    def stop(self) -> Deferred[Any]:
        """Stop listening, drop open connections and release what else is held."""
        listening = {id(port): port for port in self.ports.values()}
        if self.control is not None:
            listening[id(self.control)] = self.control
        stopped = [maybeDeferred(port.stopListening) for port in listening.values()]
        for factory in self.factories:
            factory.abort_connections()
        self.release()
        return DeferredList(stopped, consumeErrors=True)

    def release(self) -> None:
        """Close what the simulator holds besides its ports (a ledger file)."""


def choose_port(default: int, port_base: int | None, index: int) -> int:
    """The port of the ``index``-th device: ``default`` without a ``port_base``, any free
    port with ``port_base`` 0, else ``port_base`` + ``index``."""
    if port_base is None:
        return default
    return port_base + index if port_base else 0


@contextmanager
def stopped_on_error(running: RunningSimulator) -> Iterator[None]:
    """Stops what was started when starting the rest fails."""
    try:
        yield
    except Exception:
        running.stop()
        raise
