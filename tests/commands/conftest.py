"""Fixtures of the commands' tests: the demo substation with a breaker command."""

from __future__ import annotations

import pytest


@pytest.fixture
def breaker(demo_profile):
    """"Open" on E4's bus coupler breaker (E4DI00), select-before-operate, feedback 0."""
    from commands.models import CommandDefinition, Kind
    from poll.models import Point

    point = Point.objects.get(profile=demo_profile, tag="E4DI00")
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
def setpoint(demo_profile):
    """A confirmed direct operate setpoint on an AI of the demo (limits 0..100)."""
    from commands.models import CommandDefinition, Kind
    from poll.models import Point

    point = Point.objects.filter(profile=demo_profile, kind="ai").first()
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
