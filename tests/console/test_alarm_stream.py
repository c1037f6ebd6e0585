"""The site-wide live channel (``/api/stream?topic=site``) the console's banner, alarm
pages and event list follow, over a real ASGI server, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from rest_framework.authtoken.models import Token

from poll.acquisition.store import NOTIFY_CHANNEL, REVISION_LOCK_KEY
from poll.models import Revision
from tests.hmi.asgi_server import EventStream, asgi_server

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    with asgi_server(STREAM_HEARTBEAT_SECONDS="0.3") as running:
        yield running


@pytest.fixture
def auth(db) -> dict[str, str]:
    viewer = User.objects.create_user("site-viewer", password="x")
    viewer.groups.add(Group.objects.get(name="viewer"))
    return {"Authorization": f"Token {Token.objects.create(user=viewer).key}"}


def commit_revision() -> int:
    """An empty poller batch: a new revision, announced at commit on PostgreSQL."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REVISION_LOCK_KEY])
        revision = Revision.objects.create(source="test").pk
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, str(revision)])
    return revision


def open_site(server, auth: dict[str, str], **headers: str) -> EventStream:
    stream = EventStream(server, "/api/stream?topic=site", {**auth, **headers})
    assert stream.response.status == 200
    assert (stream.response.getheader("Content-Type") or "").startswith("text/event-stream")
    return stream


def test_each_committed_revision_reaches_the_site_channel(server, auth):
    first = commit_revision()
    stream = open_site(server, auth)
    try:
        current = stream.next_message()
        assert current.id == str(first) and current.json() == {"revision": first}
        later = commit_revision()
        message = stream.next_message()
        assert message.id == str(later) and message.json() == {"revision": later}
    finally:
        stream.close()


def test_a_client_that_has_the_latest_revision_hears_only_heartbeats(server, auth):
    latest = commit_revision()
    stream = open_site(server, auth, **{"Last-Event-ID": str(latest)})
    try:
        assert stream.next().retry == "1000"
        assert stream.next().comments == ["heartbeat"]
        newer = commit_revision()
        assert stream.next_message().json() == {"revision": newer}
    finally:
        stream.close()


def test_the_site_channel_refuses_what_it_cannot_serve(server, auth):
    status, _, body = server.get("/api/stream?topic=site")
    assert status == 401
    nobody = User.objects.create_user("site-nobody")
    no_role = {"Authorization": f"Token {Token.objects.create(user=nobody).key}"}
    assert server.get("/api/stream?topic=site", no_role)[0] == 403
    status, _, body = server.get("/api/stream?topic=alarms", auth)
    assert status == 400 and "'site'" in body["detail"]
    assert server.get("/api/stream?topic=site&screen=1", auth)[0] == 400
    assert server.get("/api/stream?topic=site", {**auth, "Last-Event-ID": "x"})[0] == 400
