"""The master side of Modbus for one device: what is Modbus's in polling it and writing to
it.

The connection keeper (:mod:`protocols.link`) does what every field client does: the
fixed-rate schedule, the reply timeout, retries, giving up, backoff and reconnecting, one
request in flight, commands ahead of the next poll. :class:`ModbusClient` adds Modbus's
part:

- A poll cycle reads every block of the device's :class:`~.points.ReadPlan`; writes are
  the keeper's commands, so they go out before the next read.
- Over Modbus TCP each try has its own transaction id, and a late reply to an earlier try
  of the same request is taken; RTU has no transaction id, so a reply is taken when it
  comes from the device's unit and answers the request's function and size.
- An exception reply is an answer: it is reported with its code (for the points of the
  block, or to the write's caller) and never decoded as data, and it is not retried. A
  reply that answers something else uses up a try; bytes that are no frame do not.
- A connection closed by the device or the network puts its points offline at once.
- Devices at the same host and port can share one connection (:class:`ModbusGateways`, see
  :mod:`protocols.link.gateway`): their requests take turns, each with its own unit id,
  and a reply is taken only from the unit asked (over Modbus TCP too, for the transaction
  ids of the devices sharing a connection are counted apart).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from ..link import errors as link_errors
from ..link.client import FieldClient
from ..link.gateway import Gateways
from ..link.keeper import Answer, FailedTry, Keeper, LinkSettings, Unusable
from ..link.wire import tcp_dialer
from .datatypes import Value
from .errors import BadPdu, ExceptionReply, RequestFailed, UnexpectedReply
from .framing import Adu, Direction, Framing, encode_adu
from .messages import Request, WriteRequest
from .pdu import decode_response, encode_pdu
from .planner import ReadBlock
from .points import ReadPlan, write_request
from .replies import check_reply
from .stream import Dropped, stream_reader

__all__ = [
    "DeviceSettings",
    "FailedTry",
    "ModbusGateways",
    "ModbusClient",
    "ModbusSink",
]

log = logging.getLogger(__name__)

Data = tuple[int, ...] | tuple[bool, ...]
Reply = Data | ExceptionReply
"""What answers a request: the data read (``()`` for a write), or the device's refusal."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceSettings(LinkSettings):
    """How to reach and poll one Modbus device. Times are in seconds; ``attempts`` counts
    the first try (a device with "3 retries" has ``attempts=4``)."""

    unit: int
    framing: Framing = Framing.TCP


class ModbusSink(Protocol):
    """What a :class:`ModbusClient` reports to; the poller stores and counts with it."""

    def link_up(self) -> None:
        """The connection is made; reads start."""

    def values_received(self, values: Mapping[str, Value], latency: float) -> None:
        """The decoded values of one read block, by tag."""

    def exception_reply(self, tags: Sequence[str], error: ExceptionReply) -> None:
        """The device answered the read of these points with an exception."""

    def cycle_completed(self, lateness: float, duration: float) -> None:
        """Every block of a cycle has been answered (or given up); ``lateness`` is how late
        the cycle started, ``duration`` how long it took."""

    def try_failed(self, request: Request, attempt: int, why: FailedTry, detail: str) -> None:
        """Try ``attempt`` (1-based) of ``request`` got no usable answer."""

    def bad_frame(self, data: bytes, reason: str) -> None:
        """Bytes that were not a sound reply."""

    def link_down(self, reason: str) -> None:
        """The device cannot be reached, did not answer the last try of a request, or
        closed the connection: its points are offline."""

    def reconnect_scheduled(self, delay: float) -> None:
        """A new connection will be tried in ``delay`` seconds."""


class ModbusGateways(Gateways):
    """The shared connections of the Modbus devices of one reactor, and the unit ids
    behind each, which its RTU reader expects (so that it resynchronises quickly)."""

    def __init__(self, reactor: Any) -> None:
        super().__init__(reactor)
        self._units: dict[tuple[str, int], set[int]] = {}

    def units(self, host: str, port: int) -> set[int]:
        """The unit ids of the devices at ``host``:``port`` (live: a new device adds its own)."""
        return self._units.setdefault((host, port), set())


