"""The wire: a Twisted protocol that serves one simulated COMaster over TCP.

It only moves bytes: the :class:`~..stream.StreamReader` finds the requests, the
:class:`~.device.SimulatedCOMaster` answers them and the :class:`~.faults.FaultInjector`
decides how (and whether) each answer goes out.
"""

from collections import deque

from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.protocol import Factory, Protocol, connectionDone
from twisted.python.failure import Failure

from protocols.faults import Delivery, FaultInjector

from ..messages import Frame
from ..stream import StreamReader
from .device import SimulatedCOMaster

SPLIT_PAUSE = 0.001
"""Seconds between the pieces of a split reply, so that they leave as separate segments."""


class COMasterProtocol(Protocol):
    """One master's connection to a simulated COMaster."""

    def __init__(self, factory: "COMasterFactory") -> None:
        self._factory = factory
        self._reader = StreamReader()
        self._answered = 0
        self._queue: deque[Delivery] = deque()
        self._pending: IDelayedCall | None = None
        self._writing = False

    def connectionMade(self) -> None:
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
        if self._pending is not None and self._pending.active():
            self._pending.cancel()
        self._queue.clear()

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
        self._queue.append(delivery)
        if not self._writing:
            self._next_delivery()

    def _next_delivery(self) -> None:
        """Carry out queued deliveries one after the other, so replies never interleave."""
        if not self._queue:
            self._writing = False
            return
        self._writing = True
        delivery = self._queue.popleft()
        if delivery.delay > 0:
            self._pending = self._factory.reactor.callLater(
                delivery.delay, self._write, delivery, 0
            )
        else:
            self._write(delivery, 0)

    def _write(self, delivery: Delivery, index: int) -> None:
        self._pending = None
        if delivery.close:
            self._queue.clear()
            self._writing = False
            self.transport.loseConnection()
            return
        self.transport.write(delivery.writes[index])
        if index + 1 < len(delivery.writes):
            self._pending = self._factory.reactor.callLater(
                SPLIT_PAUSE, self._write, delivery, index + 1
            )
        else:
            self._next_delivery()


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
