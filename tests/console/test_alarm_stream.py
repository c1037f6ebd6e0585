"""The site-wide live channel (``/api/stream?topic=site``) the console's banner, alarm
pages and event list follow, over a real ASGI server, on SQLite and on PostgreSQL: each
revision, and the alarms it changed for users who may view them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection, transaction
from rest_framework.authtoken.models import Token

from bench.alarms import build
from bench.alarms_browser import Field, acknowledge_all
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
        assert message.id == str(later) and message.json() == {"revision": later, "alarms": []}
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


@pytest.fixture
def fresh_server(django_db_setup, django_db_blocker):
    """A server of the test's own: the tests below start their revisions from 1 again,
    which a server that saw higher ones would take for a restored database."""
    with asgi_server(STREAM_HEARTBEAT_SECONDS="0.3") as running:
        yield running


def current_alarms(server, auth: dict[str, str]) -> dict[int, dict]:
    status, _, body = server.get("/api/alarms/?page_size=10000", auth)
    assert status == 200
    return {alarm["id"]: alarm for alarm in body["results"]}


def test_each_message_after_the_first_carries_the_alarms_its_revision_changed(fresh_server, auth):
    profile, points = build(3)
    field = Field(profile.pk)
    commit_revision()
    stream = open_site(fresh_server, auth)
    try:
        first = stream.next_message().json()
        assert "alarms" not in first  # the client reads the list whole
        field.commit({points[0]: 500.0})
        raised = stream.next_message().json()
        listed = current_alarms(fresh_server, auth)
        assert len(listed) == 1
        assert raised["alarms"] == list(listed.values())  # the API's items, exactly
        assert raised["alarms"][0]["state"] == "unack"
        field.commit({points[0]: 0.0}, then=acknowledge_all)
        cleared = stream.next_message().json()
        assert [(a["id"], a["state"]) for a in cleared["alarms"]] == [
            (raised["alarms"][0]["id"], "normal")
        ]
        assert current_alarms(fresh_server, auth) == {}
        quiet = commit_revision()
        assert stream.next_message().json() == {"revision": quiet, "alarms": []}
    finally:
        stream.close()


def test_a_reconnecting_client_reads_the_list_whole_first(fresh_server, auth):
    profile, points = build(1)
    field = Field(profile.pk)
    seen = commit_revision()
    field.commit({points[0]: 500.0})
    stream = open_site(fresh_server, auth, **{"Last-Event-ID": str(seen)})
    try:
        assert "alarms" not in stream.next_message().json()
    finally:
        stream.close()


def test_a_user_who_may_not_view_alarms_gets_revisions_without_them(fresh_server):
    profile, points = build(1)
    field = Field(profile.pk)
    screens_only = User.objects.create_user("screens-only")
    screens_only.user_permissions.add(Permission.objects.get(codename="view_graphicelement"))
    auth = {"Authorization": f"Token {Token.objects.create(user=screens_only).key}"}
    assert fresh_server.get("/api/alarms/", auth)[0] == 403
    commit_revision()
    stream = open_site(fresh_server, auth)
    try:
        stream.next_message()
        field.commit({points[0]: 500.0})
        assert "alarms" not in stream.next_message().json()
    finally:
        stream.close()
