"""The Mara source: a :class:`~protocols.mara.client.PollClient` per enabled COMaster on
the poller's reactor, started, updated and stopped as the configuration changes.

A COMaster whose IEDs or points changed takes the new layout without reconnecting; one
whose connection settings changed reconnects, keeping its SEQ; a new one resumes the SEQ
the journal last stored for it (so that a restarted poller asks again for an answer it
may have lost).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from twisted.internet.defer import Deferred

from poll.acquisition.batch import LinkStatus, WriteBatch
from poll.acquisition.mara.config import ComasterConfig, MaraSite, load_mara_site
from poll.acquisition.mara.layout import ComasterLayout
from poll.acquisition.mara.mapping import ReplyMapper
from poll.acquisition.mara.recorder import COMASTERS, ComasterRecorder
from poll.acquisition.options import PollerOptions
from poll.acquisition.sources import SourceContext
from poll.models import Profile
from protocols.mara.client import SEQ_FIRST, PollClient, next_seq

log = logging.getLogger(__name__)


class MaraSource:
    """COMasters polled over Mara."""

    name = "mara"
    link_kind = COMASTERS

    def load(self, profile: Profile, options: PollerOptions, names: Sequence[str]) -> MaraSite:
        return load_mara_site(profile, options, names)

    def run(self, context: SourceContext) -> Comasters:
        return Comasters(context)


@dataclass
class Running:
    config: ComasterConfig
    recorder: ComasterRecorder
    client: PollClient


class Comasters:
    """Keeps one client running per enabled COMaster of the configuration."""

    def __init__(self, context: SourceContext) -> None:
        self._context = context
        self._resume = {cm: next_seq(seq) for cm, seq in context.resume_seqs.items()}
        self._running: dict[int, Running] = {}
        self._stopping = False

    def apply(self, config: MaraSite, statuses: Mapping[int, LinkStatus]) -> None:
        """Start, stop or update only the COMasters whose configuration changed."""
        if self._stopping:
            return
        for comaster_id in [cm for cm in self._running if cm not in config.comasters]:
            self._retire(comaster_id)
        for comaster_id, comaster in config.comasters.items():
            running = self._running.get(comaster_id)
            if running is None:
                self._start(comaster, statuses.get(comaster_id))
            elif running.config != comaster:
                self._update(running, comaster)
        self._context.metrics.comasters.set(len(self._running))
        log.info("polling %d COMasters", len(self._running))

    def stop(self) -> list[Deferred[Any]]:
        self._stopping = True
        return [running.client.stop() for running in self._running.values()]

    def add_statuses(self, batch: WriteBatch) -> None:
        for running in self._running.values():
            running.recorder.add_status(batch)
        self._context.metrics.online.set(sum(r.recorder.online for r in self._running.values()))

    def _start(self, config: ComasterConfig, status: LinkStatus | None) -> None:
        context = self._context
        layout = ComasterLayout(config)
        mapper = ReplyMapper(layout, context.zone, context.options.sample_max_interval)
        recorder = ComasterRecorder(
            mapper,
            status or LinkStatus.initial(config.id),
            context.append,
            context.metrics,
            context.wall_clock,
        )
        first_seq = self._resume.pop(config.id, SEQ_FIRST)
        running = Running(config, recorder, self._client(config, recorder, first_seq))
        self._running[config.id] = running
        running.client.start()

    def _update(self, running: Running, config: ComasterConfig) -> None:
        old = running.config
        running.config = config
        if config.ieds != old.ieds or config.name != old.name:
            running.recorder.mapper.relayout(ComasterLayout(config))
        if config.client != old.client:
            log.info("%s: connection settings changed, reconnecting", config.name)
            client = running.client

            def replace(_: object) -> None:
                if self._running.get(config.id) is running and not self._stopping:
                    seq = client.resume_seq
                    running.client = self._client(running.config, running.recorder, seq)
                    running.client.start()

            client.stop().addCallback(replace)

    def _retire(self, comaster_id: int) -> None:
        running = self._running.pop(comaster_id)
        running.client.stop()
        self._resume[comaster_id] = running.client.resume_seq
        running.recorder.go_offline("not polled any more (disabled, removed or not selected)")

    def _client(self, config: ComasterConfig, recorder: ComasterRecorder, seq: int) -> PollClient:
        reactor = self._context.reactor
        return PollClient(config.client, recorder, reactor, self._field_now, first_seq=seq)

    def _field_now(self) -> datetime:
        """The site's local time, as COMasters keep it."""
        return datetime.now(self._context.zone).replace(tzinfo=None)
