"""The alarms' scheduled work runs in the jobs process: registered, and doing its job."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alarms.models import Alarm
from alarms.states import State
from history.jobs import registered_jobs, run_due_jobs
from tests.alarms.support import raise_alarm

pytestmark = pytest.mark.django_db


def test_the_jobs_process_runs_the_alarms_work():
    names = {job.name for job in registered_jobs()}
    assert {"alarms.shelves", "alarms.notifications"} <= names


def test_an_expired_shelf_is_ended_by_the_jobs_process(processor, ai_alarm, client_as):
    alarm = raise_alarm(processor, ai_alarm)
    operator = client_as("operator")
    shelved = operator.post(
        f"/api/alarms/{alarm.pk}/shelve/", {"minutes": 5, "reason": "sensor maintenance"}
    )
    assert shelved.json()["state"] == "shelved"
    runs = run_due_jobs(timezone.now() + timedelta(minutes=6))
    assert [run.detail for run in runs if run.name == "alarms.shelves"] == ["1 shelves expired"]
    assert Alarm.objects.get(pk=alarm.pk).state == State.UNACK  # still active: called again
