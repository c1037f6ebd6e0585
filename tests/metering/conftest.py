"""A building of meters behind one gateway, with helpers to write their registers' samples."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import pytest

from metering.models import Building, Flat, MeterAssignment
from metering.registers import REGISTERS
from poll.models import AI, ModbusDevice, Point, Profile, Sample
from tests.console.conftest import browser  # noqa: F401 (the console's browser fixture)

T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def site(db) -> Profile:
    return Profile.objects.create(name="site", active=True)


@pytest.fixture
def make_meter(site: Profile) -> Callable[[str], ModbusDevice]:
    def make(name: str, unit: int = 1) -> ModbusDevice:
        device = ModbusDevice.objects.create(
            profile=site, name=name, host="127.0.0.1", port=5021, unit=unit, framing="rtu"
        )
        for index, register in enumerate(REGISTERS.values()):
            AI.objects.create(
                modbus_device=device,
                tag=f"{name}_{register}",
                unit="kWh",
                table="input_register",
                data_type="float32",
                address=index * 2,
            )
        return device

    return make


@pytest.fixture
def building(site: Profile) -> Building:
    return Building.objects.create(profile=site, name="House")


@pytest.fixture
def flat(building: Building) -> Flat:
    return Flat.objects.create(building=building, name="Flat 1", floor="1")


@pytest.fixture
def meter(make_meter, flat: Flat) -> ModbusDevice:
    device = make_meter("F01")
    MeterAssignment.objects.create(flat=flat, meter=device, start=datetime(2026, 1, 1, tzinfo=UTC))
    return device


def write(
    meter: ModbusDevice, reads: Iterable[tuple[datetime, float]], register: str = "IMP_KWH"
) -> None:
    """Samples of one register of ``meter``: (time, kWh)."""
    point = Point.objects.get(modbus_device=meter, tag=f"{meter.name}_{register}")
    Sample.objects.bulk_create(Sample(point=point, time=t, value=v, q=0) for t, v in reads)
