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
from ..link.keeper import Answer, FailedTry, Keeper, LinkSettings, Unusable
from ..link.wire import LinkProtocol, tcp_dialer
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


class PollClient(FieldClient[int, PollReply]):
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
        self._keeper: Keeper[int, PollReply] = Keeper(
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

    def encode(self, request: int, attempt: int) -> bytes:
        return _poll_frame(self.settings.address, self.settings.master_address, request)

    def examine(self, request: int | None, item: object) -> Answer[PollReply] | Unusable | None:
        if isinstance(item, Dropped):
            if item.data[:1] != bytes([SOF]):
                log.debug("%s: skipped %d bytes of noise", self.settings.host, len(item.data))
                return None
            self.sink.bad_frame(item.data, item.reason)
            return Unusable(item.reason)
        assert isinstance(item, Frame)
        if request is None or item.seq != request:
            log.debug("%s: ignored frame with SEQ 0x%02X", self.settings.host, item.seq)
            return None
        problem = self._reply_problem(item)
        if problem is not None:
            self.sink.bad_frame(b"", problem)
            return Unusable(problem)
        return Answer(item.payload_as(PollReply))

    def try_sent(self, request: int, attempt: int, lateness: float | None) -> None:
        self.sink.poll_sent(request, attempt, lateness)

    def answered(self, request: int, answer: PollReply, latency: float) -> Deferred[None]:
        stored = maybeDeferred(self.sink.reply_received, request, answer, latency)
        return stored.addCallbacks(self._stored_ok, self._store_failed)

    def try_failed(self, request: int, attempt: int, why: FailedTry, detail: str) -> None:
        self.sink.try_failed(request, attempt, why, detail)

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

    def _store_failed(self, failure: Failure) -> None:
        log.error(
            "%s: reply to SEQ 0x%02X not stored, the next poll repeats it: %s",
            self.settings.host,
            self.seq,
            failure.getErrorMessage(),
        )
