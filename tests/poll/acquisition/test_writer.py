"""The writer thread: order, coalescing, outages and refused entries, with a fake store."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from django.db import IntegrityError, OperationalError

from poll.acquisition.batch import PointChange, WriteBatch
from poll.acquisition.journal import Journal
from poll.acquisition.metrics import PollerMetrics
from poll.acquisition.watcher import SiteConfig
from poll.acquisition.writer import JournalWriter

from .test_journal import batch


class FakeStore:
    """Records what it writes; fails while ``down`` or for a batch holding ``poison``."""

    def __init__(self) -> None:
        self.written: list[list[int]] = []
        self.down = threading.Event()
        self.poison: int | None = None
        self.tries = 0
        self.configured: list[int] = []

    def configure(self, profile_id: int) -> None:
        self.configured.append(profile_id)

    def write(self, batch: WriteBatch) -> tuple[int, int]:
        self.tries += 1
        if self.down.is_set():
            raise OperationalError("connection refused")
        if self.poison in batch.points:
            raise IntegrityError("refused")
        self.written.append(sorted(batch.points))
        return len(self.written), len(batch.events)


class FakeWatcher:
    def load(self) -> SiteConfig:
        return SiteConfig(1, "site", 1, {})

    def check(self) -> None:
        return None


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


@pytest.fixture
def running(tmp_path):
    journal = Journal(tmp_path)
    store = FakeStore()
    configs: list[SiteConfig] = []
    writer = JournalWriter(
        journal,
        store,
        FakeWatcher(),
        PollerMetrics(),
        on_config=lambda config, statuses: configs.append(config),
        on_fatal=lambda message: None,
        max_entries=100,
        config_interval=60.0,
    )

    def append(n: int) -> None:
        writer.submit(journal.append(batch(n)), batch(n))

    yield journal, store, writer, append, configs
    writer.stop()
    writer.join(5)


def test_entries_are_applied_in_order_and_checkpointed(running) -> None:
    journal, store, writer, append, configs = running
    for n in range(1, 4):
        append(n)
    writer.start()
    wait_for(lambda: journal.applied == 3)
    append(4)
    wait_for(lambda: journal.applied == 4)
    assert [p for written in store.written for p in written] == [1, 2, 3, 4]
    assert store.written[0] == [1, 2, 3]  # queued entries coalesced into one transaction
    assert configs == [SiteConfig(1, "site", 1, {})]


def test_entries_from_before_a_restart_are_replayed_first(running, tmp_path) -> None:
    journal, store, writer, append, configs = running
    journal.append(batch(1))  # journaled by a previous run, never submitted
    append(2)
    writer.start()
    wait_for(lambda: journal.applied == 2)
    assert store.written == [[1], [2]]


def test_an_outage_is_logged_once_and_nothing_is_lost(running, caplog) -> None:
    journal, store, writer, append, configs = running
    store.down.set()
    writer.start()
    with caplog.at_level(logging.WARNING, logger="poll.acquisition.writer"):
        append(1)
        wait_for(lambda: store.tries >= 3)
        append(2)
        store.down.clear()
        wait_for(lambda: journal.applied == 2)
    messages = [record.message for record in caplog.records]
    assert sum("database unreachable" in m for m in messages) == 1
    assert sum("database back" in m for m in messages) == 1
    assert [p for written in store.written for p in written] == [1, 2]


def test_a_refused_entry_is_set_aside_and_the_others_are_written(running, tmp_path) -> None:
    journal, store, writer, append, configs = running
    store.poison = 2
    for n in range(1, 4):
        append(n)
    writer.start()
    wait_for(lambda: journal.applied == 3)
    assert store.written == [[1], [3]]
    assert [p.name for p in (tmp_path / "rejected").iterdir()] == ["entry-0000000000000002.json"]


def test_stopping_applies_what_is_queued(running) -> None:
    journal, store, writer, append, configs = running
    writer.start()
    wait_for(lambda: configs)
    first = WriteBatch()
    first.set_point(PointChange(9, 1.0, 0, True, 1))
    writer.submit(journal.append(first), first)
    writer.stop()
    writer.join(5)
    assert journal.applied == 1 and not writer.is_alive()


def test_an_unexpected_error_is_logged_and_the_entry_written_later(running, caplog) -> None:
    journal, store, writer, append, configs = running
    real_write = store.write
    failures = iter([RuntimeError("a bug")])

    def flaky(batch):
        for failure in failures:
            raise failure
        return real_write(batch)

    store.write = flaky
    append(1)
    writer.start()
    wait_for(lambda: journal.applied == 1)
    assert store.written == [[1]]
    assert "writing journal entry 1 failed" in caplog.text


def test_an_entry_the_full_queue_dropped_is_read_back_not_skipped(running) -> None:
    """Under a long overload the queue fills: an entry it cannot take is read back from
    the journal later, even when entries after it did get into the queue (the writer had
    taken some meanwhile). Once, the writer applied the queued run across that gap and
    the dropped entry's events were never written."""
    journal, store, writer, append, configs = running
    append(1)
    dropped = batch(2)
    journal.append(dropped)  # journaled, but the queue was full: never submitted
    append(3)
    writer.start()
    wait_for(lambda: journal.applied == 3)
    assert [p for written in store.written for p in written] == [1, 2, 3]


def test_how_many_entries_each_transaction_took_is_counted(running) -> None:
    """The backlog shows in the metrics: batches grow when the writer falls behind."""
    journal, store, writer, append, configs = running
    for n in range(1, 4):
        append(n)
    writer.start()
    wait_for(lambda: journal.applied == 3)
    registry = writer._metrics.registry
    assert registry.get_sample_value("smve_poll_write_batch_entries_sum") == 3
    assert registry.get_sample_value("smve_poll_write_batch_entries_count") == 1
    assert registry.get_sample_value("smve_poll_spool_depth") == 0
