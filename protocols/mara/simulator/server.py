"""The wire: a Twisted protocol that serves one simulated COMaster over TCP.

It only finds the requests (the :class:`~..stream.StreamReader`) and asks the
:class:`~.device.SimulatedCOMaster` for each answer; how the answer goes out is
:class:`~protocols.simulation.server.SimulatorProtocol`'s.
"""

from twisted.internet.interfaces import IReactorTime

from protocols.simulation.faults import FaultInjector
from protocols.simulation.server import SimulatorFactory, SimulatorProtocol

from ..messages import Frame
from ..stream import StreamReader
from .device import SimulatedCOMaster


class COMasterProtocol(SimulatorProtocol):
    """One master's connection to a simulated COMaster."""

    factory: "COMasterFactory"

    def __init__(self, factory: "COMasterFactory") -> None:
        super().__init__(factory)
        self._reader = StreamReader()

    def dataReceived(self, data: bytes) -> None:
        for item in self._reader.feed(data):
            if isinstance(item, Frame):
                self._request(item)

    def _request(self, frame: Frame) -> None:
        faults = self.factory.faults
        if not faults.admit():
            return
        reply = self.factory.device.handle(frame)
        if reply is not None:
            self.send(reply, faults)


class COMasterFactory(SimulatorFactory):
    """Connections to one simulated COMaster; they share its state (and its BufRetry)."""

    def __init__(
        self, device: SimulatedCOMaster, faults: FaultInjector, reactor: IReactorTime
    ) -> None:
        super().__init__(reactor)
        self.device = device
        self.faults = faults

    def buildProtocol(self, addr: object) -> COMasterProtocol:
        return COMasterProtocol(self)
