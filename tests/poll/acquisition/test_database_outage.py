"""A PostgreSQL outage in the middle of polling: the poller keeps polling, journals, and
writes everything once the database is back.

The test runs a throwaway PostgreSQL cluster of its own (initdb into a temporary
directory, another port) so that it can stop and start it; initdb and postgres refuse to
run as root, so as root they run as the ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from .checks import assert_ledger_stored_once, drive_field, hand_out_last_events, masks
from .processes import ROOT, Poller, Simulator, free_port, quiet_profile, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

INITDB = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


class ThrowawayCluster:
    """A PostgreSQL server in a temporary directory that a test may stop and start."""

    def __init__(self) -> None:
        self.bin = Path(INITDB[-1]).parent
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="smve-outage-"))
        self.data = self.directory / "data"
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as_postgres:
            shutil.chown(self.directory, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/smve_outage"

    def _run(self, *command: str) -> None:
        subprocess.run([*self._as_postgres, *command], check=True, capture_output=True)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.directory / "server.log")
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "start"
        )

    def stop(self) -> None:
        """Fast shutdown: every client is cut off at once."""
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with psycopg.connect(self.url.replace("postgres://", "postgresql://")) as db:
            return db.execute(sql, params).fetchall()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[ThrowawayCluster]:
    if connection.vendor != "postgresql":
        pytest.skip("the outage test runs in the PostgreSQL run of the suite")
    if not INITDB:
        pytest.skip("no /usr/lib/postgresql/*/bin/initdb to run a throwaway cluster with")
    cluster = ThrowawayCluster()
    cluster.start()
    yield cluster
    cluster.remove()


def manage(url: str, *arguments: str) -> None:
    environment = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "outage-test"}
    environment["DJANGO_SETTINGS_MODULE"] = "smve.settings"
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
    )


def polls_sent(metrics_port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as page:
        text = page.read().decode()
    match = re.search(r"^smve_poll_requests_total (\S+)$", text, re.M)
    assert match is not None, "the poller exports smve_poll_requests_total"
    return float(match.group(1))


def test_nothing_is_lost_and_polling_goes_on_during_an_outage(cluster, tmp_path) -> None:
    with psycopg.connect(
        f"host=127.0.0.1 port={cluster.port} user=postgres dbname=postgres", autocommit=True
    ) as admin:
        admin.execute("CREATE DATABASE smve_outage")
    manage(cluster.url, "migrate", "--no-input")
    profile_path = tmp_path / "profile.json"
    profile = quiet_profile(profile_path)
    manage(cluster.url, "load_profile", str(profile_path), "--activate")
    cluster.query("UPDATE poll_comaster SET poll_interval = 0.05, reply_timeout = 0.1 RETURNING id")

    simulator = Simulator(profile_path, tmp_path, "--speed", "900")
    metrics_port = free_port()
    poller = Poller(tmp_path, cluster.url, "--metrics-port", str(metrics_port))
    try:
        drive_field(simulator, profile, seconds=2, seed=5)
        wait_until(lambda: cluster.query("SELECT count(*) FROM poll_event")[0][0], 30, "events")

        cluster.stop()
        before = polls_sent(metrics_port)
        drive_field(simulator, profile, seconds=3, seed=6)
        wait_until(lambda: polls_sent(metrics_port) > before + 50, 30, "polls during the outage")
        cluster.start()

        def events_of(tag: str) -> int:
            sql = (
                "SELECT count(*) FROM poll_event e JOIN poll_point p ON p.id = e.di_id "
                "WHERE p.tag = %s"
            )
            return cluster.query(sql, (tag,))[0][0]

        hand_out_last_events(simulator, profile, events_of)
        simulator.control("stop")
        wait_until(
            lambda: not cluster.query("SELECT count(*) FROM poll_comaster WHERE online")[0][0],
            30,
            "both COMasters offline",
        )
        ledger = simulator.ledger()

        def stored() -> tuple[list[tuple], list[tuple]]:
            select = (
                "SELECT c.name, r.raw, r.time, r.value FROM {} r "
                "JOIN poll_comaster c ON c.id = r.comaster_id"
            )
            return cluster.query(select.format("poll_event")), cluster.query(
                select.format("poll_energy")
            )

        wait_until(lambda: sum(map(len, stored())) >= len(ledger), 30, "every event stored")
        assert_ledger_stored_once(ledger, masks(profile), stored())
        assert poller.stop() == 0
        assert poller.log.count("database unreachable") == 1
        assert poller.log.count("database back") == 1
    finally:
        poller.stop()
        simulator.stop()
