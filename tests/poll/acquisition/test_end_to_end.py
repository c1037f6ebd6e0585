"""The poller against the simulator over real TCP, on the test database (SQLite or
PostgreSQL): faults, clean shutdown, a killed poller, live reconfiguration."""

from __future__ import annotations

import signal

import pytest

from poll.acquisition.journal import Journal
from poll.models import DI, COMaster, Event

from .checks import (
    all_offline,
    all_online,
    assert_ledger_stored_once,
    drive_field,
    escalas,
    event_count,
    hand_out_last_events,
    link_history,
    masks,
    polled_at_least,
    stored_count,
    stored_records,
    values_match,
)
from .processes import wait_until

pytestmark = pytest.mark.slow

EVERY_FAULT = (
    *("--drop", "0.05", "--corrupt", "0.05", "--garbage", "0.05"),
    *("--delay", "0.002", "--split", "40"),
    *("--close-every", "53", "--stall-every", "97", "--stall-for", "0.5"),
)
NO_FAULTS = {
    "drop": 0.0,
    "corrupt": 0.0,
    "garbage": 0.0,
    "delay": 0.0,
    "split": 0,
    "close_every": 0,
    "stall_every": 0,
}
ENERGY_EVERY_SECOND = ("--speed", "900")  # a 15-minute energy period per real second


def test_every_event_is_stored_once_under_every_fault(site) -> None:
    simulator = site.simulator(*EVERY_FAULT, *ENERGY_EVERY_SECOND)
    poller = site.poller()
    drive_field(simulator, site.profile, seconds=120, seed=1, until=polled_at_least(300))
    simulator.control("set_faults", **NO_FAULTS)
    hand_out_last_events(simulator, site.profile, event_count)
    state = simulator.state()
    wait_until(lambda: not values_match(state, escalas(site.profile)), 30, "values as simulated")

    simulator.control("stop")  # silence: both COMasters go offline, the ledger is final
    wait_until(all_offline, 30, "both COMasters offline")
    ledger = simulator.ledger()
    wait_until(lambda: stored_count() >= len(ledger), 30, "every event stored")
    assert_ledger_stored_once(ledger, masks(site.profile), stored_records())
    assert sum(line["event"]["type"] == "energy" for line in ledger) > 0

    for comaster in COMaster.objects.all():
        assert comaster.timeouts > 0 and comaster.bad_frames > 0 and comaster.reconnects > 0
        history = link_history(comaster.name)
        assert history[0] == 1 and history[-1] == 0 and len(history) >= 4
        assert all(a != b for a, b in zip(history, history[1:], strict=False))
    assert poller.stop() == 0


def test_sigterm_stops_cleanly_with_everything_written(site) -> None:
    simulator = site.simulator()
    poller = site.poller("--metrics-port", "0")
    wait_until(all_online, 30, "both COMasters online")
    simulator.control("set_di", comaster="E4", tag="E4DI02", value=1)
    assert poller.stop(signal.SIGTERM) == 0
    assert "stopped" in poller.log and "Traceback" not in poller.log
    spool = site.workdir / "spool"
    journal = Journal(spool)
    journal.close()
    assert journal.last_entry > 0 and journal.applied == journal.last_entry


def test_a_killed_poller_loses_no_event_when_restarted(site) -> None:
    simulator = site.simulator("--drop", "0.1", *ENERGY_EVERY_SECOND)
    poller = site.poller()
    drive_field(simulator, site.profile, seconds=4, seed=2)
    poller.stop(signal.SIGKILL)
    drive_field(simulator, site.profile, seconds=1, seed=3)
    poller.start()
    drive_field(simulator, site.profile, seconds=3, seed=4)
    simulator.control("set_faults", drop=0.0)
    hand_out_last_events(simulator, site.profile, event_count)
    simulator.control("stop")
    wait_until(all_offline, 30, "both COMasters offline")
    ledger = simulator.ledger()
    wait_until(lambda: stored_count() >= len(ledger), 30, "every event stored")
    assert_ledger_stored_once(ledger, masks(site.profile), stored_records())


def test_configuration_changes_reach_the_running_poller(site) -> None:
    simulator = site.simulator()
    site.poller()
    wait_until(all_online, 30, "both COMasters online")

    di = DI.objects.get(tag="E4DI00")
    field_value = simulator.state()["E4"]["di"]["E4DI00"]
    di.inverted = not di.inverted
    di.save()
    wait_until(lambda: DI.objects.get(pk=di.pk).value == 1 - field_value, 15, "the inverted value")

    e5 = COMaster.objects.get(name="E5")
    e5.enabled = False
    e5.save()
    wait_until(lambda: not COMaster.objects.get(pk=e5.pk).online, 15, "E5 no longer polled")
    field = simulator.state()
    simulator.control("set_di", comaster="E5", tag="E5DI00", value=1 - field["E5"]["di"]["E5DI00"])
    simulator.control("set_di", comaster="E4", tag="E4DI01", value=1 - field["E4"]["di"]["E4DI01"])
    wait_until(lambda: Event.objects.filter(di__tag="E4DI01").exists(), 15, "E4 still polled")
    assert simulator.state()["E5"]["pending_events"] == 1  # nobody asked E5 for it

    e5.enabled = True
    e5.save()
    wait_until(lambda: Event.objects.filter(di__tag="E5DI00").exists(), 15, "E5 polled again")
