"""From the field to the browser's stream, without a browser: the Mara simulator, the
poller with the screen formulas, and the site under uvicorn, over real TCP, on the test
database (SQLite or PostgreSQL)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from rest_framework.authtoken.models import Token

from hmi.models import Formula, GraphicElement, Screen
from hmi.screen_import import import_drawing
from poll.models import COMaster
from poll.profiles import load_profile
from tests.hmi.asgi_server import EventStream, asgi_server
from tests.hmi.support import overview_drawing
from tests.poll.acquisition.processes import Poller, Simulator, database_url, quiet_profile

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MESSAGES_AT_MOST = 200  # a stream that never shows the change fails instead of hanging


def element_in(stream: EventStream, tag: str, wanted) -> dict:
    """Read messages until one carries ``tag`` in a state ``wanted`` accepts."""
    for _ in range(MESSAGES_AT_MOST):
        for element in stream.next_message().json()["elements"]:
            if element["tag"] == tag and wanted(element):
                return element
    raise AssertionError(f"{tag} never reached the wanted state")


def test_a_di_flip_in_the_field_changes_the_fill_in_the_stream(tmp_path):
    profile_file = tmp_path / "profile.json"
    profile = load_profile(quiet_profile(profile_file), activate=True)
    COMaster.objects.update(poll_interval=0.1, reply_timeout=0.5)
    import_drawing(profile, "overview", overview_drawing())
    Formula.objects.create(
        element=GraphicElement.objects.get(tag="E4DI00"),
        attribute="fill",
        source="SI(di.E4DI00.value,1,2)",
    )
    viewer = User.objects.create_user("viewer-user")
    viewer.groups.add(Group.objects.get(name="viewer"))
    auth = {"Authorization": f"Token {Token.objects.create(user=viewer).key}"}
    screen = Screen.objects.get(name="overview")

    simulator = Simulator(profile_file, tmp_path)
    poller = Poller(tmp_path, database_url(connection.settings_dict))
    try:
        with asgi_server() as server:
            stream = EventStream(server, f"/api/stream?screen={screen.pk}", auth)
            try:
                before = element_in(
                    stream, "E4DI00", lambda e: e["current"] and e["fill"] in (1, 2)
                )
                field_value = simulator.state()["E4"]["di"]["E4DI00"]
                simulator.control("set_di", comaster="E4", tag="E4DI00", value=1 - field_value)
                after = element_in(stream, "E4DI00", lambda e: e["fill"] != before["fill"])
            finally:
                stream.close()
        assert after["fill"] == 3 - before["fill"] and after["current"] is True
        assert after["fill_color"] == ("#d32f2f" if after["fill"] == 1 else "#2e7d32")
    finally:
        poller.stop()
        simulator.stop()
    assert "Traceback" not in poller.log
