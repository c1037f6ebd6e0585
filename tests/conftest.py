"""Fixtures shared by the whole suite."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO_PROFILE = ROOT / "fixtures" / "demo_substation.json"


@pytest.fixture
def demo_profile(db):
    """The demo substation, loaded and active."""
    from poll.profiles import load_profile, read_profile_file

    return load_profile(read_profile_file(DEMO_PROFILE), activate=True)


@pytest.fixture
def role_user(db, django_user_model):
    """Make a staff user in one of the role groups: ``role_user("operator")``."""
    from django.contrib.auth.models import Group

    def make(role: str):
        user = django_user_model.objects.create_user(
            username=f"{role}-user", password="x", is_staff=True
        )
        user.groups.add(Group.objects.get(name=role))
        return user

    return make
