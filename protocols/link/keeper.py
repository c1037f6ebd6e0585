"""The connection keeper: what every field client does around its own frames.

A field client (Mara, Modbus, and the next ones) owns its framing, its requests and the
judging of its replies; everything else is here, once: the fixed-rate poll schedule, the
reply timeout, retrying the same request, giving up, the jittered backoff and the
reconnect, and the rule that one frame at most is waiting for its answer.

:class:`Keeper` touches no socket. It is given a clock (``callLater``/``seconds``, so that
tests drive it with ``twisted.internet.task.Clock``), a dialler that opens a connection for
it, and a :class:`Conversation`: the field client's side. The Twisted protocol and factory
that carry bytes between a socket and the keeper are in :mod:`.wire`.

The rules:

- Polls follow a fixed-rate schedule (:class:`~protocols.link.scheduling.PollSchedule`) whose
  phase is drawn at random per keeper, so that many devices connected at once do not all
  poll in the same instant; the first poll leaves as soon as the connection is up. A tick
  that comes while the previous poll cycle still runs (or its answer is still being
  handled) is skipped, never queued, and never shifts the ticks after it.
- A poll cycle is the list of requests the conversation gives for one tick; they go out
  one after the other.
- Commands (:meth:`Keeper.submit`) wait in their own queue and go out before the next
  poll request, so a command never waits for a whole cycle; still only one request is in
  flight.
- A request is tried up to ``attempts`` times (the first try included). A reply timeout,
  an unusable reply or a lost connection each use up one try.
- After the last try the device is reported down, the cycle is dropped, the waiting
  commands fail, and the connection is closed; it is reopened after an exponential,
  capped and jittered delay (:class:`~protocols.link.scheduling.Backoff`). The delay grows with
  every give-up or failed connection and starts again from the bottom after an answer.
- When the connection is lost, the poll request in flight keeps its place and its count of
  tries, and the cycle goes on after the reconnect; commands fail, for a command is never
  carried across a reconnect (its sender sees it failed and decides).
- Every try waits for its turn on the wire (:meth:`Wire.take_turn`) and gives the turn back
  once it is over (answered, timed out, unusable); the reply timeout starts only when the
  try goes out. A connection of its own grants the turn at once; a connection shared by
  several devices behind one gateway (:mod:`.gateway`) grants it to one try at a time, so
  that no two frames are ever in flight on it.
- A device given up after bad frames resets the connection (:meth:`Wire.reset`): garbage
  may have broken the framing. After timeouts it only closes its own use of it
  (:meth:`Wire.close`), which on a shared connection leaves its neighbours polling.
"""

from __future__ import annotations

import enum
import logging
import random
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from twisted.internet.defer import Deferred, fail, maybeDeferred, succeed
from twisted.python.failure import Failure

from .errors import RequestFailed
from .scheduling import Backoff, PollSchedule

log = logging.getLogger(__name__)

R = TypeVar("R")
A = TypeVar("A")


class FailedTry(enum.Enum):
    """Why one try of a request got no usable answer."""

    TIMEOUT = "reply timeout"
    BAD_FRAME = "bad frame"
    CONNECTION_LOST = "connection lost"


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkSettings:
    """How to reach and poll one device; the field clients' settings extend it. Times are
    in seconds; ``attempts`` counts every try of a request, the first one included."""

    host: str
    port: int
    poll_interval: float
    reply_timeout: float
    attempts: int = 3
    connect_timeout: float = 5.0
    backoff_initial: float = 0.5
    backoff_max: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.poll_interval <= 0 or self.reply_timeout <= 0:
            raise ValueError("attempts, poll interval and reply timeout must be positive")


@dataclass(frozen=True, slots=True)
class Answer(Generic[A]):
    """The verdict on a received item: it answers the request in flight."""

    value: A


@dataclass(frozen=True, slots=True)
class Unusable:
    """The verdict on a received item: it was meant as the answer but cannot be used; the
    try fails (unless a sound answer follows in the same read)."""

    reason: str


