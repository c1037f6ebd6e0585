"""The restore drill of docs/deployment.md ("Backups"), on PostgreSQL: a site with its
configuration, field history and audit is dumped with ``pg_dump -Fc``, restored with
``pg_restore`` into a fresh database, and the web server and the poller start on the copy,
where everything is found and acquisition goes on."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.db.models import Model
from psycopg import sql

from hmi.models import Formula, GraphicElement, Screen
from hmi.screen_import import import_drawing
from ops.models import OperationsAction
from poll.models import COMaster, Event, Point, PollerHeartbeat, Profile
from poll.profiles import load_profile
from tests.hmi.asgi_server import asgi_server
from tests.hmi.support import overview_drawing
from tests.poll.acquisition.checks import event_count
from tests.poll.acquisition.processes import (
    Poller,
    Simulator,
    database_url,
    quiet_profile,
    wait_until,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
KEPT: tuple[type[Model], ...] = (
    Profile, COMaster, Point, Screen, GraphicElement, Formula, Event, OperationsAction,
)  # fmt: skip


@pytest.fixture
def site(tmp_path: Path, transactional_db: None) -> Iterator[dict]:
    if connection.vendor != "postgresql":
        pytest.skip("restore drill skipped on SQLite: backups are of PostgreSQL")
    profile_file = tmp_path / "profile.json"
    data = quiet_profile(profile_file)
    profile = load_profile(data, activate=True)
    COMaster.objects.update(poll_interval=0.1, reply_timeout=0.5)
    import_drawing(profile, "overview", overview_drawing())
    Formula.objects.create(
        element=GraphicElement.objects.get(tag="E4DI00"),
        attribute="fill",
        source="SI(di.E4DI00.value,1,2)",
    )
    OperationsAction.objects.create(
        username="boss", action="restart", program="smve-poll:smve-poll", outcome="done"
    )
    simulator = Simulator(profile_file, tmp_path)
    try:
        yield {"simulator": simulator, "tmp": tmp_path}
    finally:
        simulator.stop()


def flip_and_store(simulator: Simulator, count: Callable[[], int]) -> None:
    before = count()
    value = 1 - simulator.state()["E4"]["di"]["E4DI00"]
    simulator.control("set_di", comaster="E4", tag="E4DI00", value=value)
    wait_until(lambda: count() > before, 30, "the flip's event stored")


def connect(name: str) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=name,
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        autocommit=True,
    )


def counts(name: str) -> dict[str, int]:
    found = {}
    with connect(name) as copy:
        for model in KEPT:
            query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(model._meta.db_table))
            row = copy.execute(query).fetchone()
            found[model.__name__] = row[0] if row else 0
    return found


def pg_tool(*arguments: str) -> None:
    settings = connection.settings_dict
    where = ["-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432)]
    if settings["USER"]:
        where += ["-U", settings["USER"]]
    subprocess.run([arguments[0], *where, *arguments[1:]], check=True, capture_output=True)


def test_a_dump_restores_into_a_database_the_site_runs_on(site: dict) -> None:
    simulator, tmp = site["simulator"], site["tmp"]
    original = connection.settings_dict["NAME"]
    poller = Poller(tmp, database_url(connection.settings_dict))
    try:
        flip_and_store(simulator, lambda: event_count("E4DI00"))
    finally:
        poller.stop()
    assert PollerHeartbeat.objects.exists()

    # The backup, as docs/deployment.md says: custom format, then restored into a fresh
    # database by its owner.
    dump = tmp / "smve.dump"
    pg_tool("pg_dump", "-Fc", "-f", str(dump), original)
    copy = f"{original}_restored"
    pg_tool("dropdb", "--if-exists", copy)
    pg_tool("createdb", copy)
    try:
        pg_tool("pg_restore", "--no-owner", "--exit-on-error", "-d", copy, str(dump))
        assert counts(copy) == counts(original)
        assert counts(copy)["Event"] > 0 and counts(copy)["OperationsAction"] == 1

        copy_url = database_url({**connection.settings_dict, "NAME": copy})
        migrated = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--check"],
            env={**os.environ, "DATABASE_URL": copy_url},
            capture_output=True,
            text=True,
        )
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr

        with asgi_server(DATABASE_URL=copy_url) as server:
            assert server.get("/healthz")[0] == 200
            assert server.get("/accounts/login/")[0] == 200
            fresh_host = tmp / "restored"
            fresh_host.mkdir()
            restarted = Poller(fresh_host, copy_url)
            try:
                with connect(copy) as restored:

                    def events_in_copy() -> int:
                        row = restored.execute('SELECT count(*) FROM "poll_event"').fetchone()
                        return row[0] if row else 0

                    flip_and_store(simulator, events_in_copy)
                assert server.get("/readyz")[0] == 200
            finally:
                restarted.stop()
        assert "Traceback" not in restarted.log
    finally:
        pg_tool("dropdb", "--if-exists", copy)
