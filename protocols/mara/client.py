"""The master side of Mara for one COMaster: when to poll, retry, give up and reconnect.

:class:`PollClient` is the state machine. It never touches a socket or a database: it is
given a reactor (for ``connectTCP`` and timers, so tests drive it with
``MemoryReactorClock``) and a :class:`ClientSink` that stores what it receives. The Twisted
:class:`MaraClientProtocol` is a thin wire that turns bytes into frames for it.

The rules, from the protocol page:

- Polls go out on a fixed-rate schedule (:class:`PollSchedule`); a slow reply skips ticks
  but never shifts the ones after it. The first poll leaves as soon as the connection is
  up; the schedule's phase is drawn at random per client, so that many COMasters
  connected at once do not all poll in the same instant.
- A request is tried up to ``retries`` times with the same SEQ, so that a COMaster whose
  reply was lost answers again with the same data (BufRetry) and no event is lost. A reply
  timeout, a bad frame or a lost connection each use up one try.
- SEQ advances only after the sink has stored the reply. If storing fails, the next poll
  repeats the SEQ and the COMaster repeats its answer.
- A reply whose SEQ differs from the request's is a late answer to something else and is
  ignored.
- After the last try the COMaster is reported down and the connection is dropped; it is
  reconnected after an exponential, capped and jittered delay (:class:`Backoff`).
- A time set is sent on connect and then before a poll whenever ``time_set_interval`` has
  passed. It carries the SEQ of the last poll, so that it can never make the COMaster take
  a repeated poll for a new one, or a new poll for a repeat.
"""

from __future__ import annotations

import enum
import functools
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from twisted.internet.defer import Deferred, maybeDeferred, succeed
from twisted.internet.interfaces import IConnector, IDelayedCall
from twisted.internet.protocol import ClientFactory
from twisted.internet.protocol import Protocol as TwistedProtocol
from twisted.python.failure import Failure

from ..scheduling import Backoff, PollSchedule
from .constants import BROADCAST_ADDRESS, MASTER_ADDRESS, SOF, Command
from .encode import encode_poll, encode_time_set
from .messages import Frame, PollReply
from .stream import Dropped, StreamReader

log = logging.getLogger(__name__)

SEQ_FIRST = 0x20
SEQ_LAST = 0x7F
"""The original master cycled SEQ through 0x20..0x7F; any cycle that never repeats the
previous SEQ for a new request would do."""


def next_seq(seq: int) -> int:
    """The SEQ of the request after ``seq``."""
    return SEQ_FIRST if not SEQ_FIRST <= seq < SEQ_LAST else seq + 1


@functools.lru_cache(maxsize=4096)
def _poll_frame(dst: int, src: int, seq: int) -> bytes:
    """Poll requests are few distinct frames, each sent very often: built once."""
    return encode_poll(dst, src, seq)


class FailedTry(enum.Enum):
    """Why one try of a request got no usable answer."""

    TIMEOUT = "reply timeout"
    BAD_FRAME = "bad frame"
    CONNECTION_LOST = "connection lost"


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """How to reach and poll one COMaster. Times are in seconds."""

    host: str
    port: int
    address: int
    poll_interval: float
    reply_timeout: float
    retries: int
    time_set_interval: float
    master_address: int = MASTER_ADDRESS
    connect_timeout: float = 5.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0


class ClientSink(Protocol):
    """What a :class:`PollClient` reports to; the poller stores and counts with it."""

    def poll_sent(self, seq: int, attempt: int, lateness: float | None) -> None:
        """A poll went out; ``lateness`` is how late a scheduled poll left (None for a
        retry)."""

    def reply_received(self, seq: int, reply: PollReply, latency: float) -> Deferred[Any] | None:
        """Store a reply. SEQ advances when this returns, or when the Deferred it returns
        fires; an exception or a failed Deferred keeps the SEQ for the next poll."""

    def try_failed(self, seq: int, attempt: int, why: FailedTry, detail: str) -> None:
        """Try ``attempt`` (1-based) of request ``seq`` got no usable answer."""

    def bad_frame(self, data: bytes, reason: str) -> None:
        """Bytes that started like a frame but were not a sound one."""

    def link_down(self, reason: str) -> None:
        """The COMaster cannot be reached or did not answer the last try of a request."""

    def reconnect_scheduled(self, delay: float) -> None:
        """The connection is down and a new one will be tried in ``delay`` seconds."""


