"""The demo backfill: a believable past, written once however often it runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from history.backfill import backfill
from history.models import Rollup
from poll.models import Sample

pytestmark = pytest.mark.django_db
END = datetime(2026, 6, 1, tzinfo=UTC)


def test_backfill_gives_every_ai_a_past_with_rollups_once(pens):
    profile_id = pens[0].profile_id
    assert backfill(profile_id, END, 2, timedelta(hours=1)) == 2
    assert Sample.objects.filter(point=pens[0]).count() == 48
    days = Rollup.objects.filter(point=pens[0], resolution="1d")
    assert days.exists() and all(day.min < day.max for day in days)
    backfill(profile_id, END, 2, timedelta(hours=1))
    assert Sample.objects.filter(point__in=pens).count() == 96
