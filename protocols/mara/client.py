"""The master side of Mara for one COMaster: what is Mara's in polling it.

The connection keeper (:mod:`protocols.link`) does what every field client does: the
fixed-rate schedule, the reply timeout, retries, giving up, backoff and reconnecting, one
request in flight. :class:`PollClient` adds Mara's part, from the protocol page:

- A poll cycle is one poll; each COMaster's schedule has its own random phase.
- Every try of a request carries the same SEQ, so that a COMaster whose reply was lost
  answers again with the same data (BufRetry) and no event is lost.
- SEQ advances only after the sink has stored the reply. If storing fails, the next poll
  repeats the SEQ and the COMaster repeats its answer.
- A reply whose SEQ differs from the request's is a late answer to something else and is
  ignored. A frame that starts like one but is not sound, or that answers the poll with
  the wrong command, layout or addresses, uses up a try; other noise does not.
- A lost connection uses up a try, but is not by itself the COMaster going down: the SEQ
  and the count of tries survive the reconnect.
- A command goes out only once the last poll's answer is stored: its SEQ is a new one,
  after which the COMaster can no longer repeat that answer, so an answer not yet stored
  (still being stored, or its storing failed) would lose its events. A command submitted
  meanwhile waits for the next stored answer, and fails with the link as the keeper's own
  waiting commands do.
- A time set is sent on connect and then before a poll whenever ``time_set_interval`` has
  passed. It carries the SEQ of the last poll, so that it can never make the COMaster take
  a repeated poll for a new one, or a new poll for a repeat.
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.python.failure import Failure

from ..link.client import FieldClient
from ..link.errors import RequestFailed
from ..link.keeper import Answer, FailedTry, Keeper, LinkSettings, Unusable
from ..link.wire import LinkProtocol, tcp_dialer
from .commands import CommandEcho, FieldCommand, judge_echo
from .constants import BROADCAST_ADDRESS, MASTER_ADDRESS, SOF, Command
from .encode import encode_poll, encode_time_set
from .messages import Frame, PollReply
from .stream import Dropped, StreamReader

__all__ = [
    "SEQ_FIRST",
    "SEQ_LAST",
    "ClientSettings",
    "ClientSink",
    "FailedTry",
    "MaraClientProtocol",
    "PollClient",
    "next_seq",
]

log = logging.getLogger(__name__)

SEQ_FIRST = 0x20
SEQ_LAST = 0x7F
"""The original master cycled SEQ through 0x20..0x7F; any cycle that never repeats the
previous SEQ for a new request would do."""

MaraClientProtocol = LinkProtocol
"""The Twisted protocol of one connection to a COMaster: the keeper's wire."""


def next_seq(seq: int) -> int:
    """The SEQ of the request after ``seq``."""
    return SEQ_FIRST if not SEQ_FIRST <= seq < SEQ_LAST else seq + 1


@functools.lru_cache(maxsize=4096)
def _poll_frame(dst: int, src: int, seq: int) -> bytes:
    """Poll requests are few distinct frames, each sent very often: built once."""
    return encode_poll(dst, src, seq)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientSettings(LinkSettings):
    """How to reach and poll one COMaster. Times are in seconds."""

    address: int
    time_set_interval: float
    master_address: int = MASTER_ADDRESS


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