class ModbusClient(FieldClient[ReadBlock | WriteRequest, Reply]):
    """Keeps one Modbus device polled and carries out writes to it: the Modbus
    conversation of a :class:`Keeper` whose requests are read blocks and writes."""

    sink: ModbusSink

    def __init__(
        self,
        settings: DeviceSettings,
        plan: ReadPlan,
        sink: ModbusSink,
        reactor: Any,
        *,
        random_fraction: Callable[[], float] = random.random,
        gateways: ModbusGateways | None = None,
    ) -> None:
        """With ``gateways``, the client shares the connection of the other devices at
        its host and port; without, it has one of its own."""
        self.settings = settings
        self.plan = plan
        self.sink = sink
        self._transaction = 0
        self._transactions: set[int] = set()  # the ids of the tries of the request in flight
        if gateways is None:
            units = {settings.unit}
            dial = tcp_dialer(
                reactor, partial(stream_reader, settings.framing, Direction.RESPONSE, units)
            )
        else:  # the shared connection reads the replies of every unit behind the gateway
            units = gateways.units(settings.host, settings.port)
            units.add(settings.unit)
            dial = gateways.dialer(
                partial(stream_reader, settings.framing, Direction.RESPONSE, units)
            )
        self._keeper: Keeper[ReadBlock | WriteRequest, Reply] = Keeper(
            settings, self, reactor, dial, random_fraction=random_fraction
        )

    def write(self, tag: str, value: Value) -> Deferred[None]:
        """Write ``value`` to a writable point. The Deferred fires once the device has
        confirmed it, or fails with :class:`ExceptionReply` (the device refused) or
        :class:`RequestFailed` (no answer, or not connected)."""
        return self.send_write(write_request(self.plan.points[tag], value))

    def send_write(self, request: WriteRequest) -> Deferred[None]:
        """Queue a write request; see :meth:`write`."""
        return self._keeper.submit(request).addCallbacks(_confirmed, _no_answer)

    # The conversation: what the keeper asks of Modbus.

    def link_up(self) -> None:
        self.sink.link_up()

    def poll_requests(self) -> Sequence[ReadBlock]:
        return self.plan.blocks

    def encode(self, request: ReadBlock | WriteRequest, attempt: int) -> bytes:
        if attempt == 1:
            self._transactions.clear()
        self._transaction = (self._transaction + 1) & 0xFFFF
        self._transactions.add(self._transaction)
        pdu = encode_pdu(_request(request))
        return encode_adu(self.settings.framing, self.settings.unit, pdu, self._transaction)

    def examine(
        self, request: ReadBlock | WriteRequest | None, item: object
    ) -> Answer[Reply] | Unusable | None:
        if isinstance(item, Dropped):
            self.sink.bad_frame(item.data, item.reason)
            return None
        assert isinstance(item, Adu)
        if request is None or not self._answers_in_flight(item):
            log.debug("%s: ignored a reply that answers no request", self._name)
            return None
        try:
            return Answer(check_reply(_request(request), decode_response(item.pdu)))
        except ExceptionReply as error:
            return Answer(error)
        except (BadPdu, UnexpectedReply) as error:
            self.sink.bad_frame(item.pdu, str(error))
            return Unusable(str(error))

    def answered(self, request: ReadBlock | WriteRequest, answer: Reply, latency: float) -> None:
        assert isinstance(request, ReadBlock)
        if isinstance(answer, ExceptionReply):
            self.sink.exception_reply([str(span.key) for span in request.spans], answer)
        else:
            self.sink.values_received(self.plan.decode(request, answer), latency)

    def cycle_completed(self, lateness: float, duration: float) -> None:
        self.sink.cycle_completed(lateness, duration)

    def try_failed(
        self, request: ReadBlock | WriteRequest, attempt: int, why: FailedTry, detail: str
    ) -> None:
        self.sink.try_failed(_request(request), attempt, why, detail)

    def link_lost(self, detail: str) -> None:
        self.sink.link_down(f"connection lost: {detail}")

    # Modbus's own rules.

    def _answers_in_flight(self, adu: Adu) -> bool:
        if adu.unit != self.settings.unit:
            return False
        return adu.transaction is None or adu.transaction in self._transactions

    @property
    def _name(self) -> str:
        return f"{self.settings.host}:{self.settings.port}/{self.settings.unit}"


def _request(request: ReadBlock | WriteRequest) -> Request:
    return request.request if isinstance(request, ReadBlock) else request


def _confirmed(reply: Reply) -> None:
    if isinstance(reply, ExceptionReply):
        raise reply


def _no_answer(failure: Failure) -> Failure:
    """The keeper's error becomes this package's, at its boundary."""
    if isinstance(failure.value, link_errors.RequestFailed):
        raise RequestFailed(str(failure.value)) from failure.value
    return failure
