"""Roles decide access beyond the API's own endpoints: the API's schema and docs, and who
is staff (may open the admin) among the demo users."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from tests.hmi.support import api_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_an_account_with_no_role_gets_nothing_of_the_api_description(path):
    nobody = User.objects.create_user("nobody", password="x", is_staff=True)
    response = api_client(nobody).get(path)
    assert response.status_code == 403
    assert b"/api/" not in response.content, "no path of the API, no link to the schema"
    viewer = User.objects.create_user("viewer-user", password="x")
    viewer.groups.add(Group.objects.get(name="viewer"))
    assert api_client(viewer).get(path).status_code == 200
    boss = User.objects.create_superuser("boss", password="x")
    assert api_client(boss).get(path).status_code == 200


def test_only_engineers_providers_and_admins_are_staff_among_the_demo_users():
    # A service provider keeps buildings, flats and meters in the admin (metering only).
    User.objects.create_user("viewer", is_staff=True)  # as an older demo left it
    call_command("create_demo_users", stdout=io.StringIO())
    staff = {user.username: user.is_staff for user in User.objects.all()}
    assert staff == {
        "viewer": False,
        "operator": False,
        "engineer": True,
        "provider": True,
        "admin": True,
    }
    assert User.objects.get(username="admin").is_superuser
