"""The wire: a Twisted protocol serving simulated devices over Modbus TCP or RTU over TCP.

One listening port serves one device (a PLC on Modbus TCP answers whatever unit id it is
sent) or several behind a gateway, by unit id. The protocol only finds the requests (the
stream reader) and gets each device's response from :func:`~.core.answer`; how it goes out
is :class:`~protocols.simulation.server.SimulatorProtocol`'s.

A port can take one connection at a time (``one_connection``), as many RS485-to-TCP
gateways do: a second connection is closed as soon as it is accepted, and counted.

A request for a unit that is not there gets exception 0x0B (gateway target failed to
respond) over Modbus TCP and silence over RTU, as from a serial bus with no such device.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from twisted.internet.interfaces import IReactorTime

from protocols.simulation.faults import Delivery, FaultInjector
from protocols.simulation.server import SimulatorFactory, SimulatorProtocol

from ..constants import ExceptionCode
from ..framing import Adu, Direction, Framing, encode_adu
from ..messages import ExceptionResponse
from ..pdu import encode_pdu
from ..stream import stream_reader
from .core import SimulatedDevice, answer

ANY_UNIT = None
"""The key of a device that answers every unit id."""


@dataclass
class ServedDevice:
    """A device on a port, and the faults of its replies."""

    device: SimulatedDevice
    faults: FaultInjector


class ModbusServerProtocol(SimulatorProtocol):
    """One master's connection to a port."""

    factory: "ModbusServerFactory"

    def __init__(self, factory: "ModbusServerFactory") -> None:
        super().__init__(factory)
        units = {unit for unit in factory.devices if unit is not ANY_UNIT}
        answers_all = ANY_UNIT in factory.devices
        self._reader = stream_reader(
            factory.framing, Direction.REQUEST, None if answers_all else units
        )

    def dataReceived(self, data: bytes) -> None:
        for item in self._reader.feed(data):
            if isinstance(item, Adu):
                self._request(item)

    def _request(self, adu: Adu) -> None:
        factory = self.factory
        served = factory.devices.get(adu.unit) or factory.devices.get(ANY_UNIT)
        if served is None:
            if factory.framing is Framing.TCP:
                refusal = ExceptionResponse(
                    adu.pdu[0] & 0x7F, ExceptionCode.GATEWAY_TARGET_FAILED_TO_RESPOND
                )
                self.queue(Delivery(writes=(self._frame(adu, encode_pdu(refusal)),)))
            return
        if served.faults.admit():
            self.send(self._frame(adu, answer(served.device, adu.pdu)), served.faults)

    def _frame(self, adu: Adu, pdu: bytes) -> bytes:
        return encode_adu(self.factory.framing, adu.unit, pdu, adu.transaction or 0)


class ModbusServerFactory(SimulatorFactory):
    """Connections to one port; they share its devices."""

    def __init__(
        self,
        framing: Framing,
        devices: Mapping[int | None, ServedDevice],
        reactor: IReactorTime,
        *,
        one_connection: bool = False,
    ) -> None:
        super().__init__(reactor)
        self.framing = framing
        self.devices = dict(devices)
        self.one_connection = one_connection
        self.refused = 0
        """Connections closed because another one was open (``one_connection``)."""

    def buildProtocol(self, addr: object) -> ModbusServerProtocol | None:
        if self.one_connection and self.connections:
            self.refused += 1
            return None  # Twisted closes a connection that gets no protocol
        return ModbusServerProtocol(self)
