"""Password guessing is throttled: per username and client address, on every login path.

The console's and the admin's login pages, and the API's token endpoint, in-process; the
token endpoint also through the ASGI server, whose middleware takes another path in
django-axes.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from tests.hmi.asgi_server import asgi_server

LIMIT = settings.AXES_FAILURE_LIMIT
HERE = "10.0.0.7"
ELSEWHERE = "10.0.0.8"


@pytest.fixture
def operator(db) -> User:
    return User.objects.create_user("operator-user", password="right-password")


def console_login(password: str, address: str = HERE, username: str = "operator-user"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(
        "/accounts/login/", {"username": username, "password": password}, follow=False
    )
    return client, response


def fail_to_the_limit(username: str = "operator-user") -> None:
    """Wrong passwords up to the limit: the form again with its error, then the lockout."""
    statuses = [console_login("wrong", username=username)[1].status_code for _ in range(LIMIT)]
    assert statuses == [200] * (LIMIT - 1) + [429]


def test_after_the_limit_even_the_right_password_is_refused_with_a_clear_page(operator):
    fail_to_the_limit()
    client, response = console_login("right-password")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed logins" in page and "15 minutes" in page
    assert 'name="username"' in page  # still the login page, not a bare error
    assert int(response["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_keyed_by_username_and_address(operator):
    User.objects.create_user("viewer-user", password="viewer-password")
    fail_to_the_limit()
    _, response = console_login("right-password", address=ELSEWHERE)
    assert response.status_code == 302, "the same user from another address logs in"
    _, response = console_login("viewer-password", username="viewer-user")
    assert response.status_code == 302, "another user from the same address logs in"


def test_a_success_before_the_limit_starts_the_count_again(operator):
    for _ in range(LIMIT - 1):
        console_login("wrong")
    assert console_login("right-password")[1].status_code == 302
    for _ in range(LIMIT - 1):
        console_login("wrong")
    assert console_login("right-password")[1].status_code == 302


def test_the_lockout_ends_after_the_cool_off(operator):
    fail_to_the_limit()
    assert console_login("right-password")[1].status_code == 429
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )
    assert console_login("right-password")[1].status_code == 302


def test_the_admin_login_is_throttled_too(operator):
    operator.is_staff = True
    operator.save()
    client = Client(REMOTE_ADDR=HERE)
    form = {"username": "operator-user", "password": "wrong"}
    statuses = [client.post("/admin/login/", form).status_code for _ in range(LIMIT)]
    assert statuses == [200] * (LIMIT - 1) + [429]
    form = {"username": "operator-user", "password": "right-password"}
    response = client.post("/admin/login/", form)
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()


def test_the_token_endpoint_is_throttled_and_answers_in_json(operator):
    client = Client(REMOTE_ADDR=HERE)
    form = {"username": "operator-user", "password": "wrong"}
    statuses = [client.post("/api/auth/token/", form).status_code for _ in range(LIMIT)]
    assert statuses == [400] * (LIMIT - 1) + [429]
    form = {"username": "operator-user", "password": "right-password"}
    response = client.post("/api/auth/token/", form)
    assert response.status_code == 429
    assert "Too many failed logins" in response.json()["detail"]
    assert response["Retry-After"] == str(15 * 60)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_token_endpoint_is_throttled_under_the_asgi_server():
    User.objects.create_user("operator-user", password="right-password")

    def token(server, password: str) -> tuple[int, dict]:
        conn = server.connection()
        try:
            body = json.dumps({"username": "operator-user", "password": password})
            conn.request("POST", "/api/auth/token/", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        finally:
            conn.close()

    with asgi_server() as server:
        statuses = [token(server, "wrong")[0] for _ in range(LIMIT)]
        assert statuses == [400] * (LIMIT - 1) + [429]
        status, body = token(server, "right-password")
    assert status == 429
    assert "Too many failed logins" in body["detail"]
