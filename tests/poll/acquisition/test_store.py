"""Writing batches: one transaction, one revision, records at most once, deleted
configuration tolerated. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from django.db import connection

from poll.acquisition.batch import (
    ComEventRow,
    EnergyRow,
    EventRow,
    LinkStatus,
    PointChange,
    SampleRow,
    WriteBatch,
    to_micros,
)
from poll.acquisition.processors import BatchProcessor
from poll.acquisition.store import NOTIFY_CHANNEL, BatchStore
from poll.models import COMaster, ComEvent, Energy, Event, Point, Revision, Sample

T0 = to_micros(datetime(2024, 5, 1, 12, 0, tzinfo=UTC))


def a_batch(profile, ai: Point, di: Point, comaster: COMaster) -> WriteBatch:
    batch = WriteBatch()
    batch.set_point(PointChange(ai.pk, 13.2, 1, True, T0))
    batch.set_point(PointChange(di.pk, 1.0, 0, True, T0))
    batch.samples.append(SampleRow(ai.pk, T0, 13.2, 1))
    batch.events.append(
        EventRow(profile.pk, comaster.pk, di.pk, 1, 0, 0, T0 - 5, 1, 0, "00aa", "k:ev", T0)
    )
    batch.events.append(
        EventRow(profile.pk, comaster.pk, None, 9, 0, 0, None, 0, 0, "00bb", "k:ev2", T0)
    )
    batch.energy.append(
        EnergyRow(profile.pk, comaster.pk, ai.pk, 1, 0, T0, 0, 4242, 0, "40aa", "k:en", T0)
    )
    batch.com_events.append(
        ComEventRow(profile.pk, comaster.pk, None, "poller", None, 2, 1, "up", T0, "", "k:link", T0)
    )
    batch.set_link("comasters", LinkStatus(comaster.pk, True, T0, T0, "", 5, 1, 2, 3, 4, 2.5, 0x21))
    return batch


@pytest.fixture
def demo(demo_profile):
    comaster = COMaster.objects.get(profile=demo_profile, name="E4")
    ai = Point.objects.filter(ied__comaster=comaster, kind="ai").first()
    di = Point.objects.filter(ied__comaster=comaster, kind="di").first()
    return demo_profile, ai, di, comaster


def test_a_batch_is_written_with_one_new_revision(demo) -> None:
    profile, ai, di, comaster = demo
    before = Revision.objects.count()
    revision, inserted = BatchStore().write(a_batch(*demo))
    assert Revision.objects.count() == before + 1 and inserted == 4
    ai.refresh_from_db()
    assert (ai.value, ai.q, ai.current, ai.revision) == (13.2, 1, True, revision)
    assert ai.updated_at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    event = Event.objects.get(dedup_key="k:ev")
    assert (event.di_id, event.value, event.revision) == (di.pk, 1, revision)
    assert event.time == datetime(2024, 5, 1, 11, 59, 59, 999995, tzinfo=UTC)
    assert Event.objects.get(dedup_key="k:ev2").time is None
    assert Energy.objects.get(dedup_key="k:en").value == 4242
    assert ComEvent.objects.get(dedup_key="k:link").source == "poller"
    assert Sample.objects.get(point=ai).value == 13.2
    comaster.refresh_from_db()
    assert (comaster.online, comaster.polls, comaster.latency_ms, comaster.revision) == (
        True,
        5,
        2.5,
        revision,
    )


def test_writing_the_same_batch_twice_stores_every_record_once(demo) -> None:
    store = BatchStore()
    store.write(a_batch(*demo))
    _, inserted = store.write(a_batch(*demo))
    assert inserted == 0
    assert Event.objects.count() == 2 and Energy.objects.count() == 1
    assert Sample.objects.count() == 1 and ComEvent.objects.count() == 1


def test_a_change_of_currency_only_keeps_the_value(demo) -> None:
    profile, ai, di, comaster = demo
    store = BatchStore()
    store.write(a_batch(*demo))
    lost = WriteBatch()
    lost.set_point(PointChange(ai.pk, None, None, False, T0 + 1))
    store.write(lost)
    ai.refresh_from_db()
    assert (ai.value, ai.q, ai.current) == (13.2, 1, False)


def test_rows_naming_deleted_configuration_do_not_fail_the_batch(demo) -> None:
    profile, ai, di, comaster = demo
    batch = a_batch(*demo)
    Point.objects.filter(pk__in=[ai.pk, di.pk]).delete()
    revision, _ = BatchStore().write(batch)
    assert Event.objects.get(dedup_key="k:ev").di_id is None
    assert Energy.objects.get(dedup_key="k:en").ai_id is None
    assert not Sample.objects.exists()
    assert Revision.objects.filter(pk=revision).exists()


def test_processors_see_the_changed_points_and_the_revision(demo) -> None:
    seen = []

    class Recorder(BatchProcessor):
        def configure(self, profile_id: int) -> None:
            pass

        def process(self, points: Mapping[int, PointChange], revision: int) -> None:
            seen.append((sorted(points), revision, connection.in_atomic_block))

    revision, _ = BatchStore([Recorder()]).write(a_batch(*demo))
    profile, ai, di, comaster = demo
    assert seen == [(sorted([ai.pk, di.pk]), revision, True)]


def test_a_stale_reply_never_overwrites_a_newer_value(demo) -> None:
    profile, ai, di, comaster = demo
    seen = []

    class Recorder(BatchProcessor):
        def configure(self, profile_id: int) -> None:
            pass

        def process(self, points: Mapping[int, PointChange], revision: int) -> None:
            seen.append(sorted(points))

    store = BatchStore([Recorder()])
    store.write(a_batch(*demo))  # both points at T0
    stale = WriteBatch()
    stale.set_point(PointChange(ai.pk, 99.0, 0, True, T0 - 1))  # answered before T0
    stale.set_point(PointChange(di.pk, 0.0, 0, True, T0))  # as recent: written
    store.write(stale)
    ai.refresh_from_db()
    di.refresh_from_db()
    assert ai.value == 13.2 and di.value == 0.0
    assert seen[-1] == [di.pk]  # the processors act on what was written only


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_announces_the_revision_after_commit(demo) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("NOTIFY is PostgreSQL's; SQLite readers poll the latest revision")
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as listener:
        listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
        revision, _ = BatchStore().write(a_batch(*demo))
        notice = next(listener.notifies(timeout=10, stop_after=1))
    assert (notice.channel, notice.payload) == (NOTIFY_CHANNEL, str(revision))


@pytest.mark.parametrize(
    "when",
    [
        datetime(2024, 5, 1, 12, 0, 0, 1, tzinfo=UTC),
        datetime(2026, 12, 3, 5, 53, 54, 999999, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 123457, tzinfo=UTC),  # before the epoch
        datetime(2400, 2, 29, 0, 0, 0, 654321, tzinfo=UTC),  # beyond 2**53 microseconds
    ],
)
def test_times_are_stored_to_the_microsecond(demo, when: datetime) -> None:
    """On PostgreSQL times travel as microseconds and the statement makes them times."""
    profile, ai, di, comaster = demo
    micros = to_micros(when)
    batch = WriteBatch()
    batch.set_point(PointChange(ai.pk, 1.0, 0, True, micros))
    batch.events.append(
        EventRow(profile.pk, comaster.pk, di.pk, 1, 0, 0, micros, 1, 0, "00cc", "k:t", micros)
    )
    batch.set_link(
        "comasters", LinkStatus(comaster.pk, True, micros, micros, "", 1, 0, 0, 0, 0, 1.0)
    )
    BatchStore().write(batch)
    ai.refresh_from_db()
    comaster.refresh_from_db()
    event = Event.objects.get(dedup_key="k:t")
    assert ai.updated_at == event.time == event.received_at == when
    assert comaster.state_since == comaster.last_poll_at == when
