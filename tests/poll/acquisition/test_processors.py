"""Batch processors: registered by other apps, configured by the writer, and never able to
keep a batch's acquisition data out of the database."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from poll.acquisition.batch import EventRow, PointChange, SampleRow, WriteBatch, to_micros
from poll.acquisition.journal import Journal
from poll.acquisition.metrics import PollerMetrics
from poll.acquisition.options import PollerOptions
from poll.acquisition.processors import (
    batch_processor_factories,
    register_batch_processor,
    unregister_batch_processor,
)
from poll.acquisition.store import BatchStore
from poll.acquisition.watcher import ConfigWatcher, SiteConfig
from poll.acquisition.writer import JournalWriter
from poll.models import COMaster, Event, Point, Revision, Sample

from .processes import wait_until

T0 = to_micros(datetime(2024, 5, 1, 12, 0, tzinfo=UTC))


class Broken:
    """A processor that always raises, after writing something of its own."""

    def __init__(self) -> None:
        self.calls = 0

    def configure(self, profile_id: int) -> None:
        raise RuntimeError("cannot configure")

    def process(self, points: Mapping[int, PointChange], revision: int) -> None:
        self.calls += 1
        Revision.objects.create(source="broken")  # rolled back with its savepoint
        raise ZeroDivisionError("division by zero in a formula")


class Recording:
    def __init__(self) -> None:
        self.configured: list[int] = []
        self.revisions: list[int] = []

    def configure(self, profile_id: int) -> None:
        self.configured.append(profile_id)

    def process(self, points: Mapping[int, PointChange], revision: int) -> None:
        self.revisions.append(revision)


def a_batch(n: int, ai: Point, comaster: COMaster) -> WriteBatch:
    batch = WriteBatch()
    batch.set_point(PointChange(ai.pk, float(n), 0, True, T0 + n))
    batch.samples.append(SampleRow(ai.pk, T0 + n, float(n), 0))
    batch.events.append(
        EventRow(comaster.profile_id, comaster.pk, None, 1, 0, 0, T0, 1, 0, "aa", f"k:{n}", T0)
    )
    return batch


@pytest.fixture
def demo(demo_profile):
    comaster = COMaster.objects.get(profile=demo_profile, name="E4")
    return Point.objects.filter(ied__comaster=comaster, kind="ai").first(), comaster


def test_factories_register_once_and_unregister() -> None:
    before = batch_processor_factories()
    register_batch_processor(Recording)
    register_batch_processor(Recording)
    assert batch_processor_factories() == (*before, Recording)
    unregister_batch_processor(Recording)
    assert batch_processor_factories() == before


@pytest.mark.django_db
def test_a_raising_processor_is_rolled_back_alone_and_logged_once(demo, caplog) -> None:
    ai, comaster = demo
    broken, after = Broken(), Recording()
    store = BatchStore([broken, after])
    with caplog.at_level(logging.ERROR, logger="poll.acquisition.store"):
        first, _ = store.write(a_batch(1, ai, comaster))
        second, _ = store.write(a_batch(2, ai, comaster))
    ai.refresh_from_db()
    assert (ai.value, ai.revision) == (2.0, second)
    assert Sample.objects.filter(point=ai).count() == 2
    assert set(Event.objects.values_list("dedup_key", flat=True)) == {"k:1", "k:2"}
    assert not Revision.objects.filter(source="broken").exists()
    assert broken.calls == 2 and after.revisions == [first, second]
    failures = [r for r in caplog.records if "batch processor" in r.getMessage()]
    assert len(failures) == 1 and "Broken.process" in failures[0].getMessage()


@pytest.mark.django_db(transaction=True)
def test_the_writer_goes_on_past_a_processor_that_always_raises(demo, tmp_path) -> None:
    """Regression: a raising processor made the writer retry the same entry forever."""
    ai, comaster = demo
    recording = Recording()
    configured = threading.Event()
    journal = Journal(tmp_path)

    class Watcher(ConfigWatcher):
        def __init__(self) -> None:
            super().__init__(PollerOptions.from_settings(), profile_name=None)

        def load(self) -> SiteConfig:
            return SiteConfig(comaster.profile_id, "demo", 1, {})

        def check(self) -> None:
            return None

    writer = JournalWriter(
        journal,
        BatchStore([Broken(), recording]),
        Watcher(),
        PollerMetrics(),
        on_config=lambda config, statuses: configured.set(),
        on_fatal=lambda message: None,
        max_entries=1,
        config_interval=60.0,
    )
    for n in (1, 2, 3):
        batch = a_batch(n, ai, comaster)
        writer.submit(journal.append(batch), batch)
    writer.start()
    try:
        assert configured.wait(30)
        wait_until(lambda: journal.applied == 3, 30, "the three entries in the database")
    finally:
        writer.stop()
        writer.join(30)
    assert journal.applied == 3 and not writer.is_alive()
    ai.refresh_from_db()
    assert ai.value == 3.0
    assert Sample.objects.filter(point=ai).count() == 3
    assert recording.configured == [comaster.profile_id]
    assert len(recording.revisions) == 3
