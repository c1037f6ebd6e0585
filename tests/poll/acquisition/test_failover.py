"""Redundant and sharded pollers (poll.acquisition.leases): real poller processes, the
Mara simulator over TCP and its ledger as the judge of what was handed out.

On PostgreSQL, a standby takes over the links of a poller killed with SIGKILL within
10 s, and the killed one, restarted as supervisor would, waits as the standby; no event
is lost or stored twice over several takeovers. Pollers of different shards split the
site. On SQLite a second poller is refused.
"""

from __future__ import annotations

import signal
import time
from functools import partial

import pytest
from django.db import connection

from poll.acquisition.leases import APPLICATION_PREFIX, lease_owners
from poll.models import COMaster

from .checks import (
    all_offline,
    all_online,
    assert_ledger_stored_once,
    drive_field,
    event_count,
    hand_out_last_events,
    masks,
    stored_count,
    stored_records,
)
from .conftest import Site
from .processes import Poller, database_url, wait_until

pytestmark = pytest.mark.slow

TAKEOVER_SECONDS = 10.0
ENERGY_EVERY_SECOND = ("--speed", "900")  # a 15-minute energy period per real second


@pytest.fixture
def postgres_site(site: Site) -> Site:
    if connection.vendor != "postgresql":
        pytest.skip("several pollers need PostgreSQL (their leases are advisory locks)")
    return site


def named_poller(site: Site, name: str, *arguments: str) -> Poller:
    """A poller with a name and a spool folder of its own, stopped with the site."""
    workdir = site.workdir / name
    workdir.mkdir(exist_ok=True)
    poller = Poller(workdir, database_url(connection.settings_dict), "--name", name, *arguments)
    site.started.insert(0, poller)
    return poller


def owners() -> dict[str, str]:
    """COMaster name -> the poller that holds its lease."""
    names = dict(COMaster.objects.values_list("pk", "name"))
    held = lease_owners().items()
    return {names[unit]: owner for (source, unit), owner in held if source == "mara"}


def standing_by(name: str) -> bool:
    """The poller's lease connection is open: it runs, and takes what is free."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            [f"{APPLICATION_PREFIX}{name}"],
        )
        return bool(cursor.fetchone()[0])


def owned_by(name: str) -> bool:
    return set(owners().values()) == {name} and len(owners()) == COMaster.objects.count()


def test_a_standby_takes_over_within_ten_seconds_and_no_event_is_lost(postgres_site) -> None:
    site = postgres_site
    simulator = site.simulator(*ENERGY_EVERY_SECOND)
    pollers = {"alpha": named_poller(site, "alpha")}
    wait_until(lambda: owned_by("alpha"), 30, "alpha holding every COMaster")
    pollers["beta"] = named_poller(site, "beta")
    wait_until(all_online, 30, "both COMasters online")
    takeovers = []
    active, standby = "alpha", "beta"
    for seed in range(3):
        wait_until(partial(standing_by, standby), 60, f"{standby} standing by")
        drive_field(simulator, site.profile, seconds=1.5, seed=seed)
        killed_at = time.monotonic()
        pollers[active].stop(signal.SIGKILL)
        wait_until(partial(owned_by, standby), TAKEOVER_SECONDS, f"{standby} taking over")
        takeovers.append(time.monotonic() - killed_at)
        drive_field(simulator, site.profile, seconds=1.0, seed=10 + seed)
        pollers[active].start()  # as supervisor does: it comes back as the standby
        active, standby = standby, active
    assert all(seconds < TAKEOVER_SECONDS for seconds in takeovers), takeovers
    wait_until(lambda: standing_by(standby), 60, f"{standby} standing by")
    hand_out_last_events(simulator, site.profile, event_count)
    simulator.control("stop")
    wait_until(all_offline, 30, "both COMasters offline")
    ledger = simulator.ledger()
    wait_until(lambda: stored_count() >= len(ledger), 30, "every event stored")
    assert_ledger_stored_once(ledger, masks(site.profile), stored_records())
    assert sum(line["event"]["type"] == "energy" for line in ledger) > 0
    for poller in pollers.values():
        assert poller.stop() == 0
        assert "Traceback" not in poller.log


def test_pollers_of_two_shards_split_the_site(postgres_site) -> None:
    site = postgres_site
    COMaster.objects.filter(name="E4").update(shard="north")
    COMaster.objects.filter(name="E5").update(shard="south")
    site.simulator()
    north = named_poller(site, "north-1", "--shard", "north")
    south = named_poller(site, "south-1", "--shard", "south")
    wait_until(all_online, 30, "both COMasters online")
    wait_until(lambda: owners() == {"E4": "north-1", "E5": "south-1"}, 10, "one COMaster each")
    # A standby of one shard takes only that shard's links.
    standby = named_poller(site, "north-2", "--shard", "north")
    wait_until(lambda: standing_by("north-2"), 60, "north-2 standing by")
    north.stop(signal.SIGKILL)
    wait_until(lambda: owners() == {"E4": "north-2", "E5": "south-1"}, 10, "north-2 on E4")
    wait_until(all_online, 30, "both COMasters online again")
    assert south.stop() == 0 and standby.stop() == 0


def test_sqlite_refuses_a_second_poller(site: Site) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the single-poller rule is SQLite's")
    site.simulator()
    first = named_poller(site, "first")
    wait_until(all_online, 30, "both COMasters online")
    second = named_poller(site, "second")
    assert second.process is not None
    assert second.process.wait(60) == 1
    assert "SQLite takes one poller" in second.log
    assert first.process is not None and first.process.poll() is None
    assert first.stop() == 0
