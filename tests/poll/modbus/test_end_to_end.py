"""The poller against the Modbus simulators over real TCP, on the test database (SQLite or
PostgreSQL): values and history, coil alarms as events, the meters behind an RTU gateway,
exception replies, a device that goes away and comes back, live reconfiguration."""

from __future__ import annotations

import time

import pytest

from poll.models import AI, DI, ComEvent, Event, ModbusDevice, Point, Sample
from tests.poll.acquisition.processes import wait_until

from .conftest import BUILDING, PLANT, load_on_port

pytestmark = pytest.mark.slow

SETTINGS_REGISTERS = range(5, 21)
"""Setpoints and program durations: they stay put unless written."""


def plant_values_match(state: dict) -> list[str]:
    """Points whose stored value differs from the simulator's coils and settings."""
    wrong = []
    for point in Point.objects.filter(modbus_device__name="SBR01"):
        assert point.address is not None  # the modbus_point_has_address constraint
        if point.table == "coil" and point.address < len(state["coils"]):
            want = float(state["coils"][point.address])
        elif point.table == "holding_register" and point.address in SETTINGS_REGISTERS:
            want = state["registers"][point.address] * point.escala
        else:
            continue
        if not point.current or point.value is None or abs(point.value - want) > 1e-9:
            wrong.append(f"{point.tag}: stored {point.value} ({point.current}), simulator {want}")
    return wrong


def link_history(name: str) -> list[int]:
    return list(
        ComEvent.objects.filter(modbus_device__name=name, source="poller")
        .order_by("received_at", "id")
        .values_list("reason", flat=True)
    )


def online(name: str) -> bool:
    return ModbusDevice.objects.filter(name=name, online=True).exists()


def test_plant_values_history_alarms_and_link_changes(modbus_site) -> None:
    load_on_port(PLANT, modbus_site.port)
    simulator = modbus_site.simulator("plant")
    poller = modbus_site.poller()
    wait_until(lambda: online("SBR01"), 30, "the plant online")
    state = simulator.state("SBR01")
    wait_until(lambda: not plant_values_match(state), 30, "values as simulated")
    level = AI.objects.get(tag="PLT_LEVEL")
    assert level.current and abs(level.value - state["registers"][0] * 0.01) < 0.5
    wait_until(lambda: Sample.objects.filter(point=level).exists(), 10, "level history")

    estop = DI.objects.get(tag="PLT_ALM_ESTOP")
    assert estop.value == 0.0
    simulator.control("set_value", device="SBR01", tag="PLT_ALM_ESTOP", value=1)
    event = wait_until(lambda: Event.objects.filter(di=estop).first(), 10, "the alarm event")
    assert event.value == 1 and event.time is not None and event.comaster_id is None
    assert DI.objects.get(tag="PLT_NO_ALARM").value == 0.0

    simulator.control("stop", device="SBR01")
    wait_until(lambda: not online("SBR01"), 15, "the plant offline")
    assert not AI.objects.get(tag="PLT_LEVEL").current
    simulator.control("resume", device="SBR01")
    wait_until(lambda: online("SBR01"), 15, "the plant online again")
    assert link_history("SBR01") == [1, 0, 1]
    assert Event.objects.filter(di=estop).count() == 1  # still on: no new edge
    assert poller.stop() == 0


def test_an_exception_reply_is_counted_and_never_decoded(modbus_site) -> None:
    load_on_port(PLANT, modbus_site.port)
    device = ModbusDevice.objects.get(name="SBR01")
    AI.objects.create(
        modbus_device=device,
        tag="PLT_BEYOND_MAP",
        table="holding_register",
        address=100,
        data_type="uint16",
    )
    modbus_site.simulator("plant")
    modbus_site.poller()

    def refused() -> bool:
        device.refresh_from_db()
        return device.exceptions > 0

    wait_until(refused, 30, "an exception reply")
    assert "exception 2 (ILLEGAL_DATA_ADDRESS)" in device.last_error
    assert "PLT_BEYOND_MAP" in device.last_error
    beyond = AI.objects.get(tag="PLT_BEYOND_MAP")
    assert (beyond.value, beyond.current) == (None, False)
    assert not Sample.objects.filter(point=beyond).exists()
    assert device.online and AI.objects.get(tag="PLT_LEVEL").current


def test_meters_behind_an_rtu_gateway_and_live_reconfiguration(modbus_site) -> None:
    load_on_port(BUILDING, modbus_site.port, poll_interval=0.5)
    modbus_site.simulator("meters", "--count", "6")
    modbus_site.poller()
    names = [f"F0{n}" for n in range(1, 7)]
    wait_until(lambda: all(online(name) for name in names), 30, "six meters online")
    wait_until(
        lambda: not AI.objects.filter(modbus_device__name__in=names, current=False).exists(),
        30,
        "every meter point current",
    )
    assert 200 < AI.objects.get(tag="F03_V1").value < 260
    assert AI.objects.get(tag="F03_FREQ").value == pytest.approx(50, abs=1)

    meter = ModbusDevice.objects.get(name="F02")
    meter.enabled = False
    meter.save()
    disabled_at = time.monotonic()
    wait_until(lambda: not online("F02"), 10, "the disabled meter offline")
    assert time.monotonic() - disabled_at < 5 + 1  # the 5 s promise, and the test's polling
    meter.refresh_from_db()
    polls = meter.polls
    wait_until(
        lambda: ModbusDevice.objects.get(name="F01").polls > polls + 4, 15, "others polled on"
    )
    meter.refresh_from_db()
    assert meter.polls == polls
    assert not AI.objects.get(tag="F02_V1").current
