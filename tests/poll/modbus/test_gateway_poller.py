"""The poller against six meters behind one simulated RTU gateway that takes one TCP
connection at a time (on the test database, SQLite or PostgreSQL): all six are polled over
that one connection, and a dead meter goes offline (its points not current) while its
neighbours go on being polled, then comes back."""

from __future__ import annotations

from poll.models import AI, ModbusDevice
from tests.poll.acquisition.processes import wait_until

from .conftest import BUILDING, load_on_port

NAMES = [f"F0{n}" for n in range(1, 7)]


def online(name: str) -> bool:
    return ModbusDevice.objects.filter(name=name, online=True).exists()


def polls(name: str) -> int:
    return ModbusDevice.objects.get(name=name).polls


def test_meters_behind_a_one_connection_gateway_and_a_dead_meter(modbus_site) -> None:
    load_on_port(BUILDING, modbus_site.port, poll_interval=0.5, reply_timeout=0.3, attempts=2)
    simulator = modbus_site.simulator("meters", "--count", "6", "--one-connection")
    modbus_site.poller()
    # A second connection would be refused by the gateway: every meter online means shared.
    wait_until(lambda: all(online(name) for name in NAMES), 30, "six meters online")
    wait_until(
        lambda: not AI.objects.filter(modbus_device__name__in=NAMES, current=False).exists(),
        30,
        "every meter point current",
    )

    assert simulator.control("stop", device="F03")["ok"]
    wait_until(lambda: not online("F03"), 15, "the dead meter offline")
    wait_until(
        lambda: not AI.objects.filter(modbus_device__name="F03", current=True).exists(),
        15,
        "the dead meter's points not current",
    )
    before = {name: polls(name) for name in NAMES if name != "F03"}
    wait_until(
        lambda: all(polls(name) > count + 3 for name, count in before.items()),
        30,
        "the neighbours polled on",
    )
    assert all(online(name) for name in before)

    assert simulator.control("resume", device="F03")["ok"]
    wait_until(lambda: online("F03"), 30, "the dead meter back online")
    wait_until(
        lambda: not AI.objects.filter(modbus_device__name="F03", current=False).exists(),
        30,
        "its points current again",
    )
