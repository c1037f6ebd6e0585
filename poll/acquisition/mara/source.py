"""The Mara source: a :class:`~protocols.mara.client.PollClient` per enabled COMaster on
the poller's reactor, started, updated and stopped as the configuration changes
(:class:`~poll.acquisition.link_runner.LinkRunner`).

A COMaster whose IEDs or points changed takes the new layout without reconnecting; one
whose connection settings changed reconnects, keeping its SEQ; a new one resumes the SEQ
the journal last stored for it (so that a restarted poller asks again for an answer it
may have lost).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from poll.acquisition.batch import LinkStatus, WriteBatch
from poll.acquisition.link_runner import LinkRunner, Running
from poll.acquisition.mara.config import ComasterConfig, MaraSite, load_mara_site
from poll.acquisition.mara.layout import ComasterLayout
from poll.acquisition.mara.mapping import ReplyMapper
from poll.acquisition.mara.recorder import COMASTERS, ComasterRecorder
from poll.acquisition.options import PollerOptions
from poll.acquisition.sources import SourceContext
from poll.models import COMaster, Profile
from protocols.mara.client import SEQ_FIRST, PollClient, next_seq

log = logging.getLogger(__name__)


class MaraSource:
    """COMasters polled over Mara."""

    name = "mara"
    link_kind = COMASTERS
    lease_model = COMaster

    def load(self, profile: Profile, options: PollerOptions, names: Sequence[str]) -> MaraSite:
        return load_mara_site(profile, options, names)

    def run(self, context: SourceContext) -> Comasters:
        return Comasters(context)


class Comasters(LinkRunner[ComasterConfig, ComasterRecorder, PollClient]):
    """Keeps one client running per enabled COMaster of the configuration."""

    def __init__(self, context: SourceContext) -> None:
        super().__init__(context)
        self._resume = {cm: next_seq(seq) for cm, seq in context.resume_seqs.items()}

    def apply(self, site: MaraSite, statuses: Mapping[int, LinkStatus]) -> None:
        super().apply(site, statuses)
        self._context.metrics.comasters.set(len(self._running))
        log.info("polling %d COMasters", len(self._running))

    def add_statuses(self, batch: WriteBatch) -> None:
        super().add_statuses(batch)
        self._context.metrics.online.set(sum(r.recorder.online for r in self._running.values()))

    def _links(self, site: MaraSite) -> Mapping[int, ComasterConfig]:
        return site.comasters

    def _recorder(self, config: ComasterConfig, status: LinkStatus) -> ComasterRecorder:
        context = self._context
        layout = ComasterLayout(config)
        mapper = ReplyMapper(layout, context.zone)
        recorder = ComasterRecorder(
            mapper, status, context.append, context.metrics, context.wall_clock
        )
        recorder.committed = context.committed
        return recorder

    def _client(
        self, config: ComasterConfig, recorder: ComasterRecorder, previous: PollClient | None
    ) -> PollClient:
        seq = previous.resume_seq if previous else self._first_seq(config.id, recorder)
        reactor = self._context.reactor
        return PollClient(config.client, recorder, reactor, self._field_now, first_seq=seq)

    def _update(
        self, running: Running[ComasterConfig, ComasterRecorder, PollClient], old: ComasterConfig
    ) -> None:
        config = running.config
        if config.ieds != old.ieds or config.name != old.name:
            running.recorder.mapper.relayout(ComasterLayout(config))
        if config.client != old.client:
            log.info("%s: connection settings changed, reconnecting", config.name)
            self._reconnect(running)

    def _retire(self, running: Running[ComasterConfig, ComasterRecorder, PollClient]) -> None:
        super()._retire(running)
        self._resume[running.config.id] = running.client.resume_seq

    def _first_seq(self, comaster_id: int, recorder: ComasterRecorder) -> int:
        """Where a new client starts: after the SEQ of the last reply in the database
        (whichever poller stored it: this one before a restart, or the one it takes the
        COMaster over from), else after the journal's, else from the start.

        The database's may be behind this poller's journal, never ahead of what the
        COMaster last answered: asking again for an answer already journaled gets it
        repeated (its events are stored once, by ``dedup_key``), and an answer only in the
        journal is written from there."""
        journaled = self._resume.pop(comaster_id, SEQ_FIRST)
        stored = recorder.status.seq
        return next_seq(stored) if stored is not None else journaled

    def _field_now(self) -> datetime:
        """The site's local time, as COMasters keep it."""
        return datetime.now(self._context.zone).replace(tzinfo=None)
