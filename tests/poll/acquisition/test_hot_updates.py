"""The poller's point updates are HOT on PostgreSQL: no index covers a live-state column
and pages keep room for new row versions, so at least 90% of the updates of poll_point
write no index entry (read from the statistics PostgreSQL keeps per table)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from poll.acquisition.batch import PointChange, WriteBatch, to_micros
from poll.acquisition.store import BatchStore
from poll.models import Point

T0 = to_micros(datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
WARM_UP, BATCHES = 3, 20
"""The first updates of freshly inserted rows find pages still full of their versions from
the fixture's transaction; the steady state, batch after committed batch, is what counts."""


def point_updates() -> tuple[int, int]:
    """``(updates, HOT updates)`` of poll_point so far, from pg_stat_user_tables, once this
    connection's own counts are flushed there and its cached snapshot of them dropped."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'poll_point'"
        )
        updates, hot = cursor.fetchone()
    return updates, hot


@pytest.mark.django_db(transaction=True)  # each batch commits, as the poller's do
def test_point_updates_are_hot(demo_profile) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("HOT updates are PostgreSQL's")
    ids = list(Point.objects.filter(profile=demo_profile).values_list("pk", flat=True))
    assert ids
    store = BatchStore()
    before = (0, 0)
    for n in range(WARM_UP + BATCHES):
        if n == WARM_UP:
            before = point_updates()
        batch = WriteBatch()
        for pk in ids:
            batch.set_point(PointChange(pk, float(n), 0, True, T0 + n * 1_000_000))
        store.write(batch)
        point_updates()  # other transactions between batches, as a live site has
    updates, hot = (after - first for after, first in zip(point_updates(), before, strict=True))
    assert updates == BATCHES * len(ids)
    assert hot / updates >= 0.9, f"{hot} of {updates} point updates were HOT"
    assert Point.objects.filter(profile=demo_profile, value=WARM_UP + BATCHES - 1).count() == len(
        ids
    )
