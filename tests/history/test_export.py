"""The CSV export of a large raw range streams in bounded memory. Runs on SQLite and on
PostgreSQL."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from poll.acquisition.batch import SampleRow, WriteBatch, to_micros
from poll.acquisition.store import BatchStore

pytestmark = pytest.mark.django_db
START = datetime(2025, 6, 1, tzinfo=UTC)
ROWS = 120_000


def test_a_large_raw_export_streams_in_bounded_memory(point, role_user):
    batch = WriteBatch()
    batch.samples.extend(
        SampleRow(point.pk, to_micros(START + timedelta(seconds=n)), n / 7, 0) for n in range(ROWS)
    )
    BatchStore().write(batch)
    client = APIClient()
    client.force_authenticate(role_user("viewer"))
    end = START + timedelta(seconds=ROWS)
    query = {"tag": point.tag, "start": START.isoformat(), "end": end.isoformat()}
    warm_up = {**query, "end": (START + timedelta(seconds=10)).isoformat()}
    client.get("/api/history/", {**warm_up, "format": "csv", "resolution": "raw"})
    tracemalloc.start()
    try:
        answer = client.get("/api/history/", {**query, "format": "csv", "resolution": "raw"})
        lines = size = 0
        for piece in answer.streaming_content:
            lines += piece.count(b"\n")
            size += len(piece)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert lines == ROWS + 2  # the zone and units line, the column names, the rows
    # Holding the rows would take several times the text's size; streaming takes a chunk.
    assert peak < size / 3, f"{size:,} bytes exported with a peak of {peak:,} bytes allocated"
