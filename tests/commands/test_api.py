"""The commands' API contract: /api/commands/, select/operate/cancel, /api/command-log/."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from commands.models import CommandRequest, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_as(actor):
    def make(role: str) -> APIClient:
        client = APIClient(enforce_csrf_checks=True)
        client.force_authenticate(actor(role).user)
        return client

    return make


def test_list_names_tag_label_selection_and_value_or_limits(breaker, setpoint, client_as):
    rows = client_as("viewer").get("/api/commands/").json()["results"]
    by_label = {row["label"]: row for row in rows}
    assert by_label["Open"]["tag"] == "E4DI00"
    assert by_label["Open"]["needs_selection"] is True and by_label["Open"]["value"] == 0
    assert by_label["Set"]["needs_selection"] is False
    assert (by_label["Set"]["minimum"], by_label["Set"]["maximum"]) == (0, 100)
    assert {"id", "blocked", "selected_by"} <= set(by_label["Open"])


def test_select_operate_through_the_api(breaker, client_as):
    operator = client_as("operator")
    selected = operator.post(f"/api/commands/{breaker.pk}/select/")
    assert selected.status_code == 200 and selected.json()["state"] == "selected"
    listed = client_as("viewer").get(f"/api/commands/{breaker.pk}/").json()
    assert listed["selected_by"] == "operator-user"
    operated = operator.post(f"/api/commands/{breaker.pk}/operate/", {}, format="json")
    assert operated.status_code == 200 and operated.json()["state"] == "queued"
    log = client_as("viewer").get("/api/command-log/").json()["results"]
    assert log[0]["request_id"] == operated.json()["id"]
    assert [row["action"] for row in log[0]["rows"]] == ["select", "operate"]


def test_cancel_and_refusals_answer_with_the_reason(breaker, setpoint, client_as):
    operator = client_as("operator")
    assert operator.post(f"/api/commands/{breaker.pk}/cancel/").status_code == 409
    operator.post(f"/api/commands/{breaker.pk}/select/")
    assert operator.post(f"/api/commands/{breaker.pk}/cancel/").json()["state"] == "cancelled"
    low = operator.post(f"/api/commands/{setpoint.pk}/operate/", {"value": -1}, format="json")
    assert low.status_code == 400 and "from 0" in low.json()["detail"]
    ok = operator.post(f"/api/commands/{setpoint.pk}/operate/", {"value": 50}, format="json")
    assert ok.json()["state"] == "queued" and ok.json()["value"] == 50


@pytest.mark.parametrize("role, status", [("viewer", 403), ("operator", 200), ("engineer", 200)])
def test_role_matrix_over_the_api(breaker, client_as, role, status):
    assert client_as(role).post(f"/api/commands/{breaker.pk}/select/").status_code == status


def test_anonymous_and_roleless_are_refused(breaker, django_user_model):
    anonymous = APIClient()
    assert anonymous.get("/api/commands/").status_code in (401, 403)
    assert anonymous.post(f"/api/commands/{breaker.pk}/select/").status_code in (401, 403)
    bare = APIClient()
    bare.force_authenticate(django_user_model.objects.create_user("bare", password="x"))
    assert bare.get("/api/command-log/").status_code == 403
    assert not CommandRequest.objects.filter(state=State.SELECTED).exists()


def test_session_post_needs_csrf(breaker, actor):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(actor("operator").user)
    assert client.post(f"/api/commands/{breaker.pk}/select/").status_code == 403


def test_command_log_is_read_only(breaker, client_as):
    client = client_as("engineer")
    assert client.post("/api/command-log/", {}).status_code == 405
    assert client.delete("/api/command-log/1/").status_code in (404, 405)


def test_schema_documents_the_endpoints(client_as):
    schema = client_as("viewer").get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in (
        "/api/commands/",
        "/api/commands/{id}/select/",
        "/api/commands/{id}/operate/",
        "/api/commands/{id}/cancel/",
        "/api/command-log/",
    ):
        assert path in paths, path
