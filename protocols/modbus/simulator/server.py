"""The wire: a Twisted protocol serving simulated devices over Modbus TCP or RTU over TCP.

One listening port serves one device (a PLC on Modbus TCP answers whatever unit id it is
sent) or several behind a gateway, by unit id. The protocol only moves bytes: the stream
reader finds the requests, :func:`~.core.answer` gets each device's response and the
device's :class:`FaultInjector` decides how (and whether) it goes out.

A request for a unit that is not there gets exception 0x0B (gateway target failed to
respond) over Modbus TCP and silence over RTU, as from a serial bus with no such device.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from twisted.internet.interfaces import IReactorTime
from twisted.internet.protocol import Factory, Protocol, connectionDone
from twisted.python.failure import Failure

from protocols.delivery import DeliveryQueue
from protocols.faults import Delivery, FaultInjector

from ..constants import ExceptionCode
from ..framing import Adu, Direction, Framing, encode_adu
from ..messages import ExceptionResponse
from ..pdu import encode_pdu
from ..stream import stream_reader
from .core import SimulatedDevice, answer

"""Seconds between the pieces of a split reply, so that they leave as separate segments."""
ANY_UNIT = None
"""The key of a device that answers every unit id."""


@dataclass
class ServedDevice:
    """A device on a port, and the faults of its replies."""

    device: SimulatedDevice
    faults: FaultInjector


class ModbusServerProtocol(Protocol):
    """One master's connection to a port."""

    def __init__(self, factory: "ModbusServerFactory") -> None:
        self._factory = factory
        units = None if ANY_UNIT in factory.devices else set(factory.devices)
        self._reader = stream_reader(factory.framing, Direction.REQUEST, units)
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
            if isinstance(item, Adu):
                self._request(item)

    def connectionLost(self, reason: Failure = connectionDone) -> None:
        self._factory.connections.discard(self)
        if self._deliveries is not None:
            self._deliveries.cancel()

    def _request(self, adu: Adu) -> None:
        factory = self._factory
        served = factory.devices.get(adu.unit) or factory.devices.get(ANY_UNIT)
        if served is None:
            if factory.framing is Framing.TCP:
                refusal = ExceptionResponse(
                    adu.pdu[0] & 0x7F, ExceptionCode.GATEWAY_TARGET_FAILED_TO_RESPOND
                )
                self._queue_delivery(Delivery(writes=(self._frame(adu, encode_pdu(refusal)),)))
            return
        if not served.faults.admit():
            return
        reply = self._frame(adu, answer(served.device, adu.pdu))
        self._answered += 1
        delivery = served.faults.deliver(reply, self._answered)
        if delivery is not None:
            self._queue_delivery(delivery)

    def _frame(self, adu: Adu, pdu: bytes) -> bytes:
        return encode_adu(self._factory.framing, adu.unit, pdu, adu.transaction or 0)

    def _queue_delivery(self, delivery: Delivery) -> None:
        assert self._deliveries is not None  # requests come only on a made connection
        self._deliveries.put(delivery)


class ModbusServerFactory(Factory):
    """Connections to one port; they share its devices."""

    def __init__(
        self,
        framing: Framing,
        devices: Mapping[int | None, ServedDevice],
        reactor: IReactorTime,
    ) -> None:
        self.framing = framing
        self.devices = dict(devices)
        self.reactor = reactor
        self.connections: set[ModbusServerProtocol] = set()

    def buildProtocol(self, addr: object) -> ModbusServerProtocol:
        return ModbusServerProtocol(self)
