"""The poller: one reactor, the registered sources' clients, one journal and one writer
thread.

Threads and what they own:

- the reactor thread runs each source's clients (:mod:`poll.acquisition.sources`), which
  read answers into batches and append them to the journal (:class:`AcquisitionService`);
  it never touches the database;
- the writer thread (:class:`~poll.acquisition.writer.JournalWriter`) is the only one that
  talks to the database: it applies journal entries and reads configuration changes,
  which it hands back to the reactor with ``callFromThread``;
- on PostgreSQL, the lease thread (:class:`~poll.acquisition.leases.LeaseKeeper`) holds the
  leases of the links this poller runs, on a connection of its own, and hands the reactor
  the links it took or lost; the reactor runs only the configuration's links it holds.
"""

from __future__ import annotations

import gc
import logging
import socket
import sys
import time
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.db import connection
from twisted.internet.defer import Deferred, DeferredList
from twisted.internet.task import LoopingCall
from twisted.internet.threads import deferToThread
from twisted.logger import STDLibLogObserver, globalLogBeginner

from poll.acquisition.batch import LinkStatus, WriteBatch
from poll.acquisition.commits import CommittingJournal, CommitWaiters
from poll.acquisition.heartbeat import Heartbeat
from poll.acquisition.leases import Holdings, LeaseKeeper, Statuses, claim_sqlite, gained
from poll.acquisition.metrics import PollerMetrics
from poll.acquisition.options import PollerOptions
from poll.acquisition.processors import BatchProcessor, batch_processor_factories
from poll.acquisition.requests import request_feeder_factories
from poll.acquisition.sources import SourceContext, SourceRunner, registered_sources
from poll.acquisition.store import BatchStore
from poll.acquisition.watcher import ConfigWatcher, SiteConfig
from poll.acquisition.writer import DRAIN_TIMEOUT, JournalWriter

log = logging.getLogger(__name__)

SOCKET_CLOSE_TIMEOUT = 5.0


def install_reactor() -> None:
    """Install Twisted's asyncio reactor (so that asyncio clients share the loop); must
    run before anything imports ``twisted.internet.reactor``."""
    from twisted.internet import asyncioreactor

    if "twisted.internet.reactor" in sys.modules:
        from twisted.internet import reactor

        if not isinstance(reactor, asyncioreactor.AsyncioSelectorReactor):
            raise RuntimeError(f"another reactor is installed already: {type(reactor).__name__}")
        return
    asyncioreactor.install()


def run_poller(
    profile: str | None = None,
    names: Sequence[str] = (),
    metrics_port: int | None = None,
    poller_name: str | None = None,
    shards: Sequence[str] = (),
) -> str | None:
    """Poll until SIGTERM or SIGINT (only the links called ``names``, when given; on
    PostgreSQL only those whose lease this poller holds, of ``shards`` when given).
    Returns None after a clean stop, or why it could not run."""
    name = poller_name or socket.gethostname()
    if connection.vendor != "postgresql":
        if shards:
            return "--shard needs PostgreSQL: on SQLite one poller runs every link"
        refused = claim_sqlite(connection.settings_dict["NAME"])
        if refused:
            return refused
    install_reactor()
    from twisted.internet import reactor

    globalLogBeginner.beginLoggingTo([STDLibLogObserver()], redirectStandardIO=False)
    options = PollerOptions.from_settings()
    metrics = PollerMetrics()
    if metrics_port is not None:
        metrics.serve(metrics_port)
    processors = [factory() for factory in batch_processor_factories()]
    leases = None
    threads: Any = reactor
    if connection.vendor == "postgresql":
        leases = LeaseKeeper(
            name,
            shards,
            options.lease_interval,
            lambda held, statuses: threads.callFromThread(service.leases_changed, held, statuses),
            lambda up: threads.callFromThread(service.lease_connection, up),
        )
    service = AcquisitionService(
        reactor,
        options,
        metrics,
        ConfigWatcher(options, profile, names),
        processors,
        leases=leases,
        heartbeat=Heartbeat(name, options.heartbeat_interval),
    )
    reactor.callWhenRunning(service.start)
    reactor.addSystemEventTrigger("before", "shutdown", service.stop)
    reactor.run()
    return service.failure


