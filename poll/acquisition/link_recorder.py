"""What every source's client reports about its link, turned into state and batches.

:class:`LinkRecorder` is the part of a client's sink that all sources share: the counters
(polls, timeouts, bad frames, reconnects), going online and offline (a link event, and
every point of the link no longer current), and journaling a batch with the link's state.
A source's recorder adds what its protocol answers with. Counters that change without an
answer go out with the next batch, or with the service's periodic status batch.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import ClassVar, Protocol

from poll.acquisition.batch import LinkEventRow, LinkStatus, WriteBatch
from poll.acquisition.links import LinkKind
from poll.acquisition.metrics import PollerMetrics

log = logging.getLogger(__name__)

LINK_CODE = 2
"""Link events the poller records use the comsys code of a link change."""
LINK_LOST, LINK_RESTORED = 0, 1


class Layout(Protocol):
    name: str
    profile_id: int


class Mapper(Protocol):
    """What a link recorder needs of a source's mapper."""

    @property
    def layout(self) -> Layout: ...

    def forget(self) -> None:
        """Forget every point's state, so that the next answer writes them all again."""

    def mark_not_current(self, now: int, batch: WriteBatch) -> None:
        """Every point of the link is no longer current."""


class LinkRecorder:
    """Counts and journals what one link's client reports."""

    kind: ClassVar[LinkKind]
    """Set by each source's recorder."""

    def __init__(
        self,
        mapper: Mapper,
        status: LinkStatus,
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

    # The sink methods every client calls alike

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
        """Record that the link is not answering (or no longer polled): its points are not
        current any more. Nothing is written if it already was offline."""
        if not self.status.online:
            self._count(last_error=reason[:300])
            return
        now = self._now()
        batch = WriteBatch()
        status = self._went(False, f"{self.kind.label} offline: {reason}", now, batch)
        self.mapper.mark_not_current(now, batch)
        try:
            self._journal(batch, status._replace(last_error=reason[:300]))
        except OSError:
            log.exception("%s: cannot journal that the %s went offline", self.name, self.kind.label)

    def add_status(self, batch: WriteBatch) -> None:
        """Put the link's state into ``batch`` if it changed since it was last journaled."""
        if self._dirty:
            batch.set_link(self.kind.name, self.status)
            self._dirty = False

    # For the source's recorder

    def _failed(self, why: enum.Enum, detail: str) -> None:
        """A try got no usable answer (``why`` is the client's ``FailedTry``)."""
        timeouts = self.status.timeouts + (why.name == "TIMEOUT")
        self._count(timeouts=timeouts, last_error=f"{why.value}: {detail}"[:300])
        self._metrics.failures.labels(why.name.lower()).inc()

    def _answered(self, now: int, batch: WriteBatch, **changes: object) -> LinkStatus:
        """The link's state after an answer received at ``now`` (online, if it was not),
        with the source's ``changes`` (one ``_replace``: this runs for every answer)."""
        status = self.status
        if not status.online:
            status = self._went(True, f"{self.kind.label} online", now, batch)
        return status._replace(last_poll_at=now, **changes)  # type: ignore[arg-type]

    def _journal(self, batch: WriteBatch, status: LinkStatus) -> None:
        """Journal ``batch`` with the link's new state; if that fails, forget the points'
        states (the next answer writes them all again) and raise."""
        batch.set_link(self.kind.name, status)
        try:
            self._append(batch)
        except Exception:
            self.mapper.forget()
            raise
        self.status = status
        self._dirty = False

    def _went(self, online: bool, text: str, now: int, batch: WriteBatch) -> LinkStatus:
        layout, link_id = self.mapper.layout, self.status.link_id
        log.log(logging.INFO if online else logging.WARNING, "%s: %s", self.name, text)
        batch.link_events.append(
            LinkEventRow(
                kind=self.kind.name,
                profile_id=layout.profile_id,
                link_id=link_id,
                code=LINK_CODE,
                reason=LINK_RESTORED if online else LINK_LOST,
                text=text[:200],
                time=now,
                dedup_key=f"{self.kind.key_prefix}{link_id}:link:{now}",
            )
        )
        return self.status._replace(online=online, state_since=now)

    def _count(self, **changes: object) -> None:
        self.status = self.status._replace(**changes)  # type: ignore[arg-type]
        self._dirty = True
