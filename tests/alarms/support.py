"""Helpers of the alarm tests."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from alarms.models import Alarm
from poll.acquisition.batch import PointChange, to_micros


def raise_alarm(processor, ai_alarm, value: float = 150.0, revision: int = 1) -> Alarm:
    """Feed the processor a value of the alarm's point beyond its limit, as a batch does."""
    change = PointChange(ai_alarm.point_id, value, 0, True, to_micros(timezone.now()))
    with transaction.atomic():
        processor.process({ai_alarm.point_id: change}, revision)
    return Alarm.objects.get(definition=ai_alarm)
