"""Fixtures of the commands' tests: the demo substation with a breaker command."""

from __future__ import annotations

import pytest

#: A small station: what the commands' tests need, quicker to load than the whole demo.
STATION = {
    "profile": {"name": "Commands test station"},
    "comasters": [
        {
            "name": "E4",
            "host": "127.0.0.1",
            "port": 9761,
            "address": 1,
            "ieds": [
                {
                    "offset": 0,
                    "address": 0,
                    "name": "station",
                    "sv": [{"tag": "E4SV04", "offset": 4, "bit": None}],
                    "di": [
                        {"tag": "E4DI00", "offset": 0, "port": 0, "bit": 0},
                        {"tag": "E4DI01", "offset": 1, "port": 0, "bit": 1},
                    ],
                    "ai": [{"tag": "E41BAR00", "offset": 0, "unit": "kV", "escala": 0.01}],
                }
            ],
        }
    ],
}


@pytest.fixture
def station(db):
    from poll.profiles import load_profile

    return load_profile(STATION, activate=True)


@pytest.fixture
def breaker(station):
    """ "Open" on E4's bus coupler breaker (E4DI00), select-before-operate, feedback 0."""
    from commands.models import CommandDefinition, Kind
    from poll.models import Point

    point = Point.objects.get(profile=station, tag="E4DI00")
    Point.objects.filter(pk=point.pk).update(value=1)
    point.refresh_from_db()
    definition = CommandDefinition(
        point=point,
        label="Open",
        kind=Kind.MARA_PORT_BIT,
        target={"port": 0, "bit": 0},
        value=0,
        feedback_value=0,
        feedback_within=2.0,
    )
    definition.full_clean()
    definition.save()
    return definition


@pytest.fixture
def setpoint(station):
    """A confirmed direct operate setpoint on an AI of the demo (limits 0..100)."""
    from commands.models import CommandDefinition, Kind
    from poll.models import Point

    point = Point.objects.filter(profile=station, kind="ai").first()
    definition = CommandDefinition(
        point=point,
        label="Set",
        kind=Kind.MODBUS_REGISTER,
        target={"address": 10},
        minimum=0,
        maximum=100,
        select_before_operate=False,
    )
    definition.full_clean()
    definition.save()
    return definition


@pytest.fixture
def actor(role_user):
    from commands.service import Actor

    users: dict[str, object] = {}

    def make(role: str, address: str = "127.0.0.1") -> Actor:
        if role not in users:
            users[role] = role_user(role)
        return Actor(users[role], address)

    return make
