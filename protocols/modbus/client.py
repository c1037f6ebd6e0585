"""The master side of Modbus for one device: when to read, write, retry, give up and
reconnect.

:class:`ModbusClient` is the state machine. It never touches a socket or a database: it is
given a reactor (for ``connectTCP`` and timers, so that tests drive it with
``MemoryReactorClock``) and a :class:`ModbusSink` that takes the decoded values. The Twisted
:class:`ModbusClientProtocol` is a thin wire that turns bytes into ADUs for it.

The rules:

- A read cycle starts on a fixed-rate schedule (:class:`PollSchedule`): every block of the
  device's :class:`~.points.ReadPlan`, one request after the other. A cycle still running
  when the next tick comes makes that tick skipped, never queued.
- One request is in flight at a time. Writes wait in a queue and go out before the next
  read, so a command never waits for a whole cycle.
- A request is tried up to ``tries`` times; a reply timeout or a bad frame uses up a try.
  Over Modbus TCP each try has its own transaction id, and a late reply to an earlier try
  of the same request is taken; RTU has no transaction id, so a reply is taken when it
  comes from the device's unit and answers the request's function and size.
- An exception reply is an answer: it is reported with its code (for the points of the
  block, or to the write's caller) and never decoded as data, and it is not retried.
- After the last try the device is reported offline and the connection is dropped; it is
  reconnected after an exponential, capped and jittered delay (:class:`Backoff`).
"""

from __future__ import annotations

import enum
import logging
import random
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from twisted.internet.defer import Deferred, fail, succeed
from twisted.internet.interfaces import IConnector, IDelayedCall
from twisted.internet.protocol import ClientFactory
from twisted.internet.protocol import Protocol as TwistedProtocol
from twisted.python.failure import Failure

from ..scheduling import Backoff, PollSchedule
from .datatypes import Value
from .errors import BadPdu, ExceptionReply, RequestFailed, UnexpectedReply
from .framing import Adu, Direction, Framing, encode_adu
from .messages import Request, WriteRequest
from .pdu import decode_response, encode_pdu
from .planner import ReadBlock
from .points import ReadPlan, write_request
from .replies import check_reply
from .stream import Dropped, stream_reader

log = logging.getLogger(__name__)


class FailedTry(enum.Enum):
    """Why one try of a request got no usable answer."""

    TIMEOUT = "reply timeout"
    BAD_FRAME = "bad frame"
    CONNECTION_LOST = "connection lost"


@dataclass(frozen=True, slots=True)
class DeviceSettings:
    """How to reach and poll one Modbus device. Times are in seconds; ``tries`` counts the
    first try (a device with "3 retries" has ``tries=4``)."""

    host: str
    port: int
    unit: int
    poll_interval: float
    reply_timeout: float
    tries: int = 3
    framing: Framing = Framing.TCP
    connect_timeout: float = 5.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0

    def __post_init__(self) -> None:
        if self.tries < 1 or self.poll_interval <= 0 or self.reply_timeout <= 0:
            raise ValueError("tries, poll interval and reply timeout must be positive")


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


@dataclass
class _Pending:
    """A request waiting for its answer: a read block, or a write with its caller's
    Deferred."""

    request: Request
    block: ReadBlock | None = None
    done: Deferred[None] | None = None


