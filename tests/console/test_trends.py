"""The Trends page without a browser: access, the point search behind the pen picker, and
the saved trend views (own, shared, validated, deleted by their owner only)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from console.models import TrendView

DAY = {"start": "2026-01-01T00:00:00+00:00", "end": "2026-01-02T00:00:00+00:00"}
VIEW = {"name": "Feeders", "tags": ["E41I00", "E42I00"], "range": {"preset": "24h"}}


def client_for(user: User, enforce_csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(user)
    return client


def post_view(client: Client, body: object) -> object:
    return client.post("/trends/views", json.dumps(body), content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/trends", "/trends/points?q=E4", "/trends/views"])
def test_trends_need_a_login_and_a_role(path):
    assert Client().get(path).status_code == 302
    nobody = User.objects.create_user("nobody")
    assert client_for(nobody).get(path).status_code == 403


@pytest.mark.django_db
def test_the_page_has_the_presets_the_chart_library_and_the_nav_link(role_user):
    response = client_for(role_user("viewer")).get("/trends")
    assert response.status_code == 200
    page = response.content.decode()
    for preset in ("1h", "8h", "24h", "7d", "30d", "1y"):
        assert f'data-preset="{preset}"' in page
    assert "/static/console/vendor/uplot/uPlot.min.css" in page
    assert "/static/console/js/trends-page.js" in page
    assert 'href="/trends" aria-current="page">Trends</a>' in page


@pytest.mark.django_db
def test_points_are_found_by_tag_description_or_unit(demo_profile, role_user):
    client = client_for(role_user("viewer"))

    def found(query: str) -> list[str]:
        return [row["tag"] for row in client.get(f"/trends/points?{query}").json()["results"]]

    assert "E41I00" in found("q=e41i")
    assert "E41I00" in found("q=norte+phase")
    by_unit = found("q=Mvar")
    assert by_unit and all(tag.endswith("Q00") for tag in by_unit)
    assert found("tag=E42I00&tag=E41I00") == ["E41I00", "E42I00"]
    first = client.get("/trends/points?tag=E41I00").json()["results"][0]
    assert first == {
        "tag": "E41I00",
        "description": "Feeder Norte phase current",
        "unit": "A",
        "kind": "ai",
    }
    assert found("q=no-such-point") == []


@pytest.mark.django_db
def test_a_viewer_saves_a_view_and_shares_it(role_user):
    viewer, other = role_user("viewer"), User.objects.create_user("other")
    other.groups.set(viewer.groups.all())
    mine, theirs = client_for(viewer), client_for(other)

    response = post_view(mine, VIEW)
    assert response.status_code == 201
    saved = response.json()
    assert saved | {"id": 0} == {
        **VIEW,
        "id": 0,
        "owner": viewer.username,
        "mine": True,
        "shared": False,
    }
    assert theirs.get("/trends/views").json()["results"] == []

    # Saving under the same name replaces the view, now shared with a fixed range.
    fixed = DAY
    response = post_view(mine, {**VIEW, "range": fixed, "shared": True})
    assert response.status_code == 200
    assert TrendView.objects.get().time_range == fixed
    [seen] = theirs.get("/trends/views").json()["results"]
    assert (seen["name"], seen["mine"], seen["range"]) == ("Feeders", False, fixed)

    # Only the owner deletes it.
    assert theirs.delete(f"/trends/views/{saved['id']}").status_code == 404
    assert mine.delete(f"/trends/views/{saved['id']}").status_code == 204
    assert not TrendView.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**VIEW, "name": " "}, "name"),
        ({**VIEW, "tags": []}, "tags"),
        ({**VIEW, "tags": ["x"] * 13}, "tags"),
        ({**VIEW, "tags": "E41I00"}, "tags"),
        ({**VIEW, "range": {"preset": "2w"}}, "range"),
        ({**VIEW, "range": {"start": DAY["end"], "end": DAY["start"]}}, "range"),
        ({**VIEW, "range": {key: time[:19] for key, time in DAY.items()}}, "range"),
        ({**VIEW, "shared": "yes"}, "shared"),
        (["not", "an", "object"], "detail"),
    ],
)
def test_views_that_make_no_sense_are_refused_with_the_field_named(role_user, body, field):
    response = post_view(client_for(role_user("viewer")), body)
    assert response.status_code == 400
    assert field in response.json()
    assert not TrendView.objects.exists()


@pytest.mark.django_db
def test_saving_a_view_needs_the_csrf_token(role_user):
    client = client_for(role_user("viewer"), enforce_csrf=True)
    assert post_view(client, VIEW).status_code == 403
    assert not TrendView.objects.exists()
