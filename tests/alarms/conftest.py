"""Fixtures of the alarms tests: a small profile and alarm definitions on its points."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

SMALL_PROFILE = {
    "profile": {"name": "Alarm test site"},
    "comasters": [
        {
            "name": "E9",
            "host": "127.0.0.1",
            "port": 9761,
            "address": 1,
            "ieds": [
                {
                    "offset": 1,
                    "address": 1,
                    "name": "Feeder relay",
                    "ai": [{"tag": "E9AI00", "offset": 0, "unit": "A", "escala": 1.0}],
                    "di": [{"tag": "E9DI00", "offset": 0, "port": 1, "bit": 0}],
                }
            ],
        }
    ],
}


@pytest.fixture
def small_profile(db):
    """One COMaster, one IED, an AI and a DI: loads much faster than the demo."""
    from poll.profiles import load_profile

    return load_profile(SMALL_PROFILE, activate=True)


@pytest.fixture
def ai_alarm(small_profile):
    """An H alarm (above 100, deadband 5) on the analog input."""
    from alarms.models import AlarmDefinition
    from poll.models import Point

    point = Point.objects.filter(profile=small_profile, kind="ai").order_by("id").first()
    return AlarmDefinition.objects.create(
        profile=small_profile,
        point=point,
        tag=f"{point.tag}_H",
        kind="h",
        setpoint=100.0,
        deadband=5.0,
        priority="high",
        area="E4",
        message="{tag}: {value} {unit} above 100",
    )


@pytest.fixture
def processor(ai_alarm):
    from alarms.processor import AlarmProcessor

    made = AlarmProcessor()
    made.configure(ai_alarm.profile_id)
    return made


@pytest.fixture
def client_as_viewer(role_user):
    client = APIClient()
    client.force_login(role_user("viewer"))
    return client


@pytest.fixture
def client_as(role_user):
    """An API client logged in with a user of the given role."""

    def make(role: str) -> APIClient:
        client = APIClient()
        client.force_login(role_user(role))
        return client

    return make
