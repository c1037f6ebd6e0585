"""The field model's REST API: who may do what, filters, events and their acknowledgement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from poll.models import AI, DI, COMaster, Energy, Event
from tests.hmi.support import api_client, load_small_site


@pytest.fixture
def site_profile(db):
    return load_small_site()


ROLES = ("anonymous", "viewer", "operator", "engineer")
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def events(site_profile):
    comaster = COMaster.objects.get(profile=site_profile, name="E4")
    di = DI.objects.get(tag="E4189I01")
    return [
        Event.objects.create(
            profile=site_profile,
            comaster=comaster,
            di=di if i % 2 == 0 else None,
            ied_address=1,
            port=1,
            bit=i,
            time=T0 + timedelta(minutes=i),
            value=i % 2,
            raw=f"{i:02x}",
            dedup_key=f"E4:{i}",
            received_at=T0 + timedelta(minutes=i, seconds=1),
            revision=i,
        )
        for i in range(5)
    ]


@pytest.fixture
def as_role(role_user):
    users = {}

    def make(role: str) -> APIClient:
        if role != "anonymous" and role not in users:
            users[role] = role_user(role)
        return api_client(users.get(role))

    return make


READ_ENDPOINTS = [
    "/api/profiles/",
    "/api/comasters/",
    "/api/ieds/",
    "/api/points/",
    "/api/events/",
    "/api/energy/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_and_nobody_reads_without_login(as_role, site_profile, role):
    for url in READ_ENDPOINTS:
        response = as_role(role).get(url)
        if role == "anonymous":
            assert response.status_code == 401, url
            assert response.json() == {"detail": "Authentication credentials were not provided."}
            assert response["WWW-Authenticate"] == "Token"
        else:
            assert response.status_code == 200, (url, response.content)
            assert "results" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_details_follow_the_same_rule(as_role, events, role):
    event = events[0]
    comaster = event.comaster
    urls = [
        f"/api/profiles/{comaster.profile_id}/",
        f"/api/comasters/{comaster.pk}/",
        f"/api/ieds/{comaster.ieds.first().pk}/",
        f"/api/points/{event.di_id}/",
        f"/api/events/{event.pk}/",
    ]
    expected = 401 if role == "anonymous" else 200
    assert [as_role(role).get(url).status_code for url in urls] == [expected] * len(urls)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"), [("anonymous", 401), ("viewer", 403), ("operator", 200), ("engineer", 200)]
)
def test_only_operators_and_engineers_acknowledge(as_role, events, role, status):
    response = as_role(role).post(f"/api/events/{events[0].pk}/acknowledge/")
    assert response.status_code == status
    if status == 403:
        assert response.json() == {"detail": "Acknowledging events needs the operator role."}
    events[0].refresh_from_db()
    assert (events[0].acknowledged_at is not None) == (status == 200)
    if status == 200:
        assert response.json()["acknowledged_by"] == f"{role}-user"


@pytest.mark.django_db
def test_acknowledging_many_keeps_earlier_acknowledgements(as_role, events):
    operator = as_role("operator")
    operator.post(f"/api/events/{events[0].pk}/acknowledge/")
    first = Event.objects.get(pk=events[0].pk).acknowledged_at
    response = operator.post(
        "/api/events/acknowledge/", {"ids": [e.pk for e in events[:3]]}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"acknowledged": 2, "already": 1}
    assert Event.objects.get(pk=events[0].pk).acknowledged_at == first
    assert Event.objects.filter(acknowledged_at__isnull=False).count() == 3


@pytest.mark.django_db
def test_acknowledging_unknown_events_changes_nothing(as_role, events):
    response = as_role("operator").post(
        "/api/events/acknowledge/", {"ids": [events[0].pk, 999999]}, format="json"
    )
    assert response.status_code == 400
    assert "999999" in response.json()["detail"]
    assert not Event.objects.filter(acknowledged_at__isnull=False).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("payload", [{}, {"ids": []}, {"ids": ["x"]}, {"ids": 3}])
def test_a_bad_acknowledge_payload_is_a_400_with_a_message(as_role, events, payload):
    response = as_role("operator").post("/api/events/acknowledge/", payload, format="json")
    assert response.status_code == 400
    assert "ids" in response.json()


@pytest.mark.django_db
def test_events_are_newest_first_paginated_and_filtered(as_role, events):
    viewer = as_role("viewer")
    body = viewer.get("/api/events/", {"page_size": 2}).json()
    assert body["count"] == 5
    assert [e["id"] for e in body["results"]] == [events[4].pk, events[3].pk]
    assert body["next"]

    window = {
        "time_after": (T0 + timedelta(minutes=1)).isoformat(),
        "time_before": (T0 + timedelta(minutes=3)).isoformat(),
    }
    in_window = viewer.get("/api/events/", window).json()["results"]
    assert [e["bit"] for e in in_window] == [3, 2, 1]

    di = events[0].di
    by_di = viewer.get("/api/events/", {"di": di.pk}).json()["results"]
    assert {e["tag"] for e in by_di} == {di.tag} and len(by_di) == 3

    as_role("operator").post(f"/api/events/{events[1].pk}/acknowledge/")
    acknowledged = viewer.get("/api/events/", {"acknowledged": "true"}).json()["results"]
    pending = viewer.get("/api/events/", {"acknowledged": "false"}).json()["results"]
    assert [e["id"] for e in acknowledged] == [events[1].pk]
    assert len(pending) == 4
    other = viewer.get("/api/events/", {"comaster": events[0].comaster_id + 1000})
    assert other.status_code == 400 or other.json()["count"] == 0


@pytest.mark.django_db
def test_points_carry_current_values_and_filter_by_tag_ied_and_comaster(as_role, site_profile):
    DI.objects.filter(tag="E4189I01").update(value=1.0, current=True, revision=7)
    viewer = as_role("viewer")
    (point,) = viewer.get("/api/points/", {"tag": "E4189I01"}).json()["results"]
    assert (point["kind"], point["value"], point["current"], point["revision"]) == (
        "di",
        1.0,
        True,
        7,
    )
    assert point["text_on"] == "Closed"
    di = DI.objects.get(tag="E4189I01")
    by_ied = viewer.get("/api/points/", {"ied": di.ied_id, "page_size": 1000}).json()
    assert by_ied["count"] == di.ied.points.count()
    comaster = di.ied.comaster
    by_comaster = viewer.get("/api/points/", {"comaster": comaster.pk, "kind": "ai"}).json()
    assert by_comaster["count"] == AI.objects.filter(ied__comaster=comaster).count() > 0
    assert all(p["comaster"] == comaster.pk for p in by_comaster["results"])


@pytest.mark.django_db
def test_comasters_show_their_communication_state(as_role, site_profile):
    COMaster.objects.filter(name="E4").update(online=True, polls=12, last_error="")
    body = as_role("viewer").get("/api/comasters/", {"online": "true"}).json()
    assert [(c["name"], c["online"], c["polls"]) for c in body["results"]] == [("E4", True, 12)]


@pytest.mark.django_db
def test_energy_filters_by_ai_and_period(as_role, site_profile):
    ai = AI.objects.filter(profile=site_profile).first()
    for day in range(3):
        Energy.objects.create(
            profile=site_profile,
            comaster=ai.ied.comaster,
            ai=ai,
            ied_address=ai.ied.address,
            channel=0,
            time=T0 + timedelta(days=day),
            code=3,
            value=100 + day,
            raw=f"{day}",
            dedup_key=f"energy:{day}",
            received_at=T0,
        )
    body = as_role("viewer").get(
        "/api/energy/", {"ai": ai.pk, "time_after": (T0 + timedelta(days=1)).isoformat()}
    )
    assert [e["value"] for e in body.json()["results"]] == [102, 101]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        {"time_after": "yesterday"},
        {"time_before": "0001-01-01T00:00:00+05:00"},
        {"di": "abc"},
        {"comaster": "9" * 30},
        {"page": "x"},
    ],
)
def test_bad_filters_are_a_400_or_404_never_a_500(as_role, events, query):
    response = as_role("viewer").get("/api/events/", query)
    assert response.status_code in (400, 404)
    assert response.json()


@pytest.mark.django_db
def test_times_with_any_offset_are_understood(as_role, events):
    far_east = (T0 + timedelta(minutes=2)).astimezone(timezone(timedelta(hours=18, minutes=50)))
    body = as_role("viewer").get("/api/events/", {"time_after": far_east.isoformat()}).json()
    assert [e["bit"] for e in body["results"]] == [4, 3, 2]


@pytest.mark.django_db
def test_unknown_objects_and_paths_answer_in_json(as_role, site_profile):
    viewer = as_role("viewer")
    assert viewer.get("/api/points/999999/").json() == {
        "detail": "No Point matches the given query."
    }
    assert viewer.get(f"/api/points/{'9' * 30}/").status_code == 404
    missing = viewer.get("/api/nothing-here/")
    assert missing.status_code == 404 and "nothing-here" in missing.json()["detail"]


@pytest.mark.django_db
def test_configuration_is_read_only_here(as_role, site_profile):
    assert as_role("viewer").post("/api/points/", {}).status_code == 403
    assert as_role("viewer").post("/api/points/", {}).json()["detail"] == (
        "Changing the configuration needs the engineer role."
    )
    assert as_role("engineer").post("/api/points/", {}).status_code == 405


@pytest.mark.django_db
def test_scripts_use_a_token(role_user, events):
    user = role_user("operator")
    token = Token.objects.create(user=user)
    client = api_client(token=token.key)
    assert client.get("/api/events/").status_code == 200
    assert client.post(f"/api/events/{events[0].pk}/acknowledge/").status_code == 200
    bad = api_client(token="0" * 40).get("/api/events/")
    assert bad.status_code == 401 and bad.json() == {"detail": "Invalid token."}


@pytest.mark.django_db
def test_a_token_is_obtained_with_a_password(role_user):
    role_user("viewer")
    response = APIClient().post(
        "/api/auth/token/", {"username": "viewer-user", "password": "x"}, format="json"
    )
    assert response.status_code == 200 and len(response.json()["token"]) == 40


@pytest.mark.django_db
def test_session_writes_need_the_csrf_token(role_user, events):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(role_user("operator"))
    response = client.post(f"/api/events/{events[0].pk}/acknowledge/")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
