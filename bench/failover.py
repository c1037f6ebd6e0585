"""Failover between two pollers: takeover time, and events lost or stored twice.

Two ``manage.py poll`` processes (``alpha`` and ``beta``, each with its own spool) run on
PostgreSQL (database ``smve_bench_failover``, created afresh) against the Mara simulator's
quiet demo substation, whose field is driven all along. Each round SIGKILLs the poller
that holds the COMasters' leases and times how long until the standby holds them all (the
takeover); the killed poller is started again, as supervisor does, and the time until it
stands by is the baseline: how long the site would go unpolled with one poller under
supervisor. Rounds alternate which poller dies. At the end every event the simulator's
ledger says it handed out is looked for in the database: lost = handed out, not stored;
duplicated = stored more than once.

Run (PostgreSQL on 127.0.0.1): ``python -m bench.failover [--takeovers 5]``
"""

from __future__ import annotations

import argparse
import collections
import os
import signal
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

from bench.database import create_database

DATABASE = "smve_bench_failover"
URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
DEADLINE = 60.0


def prepare(workdir: Path) -> dict[str, Any]:
    """A fresh database with the quiet demo substation, polled ten times a second."""
    create_database(URL, fresh=True)
    os.environ.update(DATABASE_URL=URL, DJANGO_SETTINGS_MODULE="smve.settings", DEBUG="1")
    import django

    django.setup()
    from django.core.management import call_command

    from poll.models import COMaster
    from poll.profiles import load_profile
    from tests.poll.acquisition.processes import quiet_profile

    call_command("migrate", verbosity=0)
    profile_file = workdir / "profile.json"
    data = quiet_profile(profile_file)
    load_profile(data, activate=True)
    COMaster.objects.update(poll_interval=0.1, reply_timeout=0.2, attempts=3)
    return {"profile_file": profile_file, "profile": data}


def wait(condition: Any, what: str, step: float = 0.01) -> float:
    """Seconds until ``condition()`` held (polled every ``step``)."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > DEADLINE:
            raise SystemExit(f"timed out after {DEADLINE:g} s waiting for {what}")
        time.sleep(step)
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--takeovers", type=int, default=5)
    parser.add_argument("--drive", type=float, default=2.0, help="seconds of field changes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="smve-failover-") as temporary:
        run(Path(temporary), args.takeovers, args.drive)


def run(workdir: Path, takeovers: int, drive: float) -> None:
    setup = prepare(workdir)
    from django.db import connection

    from poll.acquisition.leases import APPLICATION_PREFIX, lease_owners
    from poll.models import COMaster, ComEvent, Energy, Event
    from tests.poll.acquisition.checks import drive_field, event_count, hand_out_last_events
    from tests.poll.acquisition.processes import Poller, Simulator

    comasters = COMaster.objects.count()

    def owned_by(name: str) -> bool:
        owners = [owner for (source, _), owner in lease_owners().items() if source == "mara"]
        return len(owners) == comasters and set(owners) == {name}

    def standing_by(name: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                [f"{APPLICATION_PREFIX}{name}"],
            )
            return bool(cursor.fetchone()[0])

    simulator = Simulator(setup["profile_file"], workdir, "--speed", "900")
    pollers: dict[str, Poller] = {}
    for name in ("alpha", "beta"):
        (workdir / name).mkdir()
        pollers[name] = Poller(workdir / name, URL, "--name", name)
        wait(partial(standing_by, name), f"{name} standing by")
    active, standby = ("alpha", "beta") if owned_by("alpha") else ("beta", "alpha")
    takeover_times: list[float] = []
    restart_times: list[float] = []
    try:
        for round_number in range(takeovers):
            drive_field(simulator, setup["profile"], seconds=drive, seed=round_number)
            killed_at = time.monotonic()
            pollers[active].stop(signal.SIGKILL)
            wait(partial(owned_by, standby), f"{standby} taking over")
            takeover_times.append(time.monotonic() - killed_at)
            restarted = time.monotonic()
            pollers[active].start()
            wait(partial(standing_by, active), f"{active} back", step=0.02)
            restart_times.append(time.monotonic() - restarted)
            print(
                f"takeover {round_number + 1}: {active} killed, {standby} took "
                f"{comasters} COMasters in {takeover_times[-1]:.2f} s; "
                f"{active} restarted and standing by in {restart_times[-1]:.2f} s",
                flush=True,
            )
            active, standby = standby, active
        hand_out_last_events(simulator, setup["profile"], event_count)
        simulator.control("stop")
        wait(
            lambda: not COMaster.objects.filter(online=True).exists(),
            "every COMaster offline",
            step=0.1,
        )
        ledger = simulator.ledger()
        handed_out = collections.Counter((line["comaster"], line["raw"]) for line in ledger)

        def stored_events() -> collections.Counter[tuple[str, str]]:
            return collections.Counter(
                (name, raw)
                for model in (Event, Energy)
                for name, raw in model.objects.values_list("comaster__name", "raw")
            )

        wait(lambda: sum(stored_events().values()) >= len(ledger), "every event stored", 0.1)
        stored = stored_events()
        lost = sum(1 for key in handed_out if key not in stored)
        duplicated = sum(count - 1 for count in stored.values() if count > 1)
        unknown = sum(1 for key in stored if key not in handed_out)
        link_events = ComEvent.objects.filter(source="poller").count()
    finally:
        for poller in pollers.values():
            poller.stop()
        simulator.stop()
    print(
        f"{takeovers} takeovers of {comasters} COMasters polled every 0.1 s: takeover "
        f"median {_median(takeover_times):.2f} s, max {max(takeover_times):.2f} s (limit 10 s); "
        f"baseline, one poller restarted by supervisor: median "
        f"{_median(restart_times):.2f} s until it polls again; ratio takeover/restart "
        f"{_median(takeover_times) / _median(restart_times):.2f}"
    )
    print(
        f"events handed out {len(ledger)}, stored {sum(stored.values())}, lost {lost}, "
        f"duplicated {duplicated}, stored but never handed out {unknown}; "
        f"link events {link_events}"
    )
    if lost or duplicated or unknown or max(takeover_times) >= 10.0:
        sys.exit(1)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


if __name__ == "__main__":
    main()
