"""What every simulator's wire does besides finding requests and answering them.

A simulator's protocol subclasses :class:`SimulatorProtocol`: it feeds the bytes it
receives to its own stream reader, asks its device for each answer and hands the answer to
:meth:`~SimulatorProtocol.send`, which lets the device's :class:`~.faults.FaultInjector`
decide how (and whether) it goes out and queues it on the connection. Its factory
subclasses :class:`SimulatorFactory`, which knows the open connections so that a stopping
simulator can drop them.
"""

from __future__ import annotations

from twisted.internet.interfaces import IReactorTime, ITCPTransport
from twisted.internet.protocol import Factory, Protocol, connectionDone
from twisted.python.failure import Failure

from .delivery import DeliveryQueue
from .faults import Delivery, FaultInjector


class SimulatorProtocol(Protocol):
    """One master's connection to a simulated device (or to a gateway's devices)."""

    def __init__(self, factory: SimulatorFactory) -> None:
        self.factory = factory
        self._answered = 0
        self._deliveries: DeliveryQueue | None = None

    def connectionMade(self) -> None:
        assert self.transport is not None  # Twisted sets it before connectionMade
        self._deliveries = DeliveryQueue(self.transport, self.factory.reactor)
        # Split replies must leave as separate segments, not wait to be coalesced.
        set_no_delay = getattr(self.transport, "setTcpNoDelay", None)
        if set_no_delay is not None:
            set_no_delay(True)
        self.factory.connections.add(self)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self.factory.connections.discard(self)
        if self._deliveries is not None:
            self._deliveries.cancel()

    def send(self, reply: bytes, faults: FaultInjector) -> None:
        """Send the answer to a request, as ``faults`` decide: the n-th answer on this
        connection is what ``close_every`` counts."""
        self._answered += 1
        delivery = faults.deliver(reply, self._answered)
        if delivery is not None:
            self.queue(delivery)

    def queue(self, delivery: Delivery) -> None:
        """Write ``delivery`` after the replies already queued."""
        assert self._deliveries is not None  # requests come only on a made connection
        self._deliveries.put(delivery)


class SimulatorFactory(Factory[SimulatorProtocol]):
    """The connections to one listening port."""

    def __init__(self, reactor: IReactorTime) -> None:
        self.reactor = reactor
        self.connections: set[SimulatorProtocol] = set()

    def abort_connections(self) -> None:
        for connection in list(self.connections):
            if connection.transport is not None:
                # Listening on TCP, so the transport is a TCP one, which can abort.
                ITCPTransport(connection.transport).abortConnection()