class Conversation(Protocol[R, A]):
    """The field client's side of a :class:`Keeper`: its frames, its requests, its replies,
    and where the keeper's reports go."""

    def link_up(self) -> None:
        """The connection is up; polling starts right after this returns."""

    def poll_requests(self) -> Sequence[R]:
        """The requests of one poll cycle."""

    def encode(self, request: R, attempt: int) -> bytes:
        """The frame of try ``attempt`` (1-based) of ``request``."""

    def examine(self, request: R | None, item: Any) -> Answer[A] | Unusable | None:
        """Judge one item from the stream reader against the request in flight (None
        when nothing waits for an answer). None means the item is not for it (noise, a
        late or stray reply)."""

    def try_sent(self, request: R, attempt: int, lateness: float | None) -> None:
        """A try went out; ``lateness`` is how late its cycle started, for the first try
        of a cycle's first request (None otherwise)."""

    def answered(self, request: R, answer: A, latency: float) -> Deferred[Any] | None:
        """A poll request is answered. The next request waits until this returns, or
        until the Deferred it returns fires."""

    def cycle_completed(self, lateness: float, duration: float) -> None:
        """Every request of a poll cycle has been answered."""

    def try_failed(self, request: R, attempt: int, why: FailedTry, detail: str) -> None:
        """Try ``attempt`` of ``request`` got no usable answer."""

    def link_down(self, reason: str) -> None:
        """The device cannot be reached, or did not answer the last try of a request."""

    def link_lost(self, detail: str) -> None:
        """An open connection was closed by the device or the network."""

    def reconnect_scheduled(self, delay: float) -> None:
        """A new connection will be tried in ``delay`` seconds."""


class Wire(Protocol):
    """The open connection, as the keeper sees it."""

    def send(self, frame: bytes) -> None:
        """Write one frame."""

    def close(self) -> None:
        """Close the connection; the keeper hears of it through ``connection_lost``."""

    def discard_partial_frame(self) -> None:
        """Forget a frame left incomplete (its end will not come after a timeout)."""

    def reset(self) -> None:
        """Close the connection itself, even when other devices share it (garbage broke
        its framing); the keeper hears of it through ``connection_lost``."""

    def take_turn(self, go: Callable[[], None]) -> None:
        """Call ``go`` once this device may send its next frame (at once, on a
        connection of its own)."""

    def end_turn(self) -> None:
        """The try that had the turn is over; another device may send."""


class Connecting(Protocol):
    """A connection being opened (Twisted's ``IConnector``)."""

    def stopConnecting(self) -> None:
        """Give up opening it."""


class DelayedCall(Protocol):
    def active(self) -> bool: ...

    def cancel(self) -> None: ...


class Clock(Protocol):
    """The part of a reactor the keeper needs (``IReactorTime``)."""

    def seconds(self) -> float: ...

    def callLater(self, delay: float, callable: Callable[..., object], /) -> Any: ...


Dial = Callable[["Keeper[Any, Any]"], Connecting]
"""Opens a connection for a keeper; the connection reports to it (see :mod:`.wire`)."""


@dataclass(eq=False)
class _Request(Generic[R, A]):
    """A request in the keeper's hands: its tries so far, and for a command the Deferred
    of its sender."""

    request: R
    attempt: int = 0
    lateness: float | None = None
    done: Deferred[A] | None = None


