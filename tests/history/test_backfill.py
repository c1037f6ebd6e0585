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


def test_the_rollup_job_does_not_roll_the_backfill_up_again(pens):
    """The backfill writes its own rollups: the job (which would hold the database for the
    whole of a demo's 30 days) finds nothing new, and still reads samples that waited."""
    from django.db import transaction

    from history.rollups import update_rollups

    Sample.objects.create(point=pens[0], time=END - timedelta(days=10), value=1.0, q=0)
    backfill(pens[0].profile_id, END, 2, timedelta(hours=1))
    with transaction.atomic():
        assert update_rollups(END) != "nothing new"  # the sample that waited is read
    backfill(pens[0].profile_id, END + timedelta(days=1), 2, timedelta(hours=1))
    with transaction.atomic():
        assert update_rollups(END) == "nothing new"
