"""The wire: a Twisted protocol that serves one simulated COMaster over TCP.

It only moves bytes: the :class:`~..stream.StreamReader` finds the requests, the
:class:`~.device.SimulatedCOMaster` answers them and the :class:`~.faults.FaultInjector`
decides how (and whether) each answer goes out.
"""

from twisted.internet.interfaces import IReactorTime
from twisted.internet.protocol import Factory, Protocol, connectionDone
from twisted.python.failure import Failure

from protocols.delivery import DeliveryQueue
from protocols.faults import FaultInjector

from ..messages import Frame
from ..stream import StreamReader
from .device import SimulatedCOMaster

"""Seconds between the pieces of a split reply, so that they leave as separate segments."""


class COMasterProtocol(Protocol):
    """One master's connection to a simulated COMaster."""

    def __init__(self, factory: "COMasterFactory") -> None:
        self._factory = factory
        self._reader = StreamReader()
        self._answered = 0
        self._deliveries: DeliveryQueue | None = None

    def connectionMade(self) -> None:
        self._deliveries = DeliveryQueue(self.transport, self._factory.reactor)
        set_no_delay = getattr(self.transport, "setTcpNoDelay", None)
        if set_no_delay is not None:
            set_no_delay(True)
        self._factory.connections.add(self)

    def dataReceived(self, data: bytes) -> None:
        for item in self._reader.feed(data):
            if isinstance(item, Frame):
                self._request(item)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self._factory.connections.discard(self)
        if self._deliveries is not None:
            self._deliveries.cancel()

    def _request(self, frame: Frame) -> None:
        faults = self._factory.faults
        if not faults.admit():
            return
        reply = self._factory.device.handle(frame)
        if reply is None:
            return
        self._answered += 1
        delivery = faults.deliver(reply, self._answered)
        if delivery is None:
            return
        assert self._deliveries is not None  # requests come only on a made connection
        self._deliveries.put(delivery)


class COMasterFactory(Factory):
    """Connections to one simulated COMaster; they share its state (and its BufRetry)."""

    def __init__(
        self, device: SimulatedCOMaster, faults: FaultInjector, reactor: IReactorTime
    ) -> None:
        self.device = device
        self.faults = faults
        self.reactor = reactor
        self.connections: set[COMasterProtocol] = set()

    def buildProtocol(self, addr: object) -> COMasterProtocol:
        return COMasterProtocol(self)
