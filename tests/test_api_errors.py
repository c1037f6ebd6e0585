"""Every error under /api/ is JSON with a message, whatever refuses the request: the REST
framework, Django (404, 405, 413, CSRF, 500) or the live stream; and numbers too long or
too large for the database are a 400, never a server error."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.test import AsyncClient, Client
from rest_framework.authtoken.models import Token

from hmi.models import Screen
from hmi.screen_import import import_drawing
from hmi.screen_state import MAX_REVISION, parse_revision
from hmi.svg_sanitiser import MAX_DRAWING_BYTES
from poll.api import PointViewSet
from poll.models import Profile
from tests.hmi.support import load_small_site, overview_drawing

HUGE = "9" * 5000  # int() refuses strings of more than 4,300 digits


@pytest.fixture
def site_profile(db) -> Profile:
    return load_small_site()


@pytest.fixture
def token_client(role_user):
    """A script's client: a token, no session, and server errors answered, not raised."""

    def make(role: str = "engineer") -> Client:
        token = Token.objects.create(user=role_user(role)).key
        return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token}")

    return make


def json_error(response, status: int) -> str:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["detail"]
    return body["detail"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("0042", 42),
        ("0" * 5000 + "7", 7),
        (str(MAX_REVISION), MAX_REVISION),
        (str(MAX_REVISION + 1), None),
        (HUGE, None),
        ("", None),
        ("-1", None),
        ("+1", None),
        ("1.0", None),
        (" 1", None),
        ("²", None),
        ("١", None),
    ],
)
def test_a_revision_is_a_whole_number_the_database_holds(text, value):
    assert parse_revision(text) == value


# The stream reads in its own worker thread, as in production: the rows must be committed.
@pytest.mark.django_db(transaction=True)
def test_revisions_and_ids_of_thousands_of_digits_are_a_400(site_profile, token_client):
    import_drawing(site_profile, "overview", overview_drawing())
    screen = Screen.objects.get(profile=site_profile, name="overview").pk
    client = token_client("viewer")
    state = client.get(f"/api/screens/{screen}/state", {"since": HUGE})
    assert state.status_code == 400
    assert "is not a revision" in state.json()["since"][0]
    assert client.get(f"/api/screens/{screen}/state", {"since": "0" * 5000}).status_code == 200
    assert "id of a screen" in json_error(client.get("/api/stream", {"screen": HUGE}), 400)
    resume = client.get("/api/stream", {"screen": screen}, HTTP_LAST_EVENT_ID=HUGE)
    assert "Last-Event-ID" in json_error(resume, 400)
    by_query = client.get("/api/stream", {"screen": screen, "last_event_id": HUGE})
    assert "not a revision" in json_error(by_query, 400)


@pytest.mark.django_db
@pytest.mark.parametrize("comaster", [str(2**63), HUGE, "-1"])
def test_an_id_filter_beyond_the_database_is_a_400(site_profile, token_client, comaster):
    response = token_client("viewer").get("/api/points/", {"comaster": comaster})
    assert response.status_code == 400
    assert response.json()["comaster"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({"current": "null"}, "current"),
        ({"current": "2"}, "current"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
    ],
)
def test_a_filter_or_page_size_that_means_nothing_is_a_400(site_profile, token_client, query, name):
    """Once, these were dropped and every row answered as if there were no filter."""
    response = token_client("viewer").get("/api/points/", query)
    assert response.status_code == 400
    assert list(response.json()) == [name]


@pytest.mark.django_db
def test_filters_and_page_sizes_that_mean_something_are_taken(site_profile, token_client):
    client = token_client("viewer")
    assert client.get("/api/points/", {"current": "True", "page_size": ""}).status_code == 200
    huge_page = client.get("/api/points/", {"page_size": HUGE}).json()
    assert len(huge_page["results"]) == min(huge_page["count"], 1000)


@pytest.mark.django_db
def test_a_write_to_the_stream_is_a_json_405(site_profile, token_client):
    response = token_client().post("/api/stream", {"screen": 1})
    assert "POST is not allowed" in json_error(response, 405)
    assert response["Allow"] == "GET"


@pytest.mark.django_db
def test_a_write_to_an_unknown_path_is_a_json_404_with_a_session_too(role_user, token_client):
    session = Client(enforce_csrf_checks=True)
    session.force_login(role_user("engineer"))
    for client in (session, token_client("viewer")):
        for method in ("post", "put", "patch", "delete"):
            response = getattr(client, method)("/api/colours/abc/")
            assert "no API endpoint /api/colours/abc/" in json_error(response, 404)


