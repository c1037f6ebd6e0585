"""One COMaster's client reports, turned into write batches and communication state.

:class:`ComasterRecorder` is the :class:`~protocols.mara.client.ClientSink` of one
COMaster. A stored reply becomes one batch (changed points, samples, records and the
COMaster's state, with the reply's SEQ) appended to the journal; SEQ advances only if that
append succeeded. The counters and going online and offline are every link's
(:class:`~poll.acquisition.link_recorder.LinkRecorder`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from twisted.internet.defer import Deferred

from poll.acquisition.batch import WriteBatch
from poll.acquisition.link_recorder import LinkRecorder
from poll.acquisition.links import LinkKind
from poll.acquisition.mara.mapping import ReplyMapper
from poll.models import COMaster
from protocols.mara import PollReply
from protocols.mara.client import FailedTry

log = logging.getLogger(__name__)

COMASTERS = LinkKind("comasters", COMaster, event_column="comaster_id", label="COMaster")


class ComasterRecorder(LinkRecorder):
    """Counts, maps and journals what one COMaster's client reports."""

    kind = COMASTERS
    mapper: ReplyMapper

    def poll_sent(self, seq: int, attempt: int, lateness: float | None) -> None:
        self._count(polls=self.status.polls + 1)
        self._metrics.polls.inc()
        if lateness is not None:
            self._metrics.lateness.observe(lateness)

    committed: Callable[[], Deferred[None] | None] = staticmethod(lambda: None)
    """What the client waits for before the next SEQ (set by the source: with leases, the
    commit of the answer's entry; see :mod:`poll.acquisition.commits`)."""

    def reply_received(self, seq: int, reply: PollReply, latency: float) -> Deferred[None] | None:
        now = self._now()
        batch = WriteBatch()
        self.mapper.read_values(reply, now, batch)
        records = self.mapper.read_records(reply, now, batch)
        status = self._answered(
            now,
            batch,
            latency_ms=round(latency * 1000.0, 3),
            events_received=self.status.events_received + records,
            seq=seq,
        )
        self._journal(batch, status)
        self._metrics.replies.inc()
        self._metrics.latency.observe(latency)
        return self.committed()

    def try_failed(self, seq: int, attempt: int, why: FailedTry, detail: str) -> None:
        self._failed(why, detail)
        log.debug("%s: try %d of SEQ 0x%02X failed: %s (%s)", self.name, attempt, seq, why, detail)
