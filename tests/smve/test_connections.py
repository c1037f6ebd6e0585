"""PostgreSQL connections stay bounded under the ASGI server, whatever the load.

The site runs under uvicorn (tests/hmi/asgi_server.py) with a small pool; the test counts
the server's connections to the test database in ``pg_stat_activity`` from a connection
of its own, before, during (a sampler thread keeps the peak) and after the load. The bound
is the pool's size plus the one connection that LISTENs for new revisions. SQLite has
no pool, so there the crowd of streams is only checked to be served.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

import psycopg
import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from rest_framework.authtoken.models import Token

from hmi.models import Screen
from hmi.screen_import import import_drawing
from tests.hmi.asgi_server import EventStream, Server, asgi_server
from tests.hmi.support import load_small_site, overview_drawing
from tests.hmi.test_stream import publish

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

POOL_SIZE = 4
LISTENERS = 1  # the process's revision feed
BOUND = POOL_SIZE + LISTENERS
SERVER_APPLICATION = "smve-test-asgi-server"
"""The server's connections carry this name (libpq's PGAPPNAME), so that no other process
the suite left connected is counted as the server's."""


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker) -> Iterator[Server]:
    with asgi_server(
        DATABASE_POOL_SIZE=str(POOL_SIZE),
        STREAM_HEARTBEAT_SECONDS="0.5",
        PGAPPNAME=SERVER_APPLICATION,
    ) as running:
        yield running


@pytest.fixture
def scene(db) -> dict:
    profile = load_small_site()
    import_drawing(profile, "overview", overview_drawing())
    viewer = User.objects.create_user("viewer-user", password="x")
    viewer.groups.add(Group.objects.get(name="viewer"))
    return {
        "screen": Screen.objects.get(name="overview").pk,
        "auth": {"Authorization": f"Token {Token.objects.create(user=viewer).key}"},
    }


class ServerConnections:
    """Counts the server's connections to the test database (those named
    ``SERVER_APPLICATION``), now and at the peak seen by a thread that samples them until
    the block ends."""

    APPLICATION = "smve-test-connection-counter"

    def __init__(self) -> None:
        connection.ensure_connection()
        params = connection.get_connection_params()
        for django_only in ("cursor_factory", "context", "prepare_threshold"):
            params.pop(django_only, None)
        self._params = {**params, "application_name": self.APPLICATION, "autocommit": True}
        self.peak = 0

    def now(self) -> int:
        with psycopg.connect(**self._params) as counter:
            return self._count(counter)

    def _count(self, counter: psycopg.Connection) -> int:
        row = counter.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = %s AND backend_type = 'client backend'",
            [SERVER_APPLICATION],
        ).fetchone()
        return row[0] if row else 0

    @contextmanager
    def sampling(self) -> Iterator[ServerConnections]:
        stop = threading.Event()

        def sample() -> None:
            with psycopg.connect(**self._params) as counter:
                while True:
                    self.peak = max(self.peak, self._count(counter))
                    if stop.wait(0.02):
                        return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            yield self
        finally:
            stop.set()
            sampler.join()


def open_streams(server: Server, path: str, headers: dict[str, str], count: int) -> list:
    """``count`` streams, all requested before any answer is read, so that the server has
    all of them in hand together."""
    streams = [EventStream(server, path, headers) for _ in range(count)]
    for stream in streams:
        assert stream.response.status == 200
    return streams


@pytest.fixture
def counted(db) -> ServerConnections:
    if connection.vendor != "postgresql":
        pytest.skip("connections are counted in PostgreSQL's pg_stat_activity")
    return ServerConnections()


def test_sequential_requests_leave_no_connections_behind(server, scene, counted):
    path = f"/api/screens/{scene['screen']}/state"
    with counted.sampling():
        for _ in range(40):
            status, _, _ = server.get(path, scene["auth"])
            assert status == 200
        after = counted.now()
    assert max(counted.peak, after) <= BOUND, f"peak {counted.peak}, after {after}"


def test_open_streams_hold_no_connection_while_they_wait(server, scene, counted):
    path = f"/api/stream?screen={scene['screen']}"
    with counted.sampling():
        streams = open_streams(server, path, scene["auth"], 30)
        try:
            for stream in streams:
                stream.next_message()
            for stream in streams:
                assert stream.next().comments == ["heartbeat"]
            idle = counted.now()
            revision = publish({"E4DI00": {"fill": 1}})
            assert {stream.next_message().id for stream in streams} == {str(revision)}
        finally:
            for stream in streams:
                stream.close()
    assert idle <= BOUND, f"{idle} connections held by 30 waiting streams"
    assert LISTENERS <= counted.peak <= BOUND, f"peak {counted.peak}"  # seen, and bounded


def test_three_hundred_concurrent_streams_are_all_served(server, scene):
    """On PostgreSQL within the bound; on SQLite (no pool) at least all served."""
    counted = ServerConnections() if connection.vendor == "postgresql" else None
    path = f"/api/stream?screen={scene['screen']}"
    with counted.sampling() if counted else nullcontext():
        streams = open_streams(server, path, scene["auth"], 300)
        try:
            first = [stream.next_message().json()["revision"] for stream in streams]
        finally:
            for stream in streams:
                stream.close()
    assert len(set(first)) == 1
    if counted:
        assert counted.peak <= BOUND, f"peak {counted.peak}"
    # The server still answers once the crowd has gone.
    status, _, _ = server.get(f"/api/screens/{scene['screen']}/state", scene["auth"])
    assert status == 200