class Keeper(Generic[R, A]):
    """Keeps one device connected and polled. Lives across connections."""

    def __init__(
        self,
        settings: LinkSettings,
        conversation: Conversation[R, A],
        clock: Clock,
        dial: Dial,
        *,
        random_fraction: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self._conversation = conversation
        self._clock = clock
        self._dial = dial
        self._phase = random_fraction() * settings.poll_interval
        self._backoff = Backoff(settings.backoff_initial, settings.backoff_max, random_fraction)
        self._polls: deque[_Request[R, A]] = deque()
        self._commands: deque[_Request[R, A]] = deque()
        self._flight: _Request[R, A] | None = None
        self._answering = False
        self._waiting_turn = False  # the request in flight waits for its turn on the wire
        self._cycle: tuple[float, float] | None = None  # (due, started) of the running cycle
        self._sent_at = 0.0
        self._failures = 0
        self._stopped = True
        self._closing = False  # the keeper closed the connection: its loss is no news
        self._wire: Wire | None = None
        self._connecting: Connecting | None = None
        self._schedule: PollSchedule | None = None
        self._tick_call: DelayedCall | None = None
        self._timeout_call: DelayedCall | None = None
        self._reconnect_call: DelayedCall | None = None
        self._closed: list[Deferred[None]] = []

    @property
    def connected(self) -> bool:
        return self._wire is not None

    def start(self) -> None:
        """Connect and keep polling until :meth:`stop`."""
        self._stopped = False
        self._connect()

    def stop(self) -> Deferred[None]:
        """Stop polling and close the connection; the Deferred fires once it is closed."""
        self._stopped = True
        _cancel(self._reconnect_call, self._tick_call, self._timeout_call)
        self._reconnect_call = self._tick_call = self._timeout_call = None
        self._abandon("the link is stopped", keep_cycle=False)
        if self._connecting is not None:
            self._connecting.stopConnecting()
            self._connecting = None
        if self._wire is None:
            return succeed(None)
        closed: Deferred[None] = Deferred()
        self._closed.append(closed)
        self._close()
        return closed

    def submit(self, request: R) -> Deferred[A]:
        """Send ``request`` before the next poll request. The Deferred fires with its
        answer, or fails with :class:`~.errors.RequestFailed`."""
        if self._wire is None or self._stopped:
            return fail(RequestFailed("the device is not connected"))
        done: Deferred[A] = Deferred()
        self._commands.append(_Request(request, done=done))
        self._send_next()
        return done

    def send_unanswered(self, frame: bytes) -> None:
        """Write a frame that gets no answer (a broadcast) at once, outside the requests.
        Call it only while nothing is in flight: from ``link_up`` or ``poll_requests``."""
        assert self._wire is not None
        self._wire.send(frame)

    # Connection events, from the wire.

    def connection_made(self, wire: Wire) -> None:
        self._connecting = None
        if self._stopped:
            wire.close()
            return
        self._wire = wire
        now = self._clock.seconds()
        self._conversation.link_up()
        self._schedule = PollSchedule(self._phase, self.settings.poll_interval)
        self._tick(due=now)
        self._send_next()

    def connection_failed(self, detail: str) -> None:
        self._connecting = None
        if self._stopped:
            return
        self._failures += 1
        self._conversation.link_down(f"cannot connect: {detail}")
        self._schedule_reconnect()

    def connection_lost(self, detail: str) -> None:
        self._wire = None
        waited, self._waiting_turn = self._waiting_turn, False
        _cancel(self._tick_call, self._timeout_call)
        self._tick_call = self._timeout_call = None
        closed, self._closed = self._closed, []
        for waiter in closed:
            waiter.callback(None)
        closing, self._closing = self._closing, False
        if self._stopped:
            return
        flight, self._flight = self._flight, None
        if flight is not None and waited:  # it had not gone out: no try was used
            (self._polls if flight.done is None else self._commands).appendleft(flight)
        elif flight is not None:
            self._conversation.try_failed(
                flight.request, flight.attempt, FailedTry.CONNECTION_LOST, detail
            )
            if flight.attempt >= self.settings.attempts:
                self._give_up(flight, FailedTry.CONNECTION_LOST, detail)
                closing = True
            elif flight.done is None:
                self._polls.appendleft(flight)
            else:
                self._commands.appendleft(flight)
        self._abandon(f"connection lost: {detail}", keep_cycle=True)
        if not closing:
            self._conversation.link_lost(detail)
        self._schedule_reconnect()

    def received(self, items: Sequence[object]) -> None:
        """The items the stream reader made of one read, in stream order."""
        if self._stopped:
            return
        unusable: str | None = None
        for item in items:
            flight = None if self._waiting_turn else self._flight
            verdict = self._conversation.examine(
                flight.request if flight is not None else None, item
            )
            if flight is None or verdict is None:
                continue
            if isinstance(verdict, Answer):
                unusable = None
                self._answer(flight, verdict.value)
            else:
                unusable = verdict.reason
        if unusable is not None and self._flight is not None and not self._waiting_turn:
            self._try_failed(FailedTry.BAD_FRAME, unusable)

    # Polling.

    def _tick(self, due: float | None = None) -> None:
        """Start a poll cycle unless one still runs; ``due`` is when it was due (by
        default the schedule's current tick)."""
        assert self._schedule is not None
        now = self._clock.seconds()
        if due is None:
            due = self._schedule.due
        self._tick_call = self._clock.callLater(self._schedule.advance(now) - now, self._tick)
        if self._cycle is not None:  # it ends once its last answer is handled
            return
        requests = self._conversation.poll_requests()
        if not requests:
            return
        self._cycle = (due, now)
        self._polls.extend(_Request(request) for request in requests)
        self._polls[0].lateness = now - due
        self._send_next()

    def _send_next(self) -> None:
        if self._flight is not None or self._answering or self._wire is None:
            return
        queue = self._commands or self._polls
        if queue:
            self._flight = queue.popleft()
            self._send_try()
        elif self._cycle is not None:
            (due, started), self._cycle = self._cycle, None
            now = self._clock.seconds()
            self._conversation.cycle_completed(started - due, now - started)

    def _send_try(self) -> None:
        """Wait for the turn on the wire, then send the next try of the request in flight."""
        assert self._wire is not None
        self._waiting_turn = True
        self._wire.take_turn(self._turn_granted)

    def _turn_granted(self) -> None:
        self._waiting_turn = False
        flight, wire = self._flight, self._wire
        if flight is None or wire is None:  # stopped or lost while it waited
            if wire is not None:
                wire.end_turn()
            return
        flight.attempt += 1
        self._sent_at = self._clock.seconds()
        wire.send(self._conversation.encode(flight.request, flight.attempt))
        self._timeout_call = self._clock.callLater(self.settings.reply_timeout, self._timed_out)
        lateness, flight.lateness = flight.lateness, None
        self._conversation.try_sent(flight.request, flight.attempt, lateness)

    def _answer(self, flight: _Request[R, A], answer: A) -> None:
        _cancel(self._timeout_call)
        self._timeout_call = None
        self._end_turn()
        self._flight = None
        self._failures = 0
        latency = self._clock.seconds() - self._sent_at
        if flight.done is not None:
            flight.done.callback(answer)
            self._send_next()
            return
        self._answering = True
        handled = maybeDeferred(self._conversation.answered, flight.request, answer, latency)
        handled.addErrback(self._answer_not_handled, flight.request)
        handled.addBoth(self._answer_handled)

    def _answer_not_handled(self, failure: Failure, request: R) -> None:
        log.error("%s: answer to %r not handled: %s", self._name, request, failure.getTraceback())

    def _answer_handled(self, _: object) -> None:
        self._answering = False
        self._send_next()

    def _timed_out(self) -> None:
        self._timeout_call = None
        if self._wire is not None:
            self._wire.discard_partial_frame()
        self._try_failed(FailedTry.TIMEOUT, f"no reply in {self.settings.reply_timeout:g} s")

    def _try_failed(self, why: FailedTry, detail: str) -> None:
        flight = self._flight
        assert flight is not None
        _cancel(self._timeout_call)
        self._timeout_call = None
        self._end_turn()
        self._conversation.try_failed(flight.request, flight.attempt, why, detail)
        if flight.attempt < self.settings.attempts:
            self._send_try()
            return
        self._flight = None
        self._give_up(flight, why, detail)
        if self._wire is not None:
            self._close(reset=why is FailedTry.BAD_FRAME)

    def _give_up(self, flight: _Request[R, A], why: FailedTry, detail: str) -> None:
        """The last try of ``flight`` failed: the device is down, its cycle is over."""
        self._failures += 1
        reason = f"no answer after {self.settings.attempts} tries ({why.value}: {detail})"
        self._conversation.link_down(reason)
        if flight.done is not None:
            flight.done.errback(RequestFailed(reason))
        self._abandon(reason, keep_cycle=False)

    def _abandon(self, reason: str, *, keep_cycle: bool) -> None:
        """Fail the waiting commands; unless ``keep_cycle``, drop the poll cycle and the
        request in flight too: nothing will answer them now."""
        commands = list(self._commands)
        self._commands.clear()
        if not keep_cycle:
            if self._flight is not None and self._flight.done is not None:
                commands.append(self._flight)
            self._flight = None
            self._polls.clear()
            self._cycle = None
        for command in commands:
            assert command.done is not None
            command.done.errback(RequestFailed(reason))

    # Connecting.

    def _connect(self) -> None:
        self._reconnect_call = None
        self._connecting = self._dial(self)

    def _schedule_reconnect(self) -> None:
        delay = self._backoff.delay(self._failures)
        self._conversation.reconnect_scheduled(delay)
        self._reconnect_call = self._clock.callLater(delay, self._connect)

    def _close(self, *, reset: bool = False) -> None:
        assert self._wire is not None
        self._closing = True
        if reset:
            self._wire.reset()
        else:
            self._wire.close()

    def _end_turn(self) -> None:
        if self._wire is not None:
            self._wire.end_turn()

    @property
    def _name(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"


def _cancel(*calls: DelayedCall | None) -> None:
    for call in calls:
        if call is not None and call.active():
            call.cancel()
