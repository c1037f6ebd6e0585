"""Who polls what, as /api/links, /readyz and the operations page tell it: the holders of
the links' leases (PostgreSQL advisory locks, poll.acquisition.leases), held here by a
second real session that names itself as a poller does."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from poll.acquisition.leases import APPLICATION_PREFIX, source_key
from poll.models import COMaster, ModbusDevice
from tests.ops.test_health import beat
from tests.ops.test_links import demo_site, viewer  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def poller_session() -> Iterator[psycopg.Connection]:
    if connection.vendor != "postgresql":
        pytest.skip("leases are PostgreSQL advisory locks")
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        autocommit=True,
        application_name=f"{APPLICATION_PREFIX}north-1",
    ) as session:
        yield session


def test_the_owner_of_each_link_is_shown(demo_site, poller_session) -> None:  # noqa: F811
    comaster = COMaster.objects.order_by("name").first()
    device = ModbusDevice.objects.order_by("name").first()
    assert comaster is not None and device is not None
    poller_session.execute("SELECT pg_advisory_lock(%s, %s)", [source_key("mara"), comaster.pk])
    poller_session.execute("SELECT pg_advisory_lock(%s, %s)", [source_key("modbus"), device.pk])

    rows = viewer().get(f"/api/links?profile={demo_site.pk}").json()["results"]
    polled_by = {(row["kind"], row["name"]): row["poller"] for row in rows}
    assert polled_by[("COMaster", comaster.name)] == "north-1"
    assert polled_by[("Modbus", device.name)] == "north-1"
    assert sum(bool(owner) for owner in polled_by.values()) == 2

    beat(1)
    response = Client().get("/readyz")
    assert (response.status_code, response.content) == (200, b"ok\nnorth-1: 2\n")

    admin = Client()
    admin.force_login(User.objects.create_superuser("root", password="x"))
    page = admin.get("/operations").content.decode()
    assert '<td class="owner">north-1</td>' in page


def test_links_no_poller_holds_show_no_owner(demo_site, poller_session) -> None:  # noqa: F811
    rows = viewer().get(f"/api/links?profile={demo_site.pk}").json()["results"]
    assert {row["poller"] for row in rows} == {""}
    beat(1)
    assert Client().get("/readyz").content == b"ok\n"
