"""The console's command log page and its CSV: who may see them, the filters, and a CSV a
spreadsheet reads as text; the same filters on /api/command-log/; and the control panel's
data (only users who may give commands get it)."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from commands import audit, service
from commands.models import Action

pytestmark = pytest.mark.django_db

PAGE, CSV = "/commands/log", "/commands/log.csv"


def client_for(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("role", "status"),
    [(None, 302), ("viewer", 403), ("operator", 200), ("engineer", 200), ("admin", 200)],
)
@pytest.mark.parametrize("path", [PAGE, CSV])
def test_role_matrix(station, role_user, admin_user, role, status, path):
    user = admin_user if role == "admin" else role_user(role) if role else None
    response = client_for(user).get(path)
    assert response.status_code == status
    if status == 302:
        assert "/accounts/login/" in response["Location"]


def test_the_page_lists_and_filters_the_trail(breaker, actor):
    operator = actor("operator")
    service.select(breaker, operator)
    service.cancel(breaker, operator)
    with pytest.raises(service.Refused):
        service.select(breaker, actor("viewer"))
    client = client_for(operator.user)

    page = client.get(PAGE)
    assert page.status_code == 200
    text = page.content.decode()
    assert "E4DI00: Open" in text and "cancelled" in text and "needs the operator role" in text
    only_refusals = client.get(PAGE, {"action": "refusal"}).content.decode()
    assert "needs the operator role" in only_refusals and "cancelled" not in only_refusals
    assert "No row matches" in client.get(PAGE, {"user": "nobody"}).content.decode()
    assert "No row matches" in client.get(PAGE, {"from": "2999-01-01"}).content.decode()
    bad = client.get(PAGE, {"from": "yesterday"})
    assert bad.status_code == 400 and "give a date" in bad.content.decode()
    assert client.get(PAGE, {"request": "1; DROP"}).status_code == 400


def test_the_csv_holds_the_filtered_rows_as_text(breaker, actor):
    operator = actor("operator")
    service.select(breaker, operator)
    audit.append(username="=HYPERLINK(1)", action=Action.CONFIG, command="-cmd", result="x")
    response = client_for(operator.user).get(CSV)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["action"] for row in rows] == ["config", "select"]
    assert rows[0]["username"] == "'=HYPERLINK(1)" and rows[0]["command"] == "'-cmd"
    assert rows[1]["command"] == "E4DI00: Open" and rows[1]["username"] == "operator-user"
    filtered = client_for(operator.user).get(CSV, {"action": "select"})
    lines = b"".join(filtered.streaming_content).decode().splitlines()
    assert len(lines) == 2


def test_the_api_log_takes_the_same_filters(breaker, actor):
    from rest_framework.test import APIClient

    operator = actor("operator")
    service.select(breaker, operator)
    service.cancel(breaker, operator)
    api = APIClient()
    api.force_authenticate(operator.user)
    entries = api.get("/api/command-log/", {"action": "cancel"}).json()
    entries = entries["results"] if isinstance(entries, dict) else entries
    assert [row["action"] for entry in entries for row in entry["rows"]] == ["cancel"]
    assert api.get("/api/command-log/", {"action": "dance"}).status_code == 400


def test_requests_in_progress_and_the_points_held(breaker, actor):
    from rest_framework.test import APIClient

    operator = actor("operator")
    selected = service.select(breaker, operator)
    api = APIClient()
    api.force_authenticate(actor("viewer").user)
    one = api.get(f"/api/command-requests/{selected.pk}/").json()
    assert (one["state"], one["tag"], one["username"]) == ("selected", "E4DI00", "operator-user")
    held = api.get("/api/command-requests/", {"holding": "true"}).json()["results"]
    assert [row["tag"] for row in held] == ["E4DI00"]
    service.cancel(breaker, operator)
    assert api.get("/api/command-requests/", {"holding": "true"}).json()["results"] == []
    listed = api.get("/api/commands/", {"tag": "E4DI00"}).json()["results"]
    assert [c["label"] for c in listed] == ["Open"]
    assert api.get("/api/commands/", {"tag": "NOSUCH"}).json()["results"] == []
    assert api.post(f"/api/command-requests/{selected.pk}/").status_code == 405


@pytest.mark.parametrize(("role", "controls"), [("viewer", False), ("operator", True)])
def test_only_users_who_command_get_the_control_panel(breaker, role_user, role, controls):
    from hmi.models import Screen

    screen = Screen.objects.create(profile=breaker.point.profile, name="Station", svg="<svg/>")
    page = client_for(role_user(role)).get(f"/screens/{screen.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert ('id="control-panel"' in text) is controls
    assert ("control-panel.js" in text) is controls
    data = page.context["page_data"]
    assert data["canControl"] is controls
    assert data.get("controllable", []) == (["E4DI00"] if controls else [])
