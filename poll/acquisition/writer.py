"""The single database writer: a thread that applies the journal to the database.

It takes the entries queued since its last transaction (reading the journal file for any
it has not got in memory: those from before a restart, or those the bounded queue could
not hold), coalesces them into one batch and writes it in one transaction, then moves the
journal's checkpoint. Polling never waits for it.

When the database cannot be reached, the writer logs it once, retries with a growing
pause, and replays everything in order when the database is back. A batch the database
refuses for another reason is retried entry by entry, and an entry that still fails is
set aside in ``rejected/`` under the spool directory, so that one bad entry never stops
the rest.

Every few seconds it also looks at the profile's configuration counter; a new configuration
goes to the batch processors (``configure``) and then to the reactor.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from django.db import DatabaseError, InterfaceError, OperationalError, connection

from poll.acquisition.batch import LinkStatus, WriteBatch
from poll.acquisition.heartbeat import Heartbeat
from poll.acquisition.journal import Journal
from poll.acquisition.metrics import PollerMetrics
from poll.acquisition.store import BatchStore
from poll.acquisition.watcher import ConfigError, ConfigWatcher, SiteConfig, load_statuses

log = logging.getLogger(__name__)

QUEUE_SIZE = 20_000
"""Entries held in memory for the writer by default; beyond, it reads them back from the
journal (``POLL_QUEUE_ENTRIES``)."""
IDLE_WAIT = 0.5
RETRY_FIRST, RETRY_MAX = 0.5, 5.0
"""Pause after a failed attempt to reach the database, doubling up to the maximum."""
BATCH_INTERVAL = 0.1
"""Seconds from the start of one transaction to the next at least: entries that arrive
meanwhile are coalesced. A transaction costs PostgreSQL a commit (a WAL flush) and each
statement a round trip whatever its rows; at 500 replies a second the writer otherwise
commits ~90 transactions of ~5 entries. Values reach the screens up to this much later."""
DRAIN_TIMEOUT = 10.0
"""Seconds a stopping writer keeps applying what is queued before it gives up."""

Entry = tuple[int, WriteBatch]
T = TypeVar("T")
ConfigListener = Callable[[SiteConfig, dict[str, dict[int, LinkStatus]]], None]
"""Takes a new configuration and its links' states last written, by source."""


class DatabaseUnreachable(Exception):
    """The database did not answer; the same entries are tried again later."""


