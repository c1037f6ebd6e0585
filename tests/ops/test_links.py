"""``GET /api/links``: every field link of the demo site (two COMasters, the plant's PLC,
the meter gateway's meters) with the same state, counters and last error."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from poll.models import COMaster, ModbusDevice
from poll.profiles import load_profile, read_profile_file
from tests.conftest import ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_site():
    return load_profile(read_profile_file(ROOT / "fixtures" / "demo_site.json"), activate=True)


def viewer() -> Client:
    user = User.objects.create_user("viewer-user")
    user.groups.add(Group.objects.get(name="viewer"))
    client = Client()
    client.force_login(user)
    return client


def test_every_comaster_and_modbus_device_is_listed_with_its_state(demo_site) -> None:
    ModbusDevice.objects.filter(profile=demo_site).update(
        online=False, timeouts=7, last_error="no answer from unit 3"
    )
    COMaster.objects.filter(profile=demo_site, name="E4").update(online=True, polls=42)
    rows = viewer().get(f"/api/links?profile={demo_site.pk}").json()["results"]
    kinds = {(row["kind"], row["name"]) for row in rows}
    assert {name for kind, name in kinds if kind == "COMaster"} == {"E4", "E5"}
    modbus = {name for kind, name in kinds if kind == "Modbus"}
    assert modbus == set(
        ModbusDevice.objects.filter(profile=demo_site).values_list("name", flat=True)
    )
    assert len(modbus) == 7  # the plant's PLC and six meters
    by_name = {row["name"]: row for row in rows}
    assert by_name["E4"]["online"] is True and by_name["E4"]["polls"] == 42
    meter = next(row for row in rows if row["kind"] == "Modbus")
    assert (meter["online"], meter["timeouts"], meter["last_error"]) == (
        False,
        7,
        "no answer from unit 3",
    )
    assert "unit" in meter["where"] and meter["exceptions"] == 0


def test_links_need_a_login_a_role_and_a_profile(demo_site) -> None:
    assert Client().get(f"/api/links?profile={demo_site.pk}").status_code == 401
    nobody = Client()
    nobody.force_login(User.objects.create_user("nobody"))
    assert nobody.get(f"/api/links?profile={demo_site.pk}").status_code == 403
    assert viewer().get("/api/links").status_code == 400