class PollClient(FieldClient[int | FieldCommand, PollReply | CommandEcho]):
    """Keeps one COMaster polled: the Mara conversation of a :class:`Keeper` whose
    requests are SEQs."""

    sink: ClientSink

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
        self.seq = first_seq
        self._stored = False  # the answer to ``seq`` is stored: the next poll takes a new SEQ
        self._last_time_set: float | None = None
        self._command_seqs: dict[int, int] = {}  # id(command) -> its SEQ, kept for retries
        self._held: list[tuple[FieldCommand, Deferred[CommandEcho]]] = []
        """Commands waiting for the last poll's answer to be stored."""
        self._keeper: Keeper[int | FieldCommand, PollReply | CommandEcho] = Keeper(
            settings,
            self,
            reactor,
            tcp_dialer(reactor, StreamReader),
            random_fraction=random_fraction,
        )

    @property
    def resume_seq(self) -> int:
        """The SEQ a client taking over from this one sends first: the next one once the
        answer to ``seq`` is stored, else ``seq`` again, to get that answer repeated."""
        return next_seq(self.seq) if self._stored else self.seq

    # The conversation: what the keeper asks of Mara.

    def link_up(self) -> None:
        self._send_time_set()

    def poll_requests(self) -> Sequence[int]:
        since_time_set = self._reactor.seconds() - (self._last_time_set or 0.0)
        if since_time_set >= self.settings.time_set_interval:
            self._send_time_set()
        if self._stored:
            self.seq = next_seq(self.seq)
            self._stored = False
        return (self.seq,)

    def send_command(self, command: FieldCommand) -> Deferred[CommandEcho]:
        """Send ``command`` before the next poll, once the last poll's answer is stored;
        the Deferred fires with the echo (which may report a failure) or fails with
        ``RequestFailed`` (no answer, connection lost).
        """
        if self._stored or not self._keeper.connected:
            return self._keeper.submit(command)  # type: ignore[return-value]
        held: Deferred[CommandEcho] = Deferred()
        self._held.append((command, held))
        return held

    def stop(self) -> Deferred[None]:
        self._fail_held("the link is stopped")
        return super().stop()

    def link_down(self, reason: str) -> None:
        self._fail_held(reason)
        super().link_down(reason)

    def link_lost(self, detail: str) -> None:
        self._fail_held(f"connection lost: {detail}")

    def encode(self, request: int | FieldCommand, attempt: int) -> bytes:
        if isinstance(request, FieldCommand):
            return request.frame(
                self.settings.address, self.settings.master_address, self._command_seq(request)
            )
        return _poll_frame(self.settings.address, self.settings.master_address, request)

    def examine(
        self, request: int | FieldCommand | None, item: object
    ) -> Answer[PollReply | CommandEcho] | Unusable | None:
        if isinstance(item, Dropped):
            if item.data[:1] != bytes([SOF]):
                log.debug("%s: skipped %d bytes of noise", self.settings.host, len(item.data))
                return None
            self.sink.bad_frame(item.data, item.reason)
            return Unusable(item.reason)
        assert isinstance(item, Frame)
        if isinstance(request, FieldCommand):
            return self._examine_echo(request, item)
        if request is None or item.seq != request:
            log.debug("%s: ignored frame with SEQ 0x%02X", self.settings.host, item.seq)
            return None
        problem = self._reply_problem(item)
        if problem is not None:
            self.sink.bad_frame(b"", problem)
            return Unusable(problem)
        return Answer(item.payload_as(PollReply))

    def try_sent(self, request: int | FieldCommand, attempt: int, lateness: float | None) -> None:
        if isinstance(request, int):
            self.sink.poll_sent(request, attempt, lateness)

    def answered(
        self, request: int | FieldCommand, answer: PollReply | CommandEcho, latency: float
    ) -> Deferred[None]:
        # Only polls come here: a command's echo goes to its submitter.
        assert isinstance(request, int) and isinstance(answer, PollReply)
        stored = maybeDeferred(self.sink.reply_received, request, answer, latency)
        return stored.addCallbacks(self._stored_ok, self._store_failed)

    def try_failed(
        self, request: int | FieldCommand, attempt: int, why: FailedTry, detail: str
    ) -> None:
        if isinstance(request, int):
            self.sink.try_failed(request, attempt, why, detail)
        else:
            log.warning("%s: command %r, try %d: %s", self.settings.host, request, attempt, why)

    def _command_seq(self, command: FieldCommand) -> int:
        """A command skips one SEQ after the last poll's (whose answer is stored: see
        :meth:`send_command`) and keeps its own for its retries; the polls go on after it.

        The skipped one is where a poller restarting (or a standby taking over) resumes,
        for it knows the stored polls' SEQs only: were it the command's, the COMaster
        would answer that poll with the command's echo again, and again."""
        key = id(command)
        if key not in self._command_seqs:
            self._command_seqs.clear()
            self.seq = self._command_seqs[key] = next_seq(next_seq(self.seq))
        return self._command_seqs[key]

    def _release_held(self) -> None:
        """Hand the waiting commands to the keeper: they go out before the next poll."""
        held, self._held = self._held, []
        for command, waiting in held:
            self._keeper.submit(command).chainDeferred(waiting)  # type: ignore[arg-type]

    def _fail_held(self, reason: str) -> None:
        held, self._held = self._held, []
        for _, waiting in held:
            waiting.errback(RequestFailed(reason))

    def _examine_echo(
        self, command: FieldCommand, frame: Frame
    ) -> Answer[PollReply | CommandEcho] | Unusable | None:
        if frame.seq != self._command_seqs.get(id(command)):
            return None
        verdict = judge_echo(command, frame)
        if isinstance(verdict, str):
            self.sink.bad_frame(b"", verdict)
            return Unusable(verdict)
        return Answer(verdict)

    # Mara's own rules.

    def _send_time_set(self) -> None:
        self._last_time_set = self._reactor.seconds()
        frame = encode_time_set(
            BROADCAST_ADDRESS, self.settings.master_address, self.seq, self._field_now()
        )
        self._keeper.send_unanswered(frame)

    def _reply_problem(self, frame: Frame) -> str | None:
        settings = self.settings
        if frame.cmd != Command.POLL:
            return f"answer to a poll with command 0x{frame.cmd:02X}"
        if not isinstance(frame.payload, PollReply):
            return "answer to a poll without the four sections of a reply"
        if frame.src != settings.address or frame.dst != settings.master_address:
            return f"reply from 0x{frame.src:02X} to 0x{frame.dst:02X}"
        return None

    def _stored_ok(self, _: object) -> None:
        self._stored = True
        self._release_held()

    def _store_failed(self, failure: Failure) -> None:
        log.error(
            "%s: reply to SEQ 0x%02X not stored, the next poll repeats it: %s",
            self.settings.host,
            self.seq,
            failure.getErrorMessage(),
        )