class ModbusClient:
    """Keeps one Modbus device polled and carries out writes to it."""

    def __init__(
        self,
        settings: DeviceSettings,
        plan: ReadPlan,
        sink: ModbusSink,
        reactor: Any,
        *,
        random_fraction: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self.plan = plan
        self.sink = sink
        self._reactor = reactor
        self._backoff = Backoff(settings.backoff_initial, settings.backoff_max, random_fraction)
        self._transaction = 0
        self._reads: deque[_Pending] = deque()
        self._writes: deque[_Pending] = deque()
        self._current: _Pending | None = None
        self._transactions: set[int] = set()
        self._attempt = 0
        self._sent_at = 0.0
        self._cycle_due = 0.0
        self._cycle_started: float | None = None
        self._failures = 0
        self._stopped = True
        self._giving_up = False
        self._protocol: ModbusClientProtocol | None = None
        self._connector: IConnector | None = None
        self._schedule: PollSchedule | None = None
        self._tick_call: IDelayedCall | None = None
        self._timeout_call: IDelayedCall | None = None
        self._reconnect_call: IDelayedCall | None = None
        self._closed: list[Deferred[None]] = []

    @property
    def connected(self) -> bool:
        return self._protocol is not None

    def start(self) -> None:
        """Connect and keep polling until :meth:`stop`."""
        self._stopped = False
        self._connect()

    def stop(self) -> Deferred[None]:
        """Stop polling and close the connection; the Deferred fires once it is closed."""
        self._stopped = True
        _cancel(self._reconnect_call)
        self._reconnect_call = None
        if self._connector is not None:
            self._connector.stopConnecting()
            self._connector = None
        if self._protocol is None:
            return succeed(None)
        closed: Deferred[None] = Deferred()
        self._closed.append(closed)
        self._protocol.transport.loseConnection()
        return closed

    def write(self, tag: str, value: Value) -> Deferred[None]:
        """Write ``value`` to a writable point. The Deferred fires once the device has
        confirmed it, or fails with :class:`ExceptionReply` (the device refused) or
        :class:`RequestFailed` (no answer, or not connected)."""
        return self.send_write(write_request(self.plan.points[tag], value))

    def send_write(self, request: WriteRequest) -> Deferred[None]:
        """Queue a write request; see :meth:`write`."""
        if self._protocol is None:
            return fail(RequestFailed("the device is not connected"))
        done: Deferred[None] = Deferred()
        self._writes.append(_Pending(request, done=done))
        self._send_next()
        return done

    # Connection events, from the factory and the protocol.

    def connection_made(self, protocol: ModbusClientProtocol) -> None:
        self._connector = None
        if self._stopped:
            protocol.transport.loseConnection()
            return
        self._protocol = protocol
        self.sink.link_up()
        self._schedule = PollSchedule(self._reactor.seconds(), self.settings.poll_interval)
        self._tick()

    def connection_failed(self, reason: Failure) -> None:
        self._connector = None
        if self._stopped:
            return
        self._failures += 1
        self.sink.link_down(f"cannot connect: {reason.getErrorMessage()}")
        self._schedule_reconnect()

    def connection_lost(self, reason: Failure) -> None:
        self._protocol = None
        _cancel(self._tick_call)
        _cancel(self._timeout_call)
        self._tick_call = self._timeout_call = None
        closed, self._closed = self._closed, []
        for waiter in closed:
            waiter.callback(None)
        detail = reason.getErrorMessage()
        current, self._current = self._current, None
        if current is not None:
            self.sink.try_failed(current.request, self._attempt, FailedTry.CONNECTION_LOST, detail)
        self._abandon(current, f"connection lost: {detail}")
        given_up, self._giving_up = self._giving_up, False
        if self._stopped:
            return
        if not given_up:
            self._failures += 1
            self.sink.link_down(f"connection lost: {detail}")
        self._schedule_reconnect()

    def adus_received(self, items: Sequence[Adu | Dropped]) -> None:
        """ADUs and dropped bytes, in stream order, from one read."""
        for item in items:
            if isinstance(item, Dropped):
                self.sink.bad_frame(item.data, item.reason)
            elif self._current is None or not self._is_current(item):
                log.debug("%s: ignored a reply that answers no request", self._name)
            else:
                self._answer(item)

    # Reading and writing.

    def _tick(self) -> None:
        assert self._schedule is not None
        due = self._schedule.due
        now = self._reactor.seconds()
        self._tick_call = self._reactor.callLater(self._schedule.advance(now) - now, self._tick)
        if self._cycle_started is not None:
            return
        self._cycle_started, self._cycle_due = now, due
        self._reads.extend(_Pending(block.request, block=block) for block in self.plan.blocks)
        self._send_next()

    def _send_next(self) -> None:
        if self._current is not None or self._protocol is None:
            return
        queue = self._writes or self._reads
        if not queue:
            if self._cycle_started is not None:
                started, self._cycle_started = self._cycle_started, None
                now = self._reactor.seconds()
                self.sink.cycle_completed(started - self._cycle_due, now - started)
            return
        self._current = queue.popleft()
        self._attempt = 0
        self._transactions.clear()
        self._send_try()

    def _send_try(self) -> None:
        assert self._protocol is not None and self._current is not None
        self._attempt += 1
        self._transaction = (self._transaction + 1) & 0xFFFF
        self._transactions.add(self._transaction)
        self._sent_at = self._reactor.seconds()
        settings = self.settings
        pdu = encode_pdu(self._current.request)
        self._protocol.send(encode_adu(settings.framing, settings.unit, pdu, self._transaction))
        self._timeout_call = self._reactor.callLater(settings.reply_timeout, self._timed_out)

    def _is_current(self, adu: Adu) -> bool:
        if adu.transaction is None:
            return adu.unit == self.settings.unit
        return adu.transaction in self._transactions

    def _answer(self, adu: Adu) -> None:
        current = self._current
        assert current is not None
        try:
            data = check_reply(current.request, decode_response(adu.pdu))
        except ExceptionReply as error:
            self._finish()
            self._failures = 0
            if current.block is not None:
                self.sink.exception_reply([str(span.key) for span in current.block.spans], error)
            else:
                self._settle(current, error)
        except (BadPdu, UnexpectedReply) as error:
            self.sink.bad_frame(adu.pdu, str(error))
            self._try_failed(FailedTry.BAD_FRAME, str(error))
            return
        else:
            latency = self._finish()
            self._failures = 0
            if current.block is not None:
                self.sink.values_received(self.plan.decode(current.block, data), latency)
            else:
                self._settle(current, None)
        self._send_next()

    def _finish(self) -> float:
        """End the current request; return how long its last try took."""
        _cancel(self._timeout_call)
        self._timeout_call = None
        self._current = None
        return self._reactor.seconds() - self._sent_at

    def _timed_out(self) -> None:
        self._timeout_call = None
        if self._protocol is not None:
            self._protocol.discard_partial_frame()
        self._try_failed(FailedTry.TIMEOUT, f"no reply in {self.settings.reply_timeout:g} s")

    def _try_failed(self, why: FailedTry, detail: str) -> None:
        assert self._current is not None
        _cancel(self._timeout_call)
        self._timeout_call = None
        self.sink.try_failed(self._current.request, self._attempt, why, detail)
        if self._attempt < self.settings.tries:
            self._send_try()
            return
        current, self._current = self._current, None
        self._failures += 1
        reason = f"no answer after {self.settings.tries} tries ({why.value}: {detail})"
        self.sink.link_down(reason)
        self._abandon(current, reason)
        if self._protocol is not None:
            self._giving_up = True
            self._protocol.transport.loseConnection()

    def _abandon(self, current: _Pending | None, reason: str) -> None:
        """Fail the writes left (and the current one), end the cycle: the connection is
        going away."""
        pending = [current] if current is not None else []
        pending.extend(self._writes)
        self._writes.clear()
        self._reads.clear()
        self._cycle_started = None
        for item in pending:
            self._settle(item, RequestFailed(reason))

    @staticmethod
    def _settle(pending: _Pending, error: Exception | None) -> None:
        if pending.done is None:
            return
        if error is None:
            pending.done.callback(None)
        else:
            pending.done.errback(Failure(error))

    # Reconnecting.

    def _connect(self) -> None:
        self._reconnect_call = None
        settings = self.settings
        self._connector = self._reactor.connectTCP(
            settings.host, settings.port, _ClientFactory(self), timeout=settings.connect_timeout
        )

    def _schedule_reconnect(self) -> None:
        delay = self._backoff.delay(self._failures)
        self.sink.reconnect_scheduled(delay)
        self._reconnect_call = self._reactor.callLater(delay, self._connect)

    @property
    def _name(self) -> str:
        return f"{self.settings.host}:{self.settings.port}/{self.settings.unit}"


def _cancel(call: IDelayedCall | None) -> None:
    if call is not None and call.active():
        call.cancel()


class ModbusClientProtocol(TwistedProtocol):
    """One TCP connection to a Modbus device or gateway: bytes in and out, ADUs to the
    client."""

    def __init__(self, client: ModbusClient) -> None:
        settings = client.settings
        self._client = client
        self._reader = stream_reader(settings.framing, Direction.RESPONSE, {settings.unit})
        self._name = f"{settings.host}:{settings.port}"

    def connectionMade(self) -> None:
        set_no_delay = getattr(self.transport, "setTcpNoDelay", None)
        if set_no_delay is not None:
            set_no_delay(True)
        self._client.connection_made(self)

    def dataReceived(self, data: bytes) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s <- %s", self._name, data.hex(" "))
        self._client.adus_received(self._reader.feed(data))

    def connectionLost(self, reason: Failure) -> None:
        self._client.connection_lost(reason)

    def send(self, frame: bytes) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s -> %s", self._name, frame.hex(" "))
        self.transport.write(frame)

    def discard_partial_frame(self) -> None:
        """Forget a frame left incomplete (its end will not come after a timeout)."""
        self._reader.clear()


class _ClientFactory(ClientFactory):
    noisy = False  # a reconnecting poller would log every attempt

    def __init__(self, client: ModbusClient) -> None:
        self._client = client

    def buildProtocol(self, addr: Any) -> ModbusClientProtocol:
        return ModbusClientProtocol(self._client)

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        self._client.connection_failed(reason)
