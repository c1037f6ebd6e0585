"""A small active site with two AIs, quicker to make than the demo profile."""

from __future__ import annotations

import pytest

from poll.models import AI, ModbusDevice, Point, Profile


@pytest.fixture
def pens(db) -> list[Point]:
    profile = Profile.objects.create(name="site", active=True)
    device = ModbusDevice.objects.create(profile=profile, name="PLC", host="127.0.0.1")
    fields = {"table": "holding_register", "data_type": "uint16"}
    return [
        AI.objects.create(modbus_device=device, tag="LEVEL", unit="m", address=0, **fields),
        AI.objects.create(modbus_device=device, tag="FLOW", unit="m3/h", address=1, **fields),
    ]


@pytest.fixture
def point(pens: list[Point]) -> Point:
    return pens[0]
