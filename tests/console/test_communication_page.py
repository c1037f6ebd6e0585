"""The Communication page in a real browser lists every field link of the demo site:
the substation's COMasters, the plant's PLC and the building's meters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from poll.models import ModbusDevice
from poll.profiles import load_profile, read_profile_file
from tests.conftest import ROOT
from tests.console.conftest import CHROMIUM, SERVER_SETTINGS, Browser, Site, log_in
from tests.hmi.asgi_server import asgi_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]


@pytest.fixture
def demo_site(transactional_db: None) -> Iterator[Site]:
    load_profile(read_profile_file(ROOT / "fixtures" / "demo_site.json"), activate=True)
    call_command("create_demo_users", stdout=open("/dev/null", "w"))  # noqa: SIM115
    ModbusDevice.objects.filter(pk=ModbusDevice.objects.order_by("pk")[0].pk).update(
        last_error="no answer from the gateway"
    )
    with asgi_server(DJANGO_SETTINGS_MODULE=SERVER_SETTINGS) as server:
        yield Site(server)


def test_every_device_is_on_the_communication_page(demo_site: Site, browser: Browser) -> None:
    page = log_in(browser, demo_site, "viewer", "/status")
    rows = page.locator("#status-body tr")
    expect(rows).to_have_count(2 + ModbusDevice.objects.count())
    expect(page.locator('#status-body tr[data-kind="COMaster"]')).to_have_count(2)
    modbus = page.locator('#status-body tr[data-kind="Modbus"]')
    expect(modbus).to_have_count(ModbusDevice.objects.count())
    expect(modbus.first.locator(".state-badge")).to_have_text("offline")
    expect(page.locator("#status-body")).to_contain_text("no answer from the gateway")
    for name in ModbusDevice.objects.values_list("name", flat=True):
        expect(page.locator(f'#status-body tr[data-link="{name}"]')).to_be_visible()
