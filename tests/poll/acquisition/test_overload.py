"""The poller starved, against the simulator's ledger: late, never lost.

While the field hands out events, the poller is starved in the ways an overloaded machine
starves it: processes that keep every core busy, a database that does not take the writer's
inserts for seconds (a lock held on the events table, or on SQLite the whole database), and
the poller's own process stopped outright for a moment (its timers then all fire late, its
replies wait in the sockets, the COMasters time out and reconnect). The writer's memory
queue is made small, so that it overflows as it does after tens of seconds of a real
overload. Afterwards every event the simulator handed out is in the database exactly once.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connection

from .checks import (
    all_offline,
    assert_ledger_stored_once,
    drive_field,
    event_count,
    hand_out_last_events,
    masks,
    polled_at_least,
    stored_count,
    stored_records,
)
from .processes import Poller, database_url, wait_until

pytestmark = pytest.mark.slow

ENERGY_EVERY_SECOND = ("--speed", "900")
SMALL_QUEUE = {"POLL_QUEUE_ENTRIES": "10", "POLL_MAX_BATCH_ENTRIES": "8"}
"""A queue that overflows within a second of the writer falling behind, and transactions
that leave part of it queued: queued runs then have gaps the journal fills (see
test_writer's test of the dropped entry)."""
ROUNDS = 2
LOCK_SECONDS = 3.0
STOP_SECONDS = 1.5


@contextmanager
def cpu_hogs() -> Iterator[None]:
    """A busy process per core for as long as the block runs."""
    hogs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 1)
    ]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def hold_database(seconds: float) -> None:
    """Keep the writer's inserts out for ``seconds``: a lock on the events table on
    PostgreSQL, a write transaction (the whole file) on SQLite."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        whole_file = sqlite3.connect(settings["NAME"], timeout=30)
        try:
            whole_file.execute("BEGIN IMMEDIATE")
            threading.Event().wait(seconds)  # the fault lasts this long
            whole_file.rollback()
        finally:
            whole_file.close()
        return
    import psycopg

    url = database_url(settings).replace("postgres://", "postgresql://")
    with psycopg.connect(url) as held:
        held.execute("LOCK TABLE poll_event IN SHARE ROW EXCLUSIVE MODE")
        threading.Event().wait(seconds)  # the fault lasts this long
        held.rollback()


def starve(poller: Poller, done: threading.Event) -> None:
    assert poller.process is not None
    pid = poller.process.pid
    try:
        for _ in range(ROUNDS):
            with cpu_hogs():
                hold_database(LOCK_SECONDS)
                os.kill(pid, signal.SIGSTOP)
                try:
                    threading.Event().wait(STOP_SECONDS)  # the fault lasts this long
                finally:
                    os.kill(pid, signal.SIGCONT)
    finally:
        done.set()


def test_a_starved_poller_is_late_but_loses_no_event(site) -> None:
    simulator = site.simulator(*ENERGY_EVERY_SECOND)
    poller = site.poller(**SMALL_QUEUE)
    drive_field(simulator, site.profile, seconds=60, seed=4, until=polled_at_least(40))

    done = threading.Event()
    starving = threading.Thread(target=starve, args=(poller, done), name="starve")
    starving.start()
    try:
        drive_field(simulator, site.profile, seconds=120, seed=5, until=done.is_set)
    finally:
        starving.join()
    drive_field(simulator, site.profile, seconds=2, seed=6)

    hand_out_last_events(simulator, site.profile, event_count)
    simulator.control("stop")  # silence: the ledger is final
    wait_until(all_offline, 30, "both COMasters offline")
    ledger = simulator.ledger()
    wait_until(lambda: stored_count() >= len(ledger), 60, "every event stored")
    assert_ledger_stored_once(ledger, masks(site.profile), stored_records())
    assert any(line["event"]["type"] == "energy" for line in ledger)
    assert poller.stop() == 0
