"""The live stream over a real ASGI server (uvicorn), on SQLite and on PostgreSQL.

Batches are written the way the poller writes them: one transaction that numbers a new
revision (under the advisory lock on PostgreSQL), writes element rows with it and, on
PostgreSQL, sends ``NOTIFY smve_revision`` to be delivered at commit.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from rest_framework.authtoken.models import Token

from hmi.models import GraphicElement, Screen
from hmi.screen_import import import_drawing
from poll.acquisition.store import NOTIFY_CHANNEL, REVISION_LOCK_KEY
from poll.models import Revision
from tests.hmi.asgi_server import EventStream, asgi_server
from tests.hmi.support import inkscape_drawing, load_small_site, overview_drawing


@pytest.fixture
def site_profile(db):
    return load_small_site()


pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(django_db_setup, django_db_blocker):
    # A server per test: one kept across the tests' database flushes carried their revision
    # feed and connections into the next test, whose streams then sometimes got no answer.
    with asgi_server(STREAM_HEARTBEAT_SECONDS="0.3") as running:
        yield running


@pytest.fixture
def scene(site_profile):
    import_drawing(site_profile, "overview", overview_drawing())
    import_drawing(site_profile, "other", inkscape_drawing('<rect tag="E4DI05"/>'))
    viewer = User.objects.create_user("viewer-user", password="x")
    viewer.groups.add(Group.objects.get(name="viewer"))
    return {
        "screen": Screen.objects.get(name="overview"),
        "auth": {"Authorization": f"Token {Token.objects.create(user=viewer).key}"},
    }


def publish(changes: dict[str, dict]) -> int:
    """Write element changes as one poller batch and announce it."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REVISION_LOCK_KEY])
        revision = Revision.objects.create(source="test").pk
        for tag, values in changes.items():
            GraphicElement.objects.filter(tag=tag).update(revision=revision, **values)
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, str(revision)])
    return revision


def open_stream(server, scene, **headers: str) -> EventStream:
    stream = EventStream(
        server, f"/api/stream?screen={scene['screen'].pk}", {**scene["auth"], **headers}
    )
    assert stream.response.status == 200
    assert (stream.response.getheader("Content-Type") or "").startswith("text/event-stream")
    return stream


def test_a_change_reaches_a_connected_client(server, scene):
    first_revision = publish({"E4DI00": {"fill": 2, "current": True}})
    stream = open_stream(server, scene)
    try:
        snapshot = stream.next_message()
        assert snapshot.id == str(first_revision)
        state = snapshot.json()
        assert state["revision"] == first_revision and len(state["elements"]) == 5

        revision = publish({"E4DI00": {"fill": 1, "text": "Closed"}, "E4DI05": {"fill": 7}})
        change = stream.next_message()
        assert change.id == str(revision)
        assert change.json()["revision"] == revision
        (door,) = change.json()["elements"]
        assert (door["tag"], door["fill"], door["text"], door["current"]) == (
            "E4DI00",
            1,
            "Closed",
            True,
        )
        assert door["fill_color"] == "#d32f2f"
    finally:
        stream.close()


def test_a_reconnecting_client_gets_exactly_what_it_missed(server, scene):
    stream = open_stream(server, scene)
    seen = stream.next_message().id
    stream.close()

    publish({"E4DI00": {"fill": 1}})
    publish({"E4DI05": {"fill": 3}})  # not on this screen
    last = publish({"E41BAR00": {"text": "13.1 kV"}, "E4189I01": {"fill": 2}})

    resumed = open_stream(server, scene, **{"Last-Event-ID": seen})
    try:
        missed = resumed.next_message()
        assert missed.id == str(last)
        assert [e["tag"] for e in missed.json()["elements"]] == ["E4189I01", "E41BAR00", "E4DI00"]
    finally:
        resumed.close()


def test_a_client_that_missed_nothing_gets_no_message_until_a_change(server, scene):
    latest = publish({"E4DI00": {"fill": 1}})
    stream = open_stream(server, scene, **{"Last-Event-ID": str(latest)})
    try:
        assert stream.next().retry == "1000"
        assert stream.next().comments == ["heartbeat"]
        revision = publish({"E4LBL01": {"text": "x"}})
        message = stream.next_message()
        assert message.id == str(revision)
        assert [e["tag"] for e in message.json()["elements"]] == ["E4LBL01"]
    finally:
        stream.close()


def test_every_client_of_a_screen_gets_the_change(server, scene):
    streams = [open_stream(server, scene) for _ in range(3)]
    try:
        for stream in streams:
            stream.next_message()
        revision = publish({"E4189S01": {"stroke": 4}})
        assert {stream.next_message().id for stream in streams} == {str(revision)}
    finally:
        for stream in streams:
            stream.close()


def test_the_stream_refuses_what_it_cannot_serve(server, scene):
    screen = scene["screen"].pk
    status, _, body = server.get(f"/api/stream?screen={screen}")
    assert (status, body) == (401, {"detail": "Authentication credentials were not provided."})
    status, _, body = server.get(f"/api/stream?screen={screen}", {"Authorization": "Token bad"})
    assert (status, body) == (401, {"detail": "Invalid token."})
    nobody = User.objects.create_user("nobody")
    no_role = {"Authorization": f"Token {Token.objects.create(user=nobody).key}"}
    status, _, body = server.get(f"/api/stream?screen={screen}", no_role)
    assert status == 403 and "viewer role" in body["detail"]
    assert server.get("/api/stream?screen=abc", scene["auth"])[0] == 400
    assert server.get("/api/stream", scene["auth"])[0] == 400
    assert server.get("/api/stream?screen=999999", scene["auth"])[0] == 404
    bad_resume = {**scene["auth"], "Last-Event-ID": "yesterday"}
    assert server.get(f"/api/stream?screen={screen}", bad_resume)[0] == 400


def test_the_site_serves_its_own_static_files_and_api_docs(server, scene):
    status, headers, _ = server.get("/static/admin/css/base.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")
    status, _, page = server.get("/api/docs/", scene["auth"])
    assert status == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert not re.search(rb"""(src|href)=["']?(https?:)?//""", page), "no asset from elsewhere"
    status, headers, _ = server.get(
        "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js"
    )
    assert status == 200