class PollClient:
    """Keeps one COMaster polled. Lives across connections: the SEQ of an unstored answer
    and the count of failed tries survive a reconnect."""

    def __init__(
        self,
        settings: ClientSettings,
        sink: ClientSink,
        reactor: Any,
        field_now: Callable[[], datetime],
        *,
        first_seq: int = SEQ_FIRST,
        random_fraction: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self.sink = sink
        self._reactor = reactor
        self._field_now = field_now
        self._backoff = Backoff(settings.backoff_initial, settings.backoff_max, random_fraction)
        self._phase = random_fraction() * settings.poll_interval
        self.seq = first_seq
        self._stored = False  # the answer to ``seq`` is stored: the next poll takes a new SEQ
        self._attempt = 0
        self._awaiting = False
        self._storing = False
        self._sent_at = 0.0
        self._failures = 0
        self._last_time_set: float | None = None
        self._stopped = True
        self._protocol: MaraClientProtocol | None = None
        self._connector: IConnector | None = None
        self._schedule: PollSchedule | None = None
        self._tick_call: IDelayedCall | None = None
        self._timeout_call: IDelayedCall | None = None
        self._reconnect_call: IDelayedCall | None = None
        self._closed: list[Deferred[None]] = []

    @property
    def connected(self) -> bool:
        return self._protocol is not None

    @property
    def resume_seq(self) -> int:
        """The SEQ a client taking over from this one sends first: the next one once the
        answer to ``seq`` is stored, else ``seq`` again, to get that answer repeated."""
        return next_seq(self.seq) if self._stored else self.seq

    def start(self) -> None:
        """Connect and keep polling until :meth:`stop`."""
        self._stopped = False
        self._connect()

    def stop(self) -> Deferred[None]:
        """Stop polling and close the connection; the Deferred fires once it is closed."""
        self._stopped = True
        self._cancel_timers(self._reconnect_call, self._tick_call, self._timeout_call)
        self._reconnect_call = self._tick_call = self._timeout_call = None
        self._awaiting = False
        if self._connector is not None:
            self._connector.stopConnecting()
            self._connector = None
        if self._protocol is None:
            return succeed(None)
        closed: Deferred[None] = Deferred()
        self._closed.append(closed)
        self._protocol.transport.loseConnection()
        return closed

    # Connection events, from the factory and the protocol.

    def connection_made(self, protocol: MaraClientProtocol) -> None:
        self._connector = None
        if self._stopped:
            protocol.transport.loseConnection()
            return
        self._protocol = protocol
        now = self._reactor.seconds()
        self._send_time_set(now)
        self._schedule = PollSchedule(self._phase, self.settings.poll_interval)
        self._tick(due=now)

    def connection_failed(self, reason: Failure) -> None:
        self._connector = None
        if self._stopped:
            return
        self._failures += 1
        self.sink.link_down(f"cannot connect: {reason.getErrorMessage()}")
        self._schedule_reconnect()

    def connection_lost(self, reason: Failure) -> None:
        self._protocol = None
        self._cancel_timers(self._tick_call, self._timeout_call)
        self._tick_call = self._timeout_call = None
        closed, self._closed = self._closed, []
        for waiter in closed:
            waiter.callback(None)
        if self._awaiting:
            self._awaiting = False
            detail = reason.getErrorMessage()
            self.sink.try_failed(self.seq, self._attempt, FailedTry.CONNECTION_LOST, detail)
            if self._attempt >= self.settings.retries:
                self._give_up(f"{FailedTry.CONNECTION_LOST.value}: {detail}")
        if not self._stopped:
            self._schedule_reconnect()

    def items_received(self, items: Sequence[Frame | Dropped]) -> None:
        """Frames and dropped bytes, in stream order, from one read."""
        if self._stopped:
            return
        answer: Frame | None = None
        bad: list[Dropped] = []
        for item in items:
            if isinstance(item, Dropped):
                if item.data[:1] == bytes([SOF]):
                    self.sink.bad_frame(item.data, item.reason)
                    bad.append(item)
                else:
                    log.debug("%s: skipped %d bytes of noise", self.settings.host, len(item.data))
            elif not self._awaiting or item.seq != self.seq:
                log.debug("%s: ignored frame with SEQ 0x%02X", self.settings.host, item.seq)
            elif answer is None:
                problem = self._reply_problem(item)
                if problem is None:
                    answer = item
                else:
                    self.sink.bad_frame(b"", problem)
                    bad.append(Dropped(b"", problem))
        if answer is not None:
            assert isinstance(answer.payload, PollReply)
            self._accept(answer.payload)
        elif bad and self._awaiting:
            self._try_failed(FailedTry.BAD_FRAME, bad[-1].reason)

    # Polling.

    def _tick(self, due: float | None = None) -> None:
        """Poll unless a request is still in progress; ``due`` is when this poll was due
        (by default the schedule's current tick)."""
        assert self._schedule is not None
        if due is None:
            due = self._schedule.due
        now = self._reactor.seconds()
        next_due = self._schedule.advance(now)
        self._tick_call = self._reactor.callLater(next_due - now, self._tick)
        if self._awaiting or self._storing:
            return
        if now - (self._last_time_set or 0.0) >= self.settings.time_set_interval:
            self._send_time_set(now)
        self._send_poll(lateness=now - due)

    def _send_poll(self, lateness: float | None) -> None:
        assert self._protocol is not None
        if self._stored:
            self.seq = next_seq(self.seq)
            self._stored = False
            self._attempt = 0
        self._attempt += 1
        self._awaiting = True
        self._sent_at = self._reactor.seconds()
        settings = self.settings
        self._protocol.send(_poll_frame(settings.address, settings.master_address, self.seq))
        self._timeout_call = self._reactor.callLater(settings.reply_timeout, self._timed_out)
        self.sink.poll_sent(self.seq, self._attempt, lateness)

    def _send_time_set(self, now: float) -> None:
        assert self._protocol is not None
        self._last_time_set = now
        frame = encode_time_set(
            BROADCAST_ADDRESS, self.settings.master_address, self.seq, self._field_now()
        )
        self._protocol.send(frame)

    def _timed_out(self) -> None:
        self._timeout_call = None
        if self._protocol is not None:
            self._protocol.discard_partial_frame()
        self._try_failed(FailedTry.TIMEOUT, f"no reply in {self.settings.reply_timeout:g} s")

    def _try_failed(self, why: FailedTry, detail: str) -> None:
        self._cancel_timers(self._timeout_call)
        self._timeout_call = None
        self._awaiting = False
        self.sink.try_failed(self.seq, self._attempt, why, detail)
        if self._attempt >= self.settings.retries:
            self._give_up(f"{why.value}: {detail}")
            if self._protocol is not None:
                self._protocol.transport.loseConnection()
        else:
            self._send_poll(lateness=None)

    def _give_up(self, reason: str) -> None:
        self._attempt = 0
        self._failures += 1
        self.sink.link_down(f"no answer after {self.settings.retries} tries ({reason})")

    def _reply_problem(self, frame: Frame) -> str | None:
        settings = self.settings
        if frame.cmd != Command.POLL:
            return f"answer to a poll with command 0x{frame.cmd:02X}"
        if not isinstance(frame.payload, PollReply):
            return "answer to a poll without the four sections of a reply"
        if frame.src != settings.address or frame.dst != settings.master_address:
            return f"reply from 0x{frame.src:02X} to 0x{frame.dst:02X}"
        return None

    def _accept(self, reply: PollReply) -> None:
        self._cancel_timers(self._timeout_call)
        self._timeout_call = None
        self._awaiting = False
        self._storing = True
        latency = self._reactor.seconds() - self._sent_at
        stored = maybeDeferred(self.sink.reply_received, self.seq, reply, latency)
        stored.addCallbacks(self._stored_ok, self._store_failed)

    def _stored_ok(self, _: object) -> None:
        self._storing = False
        self._stored = True
        self._attempt = 0
        self._failures = 0

    def _store_failed(self, failure: Failure) -> None:
        self._storing = False
        log.error(
            "%s: reply to SEQ 0x%02X not stored, the next poll repeats it: %s",
            self.settings.host,
            self.seq,
            failure.getErrorMessage(),
        )

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

    @staticmethod
    def _cancel_timers(*calls: IDelayedCall | None) -> None:
        for call in calls:
            if call is not None and call.active():
                call.cancel()


class MaraClientProtocol(TwistedProtocol):
    """One TCP connection to a COMaster: bytes in and out, frames to the client."""

    def __init__(self, client: PollClient) -> None:
        self._client = client
        self._reader = StreamReader()
        self._name = f"{client.settings.host}:{client.settings.port}"

    def connectionMade(self) -> None:
        self._client.connection_made(self)

    def dataReceived(self, data: bytes) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s <- %s", self._name, data.hex(" "))
        self._client.items_received(self._reader.feed(data))

    def connectionLost(self, reason: Failure) -> None:
        self._client.connection_lost(reason)

    def send(self, frame: bytes) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s -> %s", self._name, frame.hex(" "))
        self.transport.write(frame)

    def discard_partial_frame(self) -> None:
        """Forget a frame left incomplete (its end will not come after a timeout)."""
        dropped = self._reader.clear()
        if dropped is not None:
            log.debug("%s: discarded %d bytes of a partial frame", self._name, len(dropped.data))


class _ClientFactory(ClientFactory):
    noisy = False  # a reconnecting poller would log every attempt

    def __init__(self, client: PollClient) -> None:
        self._client = client

    def buildProtocol(self, addr: Any) -> MaraClientProtocol:
        return MaraClientProtocol(self._client)

    def clientConnectionFailed(self, connector: IConnector, reason: Failure) -> None:
        self._client.connection_failed(reason)
