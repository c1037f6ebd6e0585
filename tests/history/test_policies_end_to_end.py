"""A communication loss end to end: the poller reads the plant's Modbus simulator, the
simulator stops, the history gets a "no data" mark and ``/api/history/`` a gap; the
simulator comes back and the first reading is sampled at once. Real TCP, real poller
process, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from poll.acquisition.point_states import NO_DATA
from poll.models import AI, ModbusDevice, Sample
from tests.poll.acquisition.processes import wait_until
from tests.poll.modbus.conftest import PLANT, load_on_port, modbus_site  # noqa: F401

pytestmark = pytest.mark.slow


def online() -> bool:
    return ModbusDevice.objects.filter(name="SBR01", online=True).exists()


def test_a_stopped_simulator_leaves_a_gap_in_the_history(modbus_site, role_user) -> None:  # noqa: F811
    load_on_port(PLANT, modbus_site.port)
    level = AI.objects.get(tag="PLT_LEVEL")
    simulator = modbus_site.simulator("plant")
    modbus_site.poller()
    wait_until(online, 30, "the plant online")
    samples = Sample.objects.filter(point=level)
    wait_until(lambda: samples.filter(q=0).exists(), 30, "a level sample")

    simulator.stop()
    wait_until(lambda: samples.filter(q=NO_DATA).exists(), 30, "a no-data mark")
    mark = samples.get(q=NO_DATA)
    assert mark.value is None
    assert not samples.filter(time__gt=mark.time).exists()

    modbus_site.simulator("plant")
    wait_until(lambda: samples.filter(time__gt=mark.time).exists(), 60, "a sample once back")
    back = samples.filter(time__gt=mark.time).earliest("time")
    assert back.value is not None and back.q == 0
    assert samples.filter(q=NO_DATA).count() == 1  # one mark for one outage

    viewer = APIClient()
    viewer.force_authenticate(role_user("viewer"))
    query = {
        "tag": "PLT_LEVEL",
        "start": mark.time.isoformat(),
        "end": (back.time + timedelta(seconds=1)).isoformat(),
        "max_points": "10000",
    }
    series = viewer.get("/api/history/", query).json()["series"][0]
    assert series["avg"][0] is None  # the outage: a gap, never a line across it
    assert series["avg"][1] == pytest.approx(back.value)
