"""The alarm pages without a browser: access by role, the banner on every page, and the
one-click way from an alarm to its point's screen."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from hmi.models import Screen
from hmi.screen_import import import_files
from tests.console.conftest import SCREENS
from tests.console.test_pages import client_for

ALARM_PAGES = ("/alarms", "/alarms/journal", "/alarms/kpis")


def page_data(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="page-data" type="application/json">') + len(
        '<script id="page-data" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.mark.django_db
@pytest.mark.parametrize("path", ALARM_PAGES)
def test_anonymous_users_are_sent_to_the_login_page(path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ALARM_PAGES)
def test_users_without_a_role_are_refused(path):
    assert client_for(User.objects.create_user("nobody")).get(path).status_code == 403


@pytest.mark.django_db
def test_a_viewer_sees_the_alarms_without_acknowledge_or_shelve(role_user):
    response = client_for(role_user("viewer")).get("/alarms")
    assert response.status_code == 200
    assert page_data(response)["canAcknowledgeAlarms"] is False
    html = response.content.decode()
    assert 'id="acknowledge-visible"' not in html
    assert 'id="shelve-form"' not in html


@pytest.mark.django_db
def test_operators_and_engineers_get_acknowledge_and_shelve(role_user):
    for role in ("operator", "engineer"):
        response = client_for(role_user(role)).get("/alarms")
        assert page_data(response)["canAcknowledgeAlarms"] is True
        html = response.content.decode()
        assert 'id="acknowledge-visible"' in html and 'id="shelve-form"' in html


@pytest.mark.django_db
def test_every_page_has_the_alarm_banner_and_its_link(role_user):
    client = client_for(role_user("viewer"))
    for path in ("/", "/events", "/status", *ALARM_PAGES):
        html = client.get(path).content.decode()
        assert 'id="alarm-banner" href="/alarms"' in html, path
        assert 'id="alarm-sound"' in html, path
        assert "/static/console/js/header.js" in html, path


@pytest.mark.django_db
def test_an_alarm_opens_the_screen_that_shows_its_point(demo_profile, role_user):
    import_files(demo_profile, SCREENS)
    screens = Screen.objects.filter(profile=demo_profile).order_by("order", "name")
    shows_point = screens.filter(elements__tag="E4189I01").first()
    assert shows_point is not None
    client = client_for(role_user("viewer"))
    response = client.get("/alarms/screen", {"tag": "E4189I01_TRIP", "point": "E4189I01"})
    assert (response.status_code, response["Location"]) == (302, f"/screens/{shows_point.pk}/")
    overview = screens.get(name="Overview")
    response = client.get("/alarms/screen", {"tag": "NO_SUCH", "area": "Overview"})
    assert response["Location"] == f"/screens/{overview.pk}/"
    assert client.get("/alarms/screen", {"tag": "NO_SUCH"}).status_code == 404