class AcquisitionService:
    """Runs every registered source with the configuration the writer reads; journals what
    their clients produce."""

    def __init__(
        self,
        reactor: Any,
        options: PollerOptions,
        metrics: PollerMetrics,
        watcher: ConfigWatcher,
        processors: Sequence[BatchProcessor] = (),
        leases: LeaseKeeper | None = None,
        heartbeat: Heartbeat | None = None,
    ) -> None:
        self._reactor = reactor
        self._options = options
        self._metrics = metrics
        self._commits = CommitWaiters(reactor)
        self.journal = CommittingJournal(options.spool_dir, self._commits.applied)
        self._commits.applied(self.journal.applied)
        self.writer = JournalWriter(
            self.journal,
            BatchStore(processors),
            watcher,
            metrics,
            on_config=self._config_from_writer,
            on_fatal=self._fatal_from_writer,
            max_entries=options.max_batch_entries,
            queue_size=options.queue_entries,
            config_interval=options.config_check_interval,
            heartbeat=heartbeat or Heartbeat.from_settings(),
        )
        context = SourceContext(
            reactor=reactor,
            options=options,
            metrics=metrics,
            append=self._append,
            wall_clock=_wall_clock_micros,
            zone=zoneinfo.ZoneInfo(settings.TIME_ZONE),
            resume_seqs=self.journal.stored_seqs(),
            committed=self._committed if leases is not None else lambda: None,
        )
        self.sources: dict[str, SourceRunner] = {
            source.name: source.run(context) for source in registered_sources()
        }
        self._feeders = [factory(reactor, self.sources) for factory in request_feeder_factories()]
        self._stopping = False
        self._leases = leases
        self._commit_wait = leases is not None
        self._config: SiteConfig | None = None
        self._statuses: Mapping[str, Mapping[int, LinkStatus]] = {}
        self.held: Holdings | None = {} if leases is not None else None
        """The lease units this poller runs, by source (None: every unit, without leases)."""
        self.failure: str | None = None
        self._status_loop = LoopingCall(self._journal_statuses)
        self._status_loop.clock = reactor

    def start(self) -> None:
        if self._leases is not None:
            self._leases.start()
        self.writer.start()
        self._status_loop.start(self._options.status_interval, now=False)
        self._metrics.spool_depth.set(self.journal.pending)
        for feeder in self._feeders:
            if self._leases is None:
                feeder.taken_over(None)  # a lone poller: whatever was left is its own
            feeder.start()

    def stop(self) -> Any:
        """Close every connection, journal the last counters, let the writer finish."""
        self._stopping = True
        for feeder in self._feeders:
            feeder.stop()
        if self._status_loop.running:
            self._status_loop.stop()
        closing = [closed for runner in self.sources.values() for closed in runner.stop()]
        log.info("stopping: closing %d connections", len(closing))
        for closed in closing:
            closed.addTimeout(SOCKET_CLOSE_TIMEOUT, self._reactor)
        done = DeferredList(closing, consumeErrors=True)

        def finish(_: object) -> Any:
            self._journal_statuses()
            self.writer.stop()
            return deferToThread(self.writer.join, DRAIN_TIMEOUT + SOCKET_CLOSE_TIMEOUT)

        done.addCallback(finish)
        done.addBoth(self._stopped)
        return done

    def _stopped(self, result: object) -> object:
        # Last: the standby that takes the links next resumes from what the writer wrote.
        if self._leases is not None:
            self._leases.close()
        self.journal.close()
        log.info("stopped")
        return result

    # Configuration, from the writer thread.

    def _config_from_writer(
        self, config: SiteConfig, statuses: Mapping[str, Mapping[int, LinkStatus]]
    ) -> None:
        self._reactor.callFromThread(self.apply_config, config, statuses)

    def _fatal_from_writer(self, message: str) -> None:
        self._reactor.callFromThread(self._fail, message)

    def _fail(self, message: str) -> None:
        log.error("cannot poll: %s", message)
        self.failure = message
        if self._reactor.running:
            self._reactor.stop()

    def apply_config(
        self, config: SiteConfig, statuses: Mapping[str, Mapping[int, LinkStatus]]
    ) -> None:
        """Have each source start, stop or update only the links whose configuration
        changed."""
        if self._stopping:
            return
        self._config, self._statuses = config, statuses
        if self._leases is not None:
            self._leases.want(config)
        self._run_config({})
        log.info("polling profile %s (configuration %d)", config.profile_name, config.version)
        # What exists now (Django, Twisted, configuration, layouts) lives as long as the
        # process: keep it out of the garbage collector's full passes, which otherwise
        # stall the reactor for a tenth of a second or more with a large site.
        gc.freeze()

    def leases_changed(self, held: Holdings, statuses: Statuses) -> None:
        """The lease thread took or lost units: stop the lost ones quietly (their new
        poller writes their state now), start the taken ones from ``statuses``, the state
        last written for them."""
        if self._stopping or self.held is None:
            return
        for name, runner in self.sources.items():
            lost = self.held.get(name, frozenset()) - held.get(name, frozenset())
            if lost:
                runner.hand_over(lost)
        taken = gained(self.held, held)
        if taken:
            for feeder in self._feeders:
                feeder.taken_over(taken)
        self.held = held
        self._run_config(statuses)

    def lease_connection(self, up: bool) -> None:
        """The lease connection was lost (``up`` False) or is back. While it is lost the
        poller goes on alone with what it runs, and an answer counts as stored once
        journaled, as with a single poller: nothing waits for a commit that cannot come."""
        self._commit_wait = up
        if not up:
            self._commits.release_all()

    def _run_config(self, fresh: Statuses) -> None:
        config = self._config
        if config is None:
            return
        for name, runner in self.sources.items():
            if name in config.sources:
                part = config.sources[name]
                if self.held is not None:
                    part = part.only(self.held.get(name, frozenset()))
                runner.apply(part, {**self._statuses.get(name, {}), **fresh.get(name, {})})

    # Journal

    def _append(self, batch: WriteBatch) -> None:
        number = self.journal.append(batch)
        self.writer.submit(number, batch)
        self._metrics.spool_depth.set(self.journal.pending)

    def _committed(self) -> Deferred[None] | None:
        if not self._commit_wait:
            return None
        return self._commits.wait(self.journal.last_entry)

    def _journal_statuses(self) -> None:
        """Journal the counters of links that changed without an answer."""
        batch = WriteBatch()
        for runner in self.sources.values():
            runner.add_statuses(batch)
        if batch:
            try:
                self._append(batch)
            except OSError:
                log.exception("cannot journal the links' counters")


def _wall_clock_micros() -> int:
    return time.time_ns() // 1000
