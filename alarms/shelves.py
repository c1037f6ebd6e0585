"""Shelves that run out: an alarm shelved until a time comes back when that time passes.

Run by the jobs process every few seconds (:data:`alarms.jobs.JOBS`) and before alarms are
listed or acted on through the API, so that no page shows a shelf past its expiry.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from alarms.models import Alarm
from alarms.states import Event, State
from alarms.transitions import apply, new_revision, save


def expire_shelves(now: datetime | None = None) -> int:
    """Unshelve the alarms whose shelf has expired (an active one comes back unacknowledged);
    answer how many."""
    now = now or timezone.now()
    expired = Alarm.objects.filter(state=State.SHELVED, shelved_until__lte=now)
    if not expired.exists():
        return 0
    done = 0
    with transaction.atomic():
        revision = new_revision()
        for alarm in expired.select_for_update(of=("self",)).select_related("definition__point"):
            transition = apply(
                alarm, Event.UNSHELVE_EXPIRED, time=now, revision=revision, reason="shelf expired"
            )
            if transition is not None:
                save(alarm, transition)
                done += 1
    return done
