"""The banner "acquisition stopped since hh:mm" in a real browser: the poller is killed,
every console page says so and the screen's drawing turns not current at once (well
before any device timeout would), and all clears when the poller is back."""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from playwright.sync_api import expect

from tests.console.conftest import (
    CHROMIUM,
    SERVER_SETTINGS,
    Browser,
    Site,
    load_demo,
    log_in,
    save_screenshot,
)
from tests.hmi.asgi_server import asgi_server
from tests.poll.acquisition.processes import Poller, Simulator, database_url, quiet_profile

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]

WAIT_MS = 15_000


@pytest.fixture
def beating_site(tmp_path: Path, transactional_db: None) -> Iterator[Site]:
    """The demo site with its field, a poller that beats every half second and a web
    server that calls acquisition stopped after two seconds without a beat."""
    profile_path = tmp_path / "profile.json"
    screens = load_demo(quiet_profile(profile_path))
    simulator = Simulator(profile_path, tmp_path)
    poller = Poller(tmp_path, database_url(connection.settings_dict), POLL_HEARTBEAT_INTERVAL="0.5")
    try:
        with asgi_server(
            DJANGO_SETTINGS_MODULE=SERVER_SETTINGS, ACQUISITION_STALE_SECONDS="2"
        ) as server:
            yield Site(server, simulator, poller, screens)
    finally:
        poller.stop()
        simulator.stop()


def test_every_page_says_when_acquisition_stopped(beating_site: Site, browser: Browser) -> None:
    assert beating_site.poller is not None
    page = log_in(browser, beating_site, "viewer")
    banner = page.locator("#acquisition-banner")
    diagram = page.locator("#diagram")
    expect(page.locator('svg.drawing [tag="E4189I01"]')).to_be_visible(timeout=WAIT_MS)
    expect(banner).to_be_hidden(timeout=WAIT_MS)
    expect(diagram).not_to_have_class(re.compile("is-stale"))

    beating_site.poller.stop(signal.SIGKILL)
    expect(banner).to_have_text(
        re.compile(r"^Acquisition stopped since \d\d:\d\d:\d\d"), timeout=WAIT_MS
    )
    expect(diagram).to_have_class(re.compile("is-stale"))
    save_screenshot(page, "acquisition-stopped")

    events = log_in(browser, beating_site, "viewer", "/events")
    expect(events.locator("#acquisition-banner")).to_contain_text(
        "Acquisition stopped since", timeout=WAIT_MS
    )

    beating_site.poller.start()
    expect(banner).to_be_hidden(timeout=WAIT_MS * 2)
    expect(diagram).not_to_have_class(re.compile("is-stale"))