class JournalWriter(threading.Thread):
    def __init__(
        self,
        journal: Journal,
        store: BatchStore,
        watcher: ConfigWatcher,
        metrics: PollerMetrics,
        *,
        on_config: ConfigListener,
        on_fatal: Callable[[str], None],
        max_entries: int,
        config_interval: float,
        heartbeat: Heartbeat | None = None,
        queue_size: int = QUEUE_SIZE,
    ) -> None:
        super().__init__(name="poll-writer", daemon=True)
        self._journal = journal
        self._store = store
        self._watcher = watcher
        self._metrics = metrics
        self._on_config = on_config
        self._on_fatal = on_fatal
        self._max_entries = max_entries
        self._config_interval = config_interval
        self._queue: queue.Queue[Entry | None] = queue.Queue(queue_size)
        self._held: deque[Entry] = deque()
        self._next = journal.applied + 1
        self._stopping = threading.Event()
        self._outage_since: float | None = None
        self._batch_due = 0.0
        self._config_due = 0.0
        self._config_loaded = False
        self._config_error: str | None = None
        self._heartbeat = heartbeat

    def submit(self, number: int, batch: WriteBatch) -> None:
        """Hand over an entry just appended to the journal (reactor thread)."""
        with contextlib.suppress(queue.Full):  # if full, read back from the journal later
            self._queue.put_nowait((number, batch))

    def stop(self) -> None:
        """Finish the transaction in progress, apply what is queued (for a while), stop."""
        self._stopping.set()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)

    def run(self) -> None:
        retry = RETRY_FIRST
        deadline: float | None = None
        try:
            while True:
                if self._stopping.is_set():
                    deadline = deadline or time.monotonic() + DRAIN_TIMEOUT
                    if self._next > self._journal.last_entry or time.monotonic() > deadline:
                        break
                try:
                    self._watch_config()
                    if self._heartbeat is not None:
                        self._guarded(self._heartbeat.beat, self._journal.pending)
                    worked = self._write_next()
                except DatabaseUnreachable as problem:
                    self._note_outage(problem)
                    if self._stopping.wait(retry):
                        deadline = time.monotonic()
                    retry = min(RETRY_MAX, retry * 2)
                    continue
                except Exception:
                    # A fault of ours (a batch processor's is the store's to contain): the
                    # entries are safe in the journal, so say so loudly and try again.
                    log.exception("writing journal entry %d failed; trying again", self._next)
                    if self._stopping.wait(retry):
                        deadline = time.monotonic()
                    retry = min(RETRY_MAX, retry * 2)
                    continue
                retry = RETRY_FIRST
                self._note_recovery()
                if not worked:
                    self._wait_for_entries()
        finally:
            self._journal.save_checkpoint()
            if self._next <= self._journal.last_entry:
                log.warning(
                    "stopping with %d journal entries to replay at the next start",
                    self._journal.last_entry - self._next + 1,
                )
            connection.close()

    # Writing

    def _write_next(self) -> bool:
        """Write the next entries in one transaction; False when there was nothing."""
        pause = self._batch_due - time.monotonic()
        if pause > 0 and self._journal.last_entry >= self._next:
            self._stopping.wait(pause)  # pacing, not synchronisation: see BATCH_INTERVAL
        self._batch_due = time.monotonic() + BATCH_INTERVAL
        entries = self._take()
        if not entries:
            return False
        started = time.perf_counter()
        self._apply(entries)
        self._metrics.batch_seconds.observe(time.perf_counter() - started)
        self._metrics.batch_entries.observe(len(entries))
        seqs = {link: seq for _, batch in entries for link, seq in batch.seqs().items()}
        last = entries[-1][0]
        self._journal.mark_applied(last, seqs)
        self._next = last + 1
        self._metrics.spool_depth.set(self._journal.pending)
        return True

    def _apply(self, entries: list[Entry]) -> None:
        batch = WriteBatch()
        for _, later in entries:
            batch.merge(later)
        try:
            _, inserted = self._guarded(self._store.write, batch)
        except DatabaseError as error:
            if len(entries) > 1:
                for entry in entries:
                    self._apply([entry])
                return
            self._reject(entries[0], error)
            return
        self._metrics.batches.inc()
        self._metrics.events_stored.inc(inserted)

    def _take(self) -> list[Entry]:
        """The next run of entries in journal order, from memory or from the file."""
        while len(self._held) < self._max_entries:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                self._held.append(item)
        held = self._held
        while held and held[0][0] < self._next:
            held.popleft()
        last = min(self._journal.last_entry, self._next + self._max_entries - 1)
        if last < self._next:
            return []
        if held and held[0][0] == self._next:
            # Only an unbroken run: an entry the full queue could not take leaves a gap
            # that is read back from the journal next time (see submit).
            entries: list[Entry] = []
            expected = self._next
            while held and held[0][0] == expected <= last and len(entries) < self._max_entries:
                entries.append(held.popleft())
                expected += 1
            return entries
        if held:
            last = min(last, held[0][0] - 1)
        entries = list(self._journal.read(self._next, last))
        if not entries:
            log.error("journal entries %d to %d are missing; going on after them", self._next, last)
            self._next = last + 1
        return entries

    def _wait_for_entries(self) -> None:
        try:
            item = self._queue.get(timeout=IDLE_WAIT)
        except queue.Empty:
            return
        if item is not None:
            self._held.append(item)

    def _reject(self, entry: Entry, error: Exception) -> None:
        number, batch = entry
        folder = self._journal.directory / "rejected"
        folder.mkdir(exist_ok=True)
        (folder / f"entry-{number:016d}.json").write_text(batch.to_json())
        log.error("journal entry %d refused by the database, set aside: %s", number, error)

    # Configuration

    def _watch_config(self) -> None:
        now = time.monotonic()
        if now < self._config_due:
            return
        self._config_due = now + self._config_interval
        try:
            config = self._guarded(
                self._watcher.check if self._config_loaded else self._watcher.load
            )
        except ConfigError as error:
            if not self._config_loaded:
                self._on_fatal(str(error))
                self._stopping.set()
            elif str(error) != self._config_error:
                log.error("configuration: %s; polling goes on as configured before", error)
            self._config_error = str(error)
            return
        if config is not None:
            self._config_loaded = True
            self._config_error = None
            statuses = self._guarded(load_statuses, config)
            self._store.configure(config.profile_id)
            self._on_config(config, statuses)

    # Outages

    @staticmethod
    def _guarded(work: Callable[..., T], *args: object) -> T:
        """Run ``work``; a lost or refused connection becomes :class:`DatabaseUnreachable`."""
        try:
            return work(*args)
        except (OperationalError, InterfaceError) as error:
            with contextlib.suppress(DatabaseError):  # a broken connection is gone either way
                connection.close()
            raise DatabaseUnreachable(str(error).strip()) from error

    def _note_outage(self, problem: DatabaseUnreachable) -> None:
        if not self._config_loaded:
            self._config_due = 0.0
        if self._outage_since is None:
            self._outage_since = time.monotonic()
            log.error(
                "database unreachable (%s); journaling and retrying until it is back", problem
            )

    def _note_recovery(self) -> None:
        if self._outage_since is not None:
            log.warning(
                "database back after %.1f s; %d journal entries waiting are being written",
                time.monotonic() - self._outage_since,
                self._journal.last_entry - self._next + 1,
            )
            self._outage_since = None
