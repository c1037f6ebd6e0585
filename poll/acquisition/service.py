"""The poller: one reactor, a client per COMaster, one journal and one writer thread.

Threads and what they own:

- the reactor thread runs the clients, reads replies into batches and appends them to the
  journal (:class:`AcquisitionService`); it never touches the database;
- the writer thread (:class:`~poll.acquisition.writer.JournalWriter`) is the only one that
  talks to the database: it applies journal entries and reads configuration changes,
  which it hands back to the reactor with ``callFromThread``.
"""

from __future__ import annotations

import gc
import logging
import sys
import time
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string
from twisted.internet.defer import DeferredList
from twisted.internet.task import LoopingCall
from twisted.internet.threads import deferToThread
from twisted.logger import STDLibLogObserver, globalLogBeginner

from poll.acquisition.batch import ComasterStatus, WriteBatch
from poll.acquisition.config import ComasterConfig, ConfigWatcher, SiteConfig
from poll.acquisition.heartbeat import Heartbeat
from poll.acquisition.journal import Journal
from poll.acquisition.layout import ComasterLayout
from poll.acquisition.mapping import ReplyMapper
from poll.acquisition.metrics import PollerMetrics
from poll.acquisition.modbus_service import ModbusDevices
from poll.acquisition.options import PollerOptions
from poll.acquisition.recorder import ComasterRecorder
from poll.acquisition.store import BatchStore
from poll.acquisition.writer import DRAIN_TIMEOUT, JournalWriter
from protocols.mara.client import SEQ_FIRST, PollClient, next_seq

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
    profile: str | None = None, comasters: Sequence[str] = (), metrics_port: int | None = None
) -> str | None:
    """Poll until SIGTERM or SIGINT. Returns None after a clean stop, or why it could
    not run."""
    install_reactor()
    from twisted.internet import reactor

    globalLogBeginner.beginLoggingTo([STDLibLogObserver()], redirectStandardIO=False)
    options = PollerOptions.from_settings()
    metrics = PollerMetrics()
    if metrics_port is not None:
        metrics.serve(metrics_port)
    processors = [import_string(path)() for path in options.batch_processors]
    service = AcquisitionService(
        reactor, options, metrics, ConfigWatcher(options, profile, comasters), processors
    )
    reactor.callWhenRunning(service.start)
    reactor.addSystemEventTrigger("before", "shutdown", service.stop)
    reactor.run()
    return service.failure


@dataclass
class Running:
    config: ComasterConfig
    recorder: ComasterRecorder
    client: PollClient


class AcquisitionService:
    """Starts, reconfigures and stops the COMaster clients; journals what they produce."""

    def __init__(
        self,
        reactor: Any,
        options: PollerOptions,
        metrics: PollerMetrics,
        watcher: ConfigWatcher,
        processors: Sequence[Any] = (),
    ) -> None:
        self._reactor = reactor
        self._options = options
        self._metrics = metrics
        self._zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.journal = Journal(options.spool_dir)
        self._resume = {cm: next_seq(seq) for cm, seq in self.journal.stored_seqs().items()}
        self.writer = JournalWriter(
            self.journal,
            BatchStore(processors),
            watcher,
            metrics,
            on_config=self._config_from_writer,
            on_fatal=self._fatal_from_writer,
            max_entries=options.max_batch_entries,
            config_interval=options.config_check_interval,
            heartbeat=Heartbeat.from_settings(),
        )
        self._running: dict[int, Running] = {}
        self.modbus = ModbusDevices(
            reactor, metrics, self._append, _wall_clock_micros, options.sample_max_interval
        )
        self._stopping = False
        self.failure: str | None = None
        self._status_loop = LoopingCall(self._journal_statuses)
        self._status_loop.clock = reactor

    def start(self) -> None:
        self.writer.start()
        self._status_loop.start(self._options.status_interval, now=False)
        self._metrics.spool_depth.set(self.journal.pending)

    def stop(self) -> Any:
        """Close every connection, journal the last counters, let the writer finish."""
        self._stopping = True
        log.info("stopping: closing %d connections", len(self._running))
        if self._status_loop.running:
            self._status_loop.stop()
        closing = [running.client.stop() for running in self._running.values()]
        closing += self.modbus.stop()
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
        self.journal.close()
        log.info("stopped")
        return result

    # Configuration, from the writer thread.

    def _config_from_writer(self, config: SiteConfig, statuses: dict[int, Any]) -> None:
        self._reactor.callFromThread(self.apply_config, config, statuses)

    def _fatal_from_writer(self, message: str) -> None:
        self._reactor.callFromThread(self._fail, message)

    def _fail(self, message: str) -> None:
        log.error("cannot poll: %s", message)
        self.failure = message
        if self._reactor.running:
            self._reactor.stop()

    def apply_config(self, config: SiteConfig, statuses: dict[int, ComasterStatus]) -> None:
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
        self.modbus.apply(config.modbus)
        self._metrics.comasters.set(len(self._running))
        log.info(
            "polling %d COMasters of profile %s (configuration %d)",
            len(self._running),
            config.profile_name,
            config.version,
        )
        # What exists now (Django, Twisted, configuration, layouts) lives as long as the
        # process: keep it out of the garbage collector's full passes, which otherwise
        # stall the reactor for a tenth of a second or more with a large site.
        gc.freeze()

    def _start(self, config: ComasterConfig, status: ComasterStatus | None) -> None:
        mapper = ReplyMapper(ComasterLayout(config), self._zone, self._options.sample_max_interval)
        recorder = ComasterRecorder(
            mapper,
            status or ComasterStatus(config.id, False, None, None, "", 0, 0, 0, 0, 0, None, None),
            self._append,
            self._metrics,
            _wall_clock_micros,
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
        return PollClient(config.client, recorder, self._reactor, self._field_now, first_seq=seq)

    def _field_now(self) -> datetime:
        """The site's local time, as COMasters keep it."""
        return datetime.now(self._zone).replace(tzinfo=None)

    # Journal

    def _append(self, batch: WriteBatch) -> None:
        number = self.journal.append(batch)
        self.writer.submit(number, batch)
        self._metrics.spool_depth.set(self.journal.pending)

    def _journal_statuses(self) -> None:
        """Journal the counters of COMasters that changed without a reply."""
        batch = WriteBatch()
        for running in self._running.values():
            running.recorder.add_status(batch)
        self.modbus.add_statuses(batch)
        self._metrics.online.set(sum(r.recorder.online for r in self._running.values()))
        if batch:
            try:
                self._append(batch)
            except OSError:
                log.exception("cannot journal COMaster counters")


def _wall_clock_micros() -> int:
    return time.time_ns() // 1000
