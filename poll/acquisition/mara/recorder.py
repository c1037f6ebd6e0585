"""One COMaster's client reports, turned into write batches and communication state.

:class:`ComasterRecorder` is the :class:`~protocols.mara.client.ClientSink` of one
COMaster. A stored reply becomes one batch (changed points, samples, records and the
COMaster's state) appended to the journal; SEQ advances only if that append succeeded.
Counters that change without a reply (timeouts, reconnects) go out with the next batch,
or with the periodic status batch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from poll.acquisition.batch import ComasterStatus, ComEventRow, WriteBatch
from poll.acquisition.mapping import ReplyMapper
from poll.acquisition.metrics import PollerMetrics
from protocols.mara import PollReply
from protocols.mara.client import FailedTry

log = logging.getLogger(__name__)

LINK_CODE = 2
"""Communication events the poller records use the comsys code of a link change."""
LINK_LOST, LINK_RESTORED = 0, 1


class ComasterRecorder:
    """Counts, maps and journals what one COMaster's client reports."""

    def __init__(
        self,
        mapper: ReplyMapper,
        status: ComasterStatus,
        append: Callable[[WriteBatch], None],
        metrics: PollerMetrics,
        wall_clock: Callable[[], int],
    ) -> None:
        self.mapper = mapper
        self.status = status
        self._append = append
        self._metrics = metrics
        self._now = wall_clock
        self._dirty = False

    @property
    def name(self) -> str:
        return self.mapper.layout.name

    @property
    def online(self) -> bool:
        return self.status.online

    # ClientSink

    def poll_sent(self, seq: int, attempt: int, lateness: float | None) -> None:
        self._count(polls=self.status.polls + 1)
        self._metrics.polls.inc()
        if lateness is not None:
            self._metrics.lateness.observe(lateness)

    def reply_received(self, seq: int, reply: PollReply, latency: float) -> None:
        now = self._now()
        batch = WriteBatch()
        status = self.status
        if not status.online:
            status = self._went(True, "COMaster online", now, batch)
        mapper = self.mapper
        mapper.read_values(reply, now, batch)
        records = mapper.read_records(reply, now, batch)
        status = status._replace(
            last_poll_at=now,
            latency_ms=round(latency * 1000.0, 3),
            events_received=status.events_received + records,
            seq=seq,
        )
        batch.comasters[status.comaster_id] = status
        try:
            self._append(batch)
        except Exception:
            mapper.forget()
            raise
        self.status = status
        self._dirty = False
        self._metrics.replies.inc()
        self._metrics.latency.observe(latency)

    def try_failed(self, seq: int, attempt: int, why: FailedTry, detail: str) -> None:
        timeouts = self.status.timeouts + (why is FailedTry.TIMEOUT)
        self._count(timeouts=timeouts, last_error=f"{why.value}: {detail}"[:300])
        self._metrics.failures.labels(why.name.lower()).inc()
        log.debug("%s: try %d of SEQ 0x%02X failed: %s (%s)", self.name, attempt, seq, why, detail)

    def bad_frame(self, data: bytes, reason: str) -> None:
        self._count(bad_frames=self.status.bad_frames + 1)
        self._metrics.bad_frames.inc()
        log.debug("%s: bad frame (%s): %s", self.name, reason, data.hex(" "))

    def link_down(self, reason: str) -> None:
        self.go_offline(reason)

    def reconnect_scheduled(self, delay: float) -> None:
        self._count(reconnects=self.status.reconnects + 1)
        log.debug("%s: reconnecting in %.2f s", self.name, delay)

    # For the service

    def go_offline(self, reason: str) -> None:
        """Record that the COMaster is not answering (or no longer polled): its points are
        not current any more. Nothing is written if it already was offline."""
        if not self.status.online:
            self._count(last_error=reason[:300])
            return
        now = self._now()
        batch = WriteBatch()
        status = self._went(False, f"COMaster offline: {reason}", now, batch)
        self.mapper.mark_not_current(now, batch)
        batch.comasters[status.comaster_id] = status._replace(last_error=reason[:300])
        try:
            self._append(batch)
        except OSError:
            log.exception("%s: cannot journal that the COMaster went offline", self.name)
            self.mapper.forget()
            return
        self.status = batch.comasters[status.comaster_id]
        self._dirty = False

    def add_status(self, batch: WriteBatch) -> None:
        """Put the COMaster's state into ``batch`` if something changed since it was last
        journaled."""
        if self._dirty:
            batch.comasters[self.status.comaster_id] = self.status
            self._dirty = False

    def _went(self, online: bool, text: str, now: int, batch: WriteBatch) -> ComasterStatus:
        layout = self.mapper.layout
        log.log(logging.INFO if online else logging.WARNING, "%s: %s", self.name, text)
        batch.com_events.append(
            ComEventRow(
                profile_id=layout.profile_id,
                comaster_id=layout.comaster_id,
                ied_id=None,
                source="poller",
                ied_address=None,
                code=LINK_CODE,
                reason=LINK_RESTORED if online else LINK_LOST,
                text=text[:200],
                time=now,
                raw="",
                dedup_key=f"{layout.comaster_id}:link:{now}",
                received_at=now,
            )
        )
        return self.status._replace(online=online, state_since=now)

    def _count(self, **changes: object) -> None:
        self.status = self.status._replace(**changes)
        self._dirty = True