@pytest.mark.django_db
def test_a_csrf_refusal_outside_the_rest_framework_is_json(role_user):
    session = Client(enforce_csrf_checks=True)
    session.force_login(role_user("viewer"))
    response = session.post("/api/auth/login/", {"username": "x", "password": "y"})
    assert "X-CSRFToken" in json_error(response, 403)


@pytest.mark.django_db
def test_a_body_over_the_limit_is_a_json_413(site_profile, token_client):
    body = json.dumps({"profile": site_profile.pk, "name": "big", "svg": "x" * (21 << 20)})
    response = token_client().post("/api/screens/", body, content_type="application/json")
    assert "20 MiB" in json_error(response, 413)


@pytest.mark.django_db
def test_the_body_limit_leaves_room_for_the_largest_drawing(site_profile, token_client):
    """A drawing one byte over what screens take, sent as JSON text, reaches the importer,
    which says why it refuses it; the request limit does not cut it short."""
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE >= 2 * MAX_DRAWING_BYTES
    drawing = "<svg>" + '<rect x="1"/>' * (MAX_DRAWING_BYTES // 13 + 1)  # quotes: JSON grows
    body = json.dumps({"profile": site_profile.pk, "name": "big", "svg": drawing})
    response = token_client().post("/api/screens/", body, content_type="application/json")
    assert response.status_code == 400
    assert "limited to 10 MiB" in response.json()["svg"][0]


@pytest.mark.django_db
def test_a_server_error_under_the_api_is_json(site_profile, token_client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(PointViewSet, "list", broken)
    assert "Server error" in json_error(token_client("viewer").get("/api/points/"), 500)


@pytest.mark.django_db
def test_token_clients_get_json_refusals(site_profile, token_client):
    bad = Client(HTTP_AUTHORIZATION="Token " + "0" * 40).get("/api/points/")
    assert json_error(bad, 401) == "Invalid token."
    assert bad["WWW-Authenticate"] == "Token"
    refused = token_client("viewer").post("/api/colours/", {}, content_type="application/json")
    assert "engineer" in json_error(refused, 403)


@pytest.mark.django_db
def test_errors_are_json_even_for_a_browser_that_asks_for_html(site_profile, role_user):
    browser = Client(HTTP_ACCEPT="text/html")
    browser.force_login(role_user("viewer"))
    missing = browser.get("/api/points/999999/")
    assert json_error(missing, 404) == "No Point matches the given query."
    assert json_error(Client(HTTP_ACCEPT="text/html").get("/api/points/"), 401)


@pytest.mark.django_db
def test_pages_outside_the_api_keep_their_html_errors(role_user):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_errors_are_json_on_the_asynchronous_path_too(site_profile, token_client):
    """Under ASGI, where the stream is served, the refusals are JSON too."""
    client = AsyncClient(raise_request_exception=False)
    refused = async_to_sync(client.post)("/api/stream")
    assert "POST is not allowed" in json_error(refused, 405)
    assert json_error(async_to_sync(client.get)("/api/stream"), 401)


@pytest.mark.django_db
def test_a_body_over_the_limit_outside_the_rest_framework_is_a_json_413(role_user):
    """The login page reads the form for its CSRF check; Django's 400 becomes a 413."""
    body = "username=x&password=" + "y" * (21 << 20)
    response = Client().post(
        "/api/auth/login/", body, content_type="application/x-www-form-urlencoded"
    )
    assert "20 MiB" in json_error(response, 413)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/api/points/?kind=nonsense&kind=ai", "/api/formulas/?page_size=1&page_size=2"]
)
def test_a_parameter_given_twice_is_a_400(site_profile, token_client, path):
    """Django would use the last value and never look at the first."""
    response = token_client("viewer").get(path)
    assert response.status_code == 400
    assert "more than once" in next(iter(response.json().values()))[0]


@pytest.mark.django_db
def test_a_since_given_twice_is_a_400(site_profile, token_client):
    import_drawing(site_profile, "overview", overview_drawing())
    screen = Screen.objects.get(profile=site_profile, name="overview").pk
    response = token_client("viewer").get(f"/api/screens/{screen}/state?since=x&since=1")
    assert response.json() == {"since": ["Given more than once: give it once."]}
