"""Alarms evaluated in the poller's batch: transitions stored with the batch's revision and
the field time of the causing value, idempotently on replay."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction

from alarms.models import Alarm, AlarmTransition
from poll.acquisition.batch import PointChange, to_micros

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def batch(processor, point_id: int, value: float, seconds: int, revision: int) -> None:
    change = PointChange(point_id, value, 0, True, to_micros(T0) + seconds * 1_000_000)
    with transaction.atomic():
        processor.process({point_id: change}, revision)


@pytest.mark.django_db
def test_values_raise_and_clear_the_alarm_with_field_time_and_revision(processor, ai_alarm):
    point = ai_alarm.point_id
    batch(processor, point, 90, 0, 10)
    batch(processor, point, 120, 5, 11)
    alarm = Alarm.objects.get(definition=ai_alarm)
    assert (alarm.state, alarm.active, alarm.revision) == ("unack", True, 11)
    assert alarm.state_since == T0.replace(second=5)
    assert alarm.message.startswith(f"{ai_alarm.tag}: 120 ")
    batch(processor, point, 97, 6, 12)  # inside the deadband: still active
    batch(processor, point, 94, 7, 13)
    rows = list(AlarmTransition.objects.values_list("event", "to_state", "revision", "value"))
    assert rows == [("activate", "unack", 11, 120.0), ("clear", "rtn_unack", 13, 94.0)]


@pytest.mark.django_db
def test_a_replayed_batch_adds_nothing(processor, ai_alarm):
    from alarms.processor import AlarmProcessor

    batch(processor, ai_alarm.point_id, 130, 1, 20)
    restarted = AlarmProcessor()  # a poller that restarts and replays its journal
    restarted.configure(ai_alarm.profile_id)
    batch(restarted, ai_alarm.point_id, 130, 1, 21)
    assert AlarmTransition.objects.count() == 1


@pytest.mark.django_db
def test_points_without_alarms_cost_no_query(processor, ai_alarm, django_assert_num_queries):
    other = ai_alarm.point_id + 100_000
    with django_assert_num_queries(0):
        processor.process({other: PointChange(other, 500.0, 0, True, 0)}, 30)


@pytest.mark.django_db(transaction=True)  # the processor keeps its counts once batches commit
def test_the_batches_count_their_activations_and_chattering(processor, ai_alarm):
    from alarms.models import ActivationCount, AlarmDayCount

    point = ai_alarm.point_id
    for seconds, value in [(0, 120), (10, 90), (20, 120), (30, 90), (40, 120), (200, 90)]:
        batch(processor, point, value, seconds, 100 + seconds)
    batch(processor, point, 120, 210, 400)  # 170 s after its second predecessor
    assert sum(ActivationCount.objects.values_list("activations", flat=True)) == 4
    (day,) = AlarmDayCount.objects.all()
    assert (day.activations, day.chattering) == (4, 1)  # the one at 40 s
