"""A source plugged into the core by registration alone goes through the journal, the
writer and the live stream: ``manage.py poll`` runs a dummy source (dummy_source.py) that
no core module knows, and a client of ``/api/stream`` sees the revision it wrote."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token

from hmi.models import GraphicElement, Screen
from hmi.screen_import import import_drawing
from poll.acquisition.sources import register_source, registered_sources, unregister_source
from poll.models import COMaster, ComEvent, Point, Profile
from tests.hmi.asgi_server import EventStream, asgi_server
from tests.hmi.support import load_small_site, overview_drawing

from .dummy_source import ANSWERED_TAGS, DUMMY_LINKS, MARK, DummySource
from .processes import Poller, database_url, wait_until


def test_a_source_registers_once_and_its_names_are_its_own() -> None:
    source = DummySource()
    register_source(source)
    try:
        register_source(source)  # again: no change
        assert registered_sources().count(source) == 1
        with pytest.raises(ValueError, match="another source"):
            register_source(DummySource())
    finally:
        unregister_source(source.name)
    assert source not in registered_sources()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_registered_source_reaches_the_database_and_the_live_stream(tmp_path) -> None:
    from django.db import connection

    profile = load_small_site()
    COMaster.objects.update(enabled=False)  # only the dummy source's link is polled
    link = COMaster.objects.create(profile=profile, name="DUMMY1", host="127.0.0.1", enabled=False)
    import_drawing(profile, "overview", overview_drawing())
    viewer = User.objects.create_user("viewer-user", password="x")
    viewer.groups.add(Group.objects.get(name="viewer"))
    token = Token.objects.create(user=viewer).key
    screen = Screen.objects.get(profile=profile, name="overview")

    with asgi_server(STREAM_HEARTBEAT_SECONDS="0.3") as server:
        stream = EventStream(
            server, f"/api/stream?screen={screen.pk}", {"Authorization": f"Token {token}"}
        )
        poller = None
        try:
            assert stream.response.status == 200
            stream.next_message()  # the snapshot
            poller = Poller(
                tmp_path,
                database_url(connection.settings_dict),
                DJANGO_SETTINGS_MODULE="tests.poll.acquisition.dummy_settings",
            )
            change = stream.next_message()
            assert change.id is not None
            revision = int(change.id)
            # hmi's screen formulas write the other elements' look in the same revision
            elements = {element["tag"]: element for element in change.json()["elements"]}
            assert elements[ANSWERED_TAGS[0]]["text"] == MARK
        finally:
            stream.close()
            if poller is not None:
                assert poller.stop() == 0, poller.log

    online = ComEvent.objects.get(comaster=link, text=f"{DUMMY_LINKS.label} online")
    assert (online.source, online.revision) == ("poller", revision)
    # Stopping took the link offline, in a later batch: the point is no longer current.
    offline = ComEvent.objects.get(comaster=link, text__startswith=f"{DUMMY_LINKS.label} offline")
    point = Point.objects.get(profile=profile, tag=ANSWERED_TAGS[0])
    assert (point.value, point.current, point.revision) == (1.0, False, offline.revision)
    assert offline.revision > revision
    element = GraphicElement.objects.get(profile=profile, tag=ANSWERED_TAGS[0])
    assert (element.text, element.revision) == (MARK, offline.revision)
    link.refresh_from_db()
    assert (link.polls, link.online, link.revision) == (1, False, offline.revision)
    assert wait_until(lambda: "stopped" in poller.log, 10, "the poller's last line")
    assert "Traceback" not in poller.log
    assert Profile.objects.get(pk=profile.pk).active
