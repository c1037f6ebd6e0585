"""The alarm console in a real browser, with a test double of the alarms API
(``alarm_api_double``) until the alarms app is on main: an alarm reaches the banner, the
summary and the screen through the site stream; an operator acknowledges it and the mark
on the screen stops; a viewer gets no acknowledge button; the event list reads only when
the stream announces a revision.

Every wait is on a page condition (Playwright's ``expect``); the one fixed wait measures
that nothing happens (no periodic request), it synchronises nothing.
"""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.console.conftest import CHROMIUM, Site, load_demo, log_in
from tests.hmi.asgi_server import asgi_server
from tests.poll.acquisition.processes import quiet_profile

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]

WAIT_MS = 15_000
#: Longer than the 2 s the event list used to poll at, so a timer would show.
QUIET_MS = 3_000


@pytest.fixture
def alarm_site(tmp_path: Path, transactional_db: None) -> Iterator[Site]:
    screens = load_demo(quiet_profile(tmp_path / "profile.json"))
    with asgi_server(DJANGO_SETTINGS_MODULE="tests.console.alarm_double_settings") as server:
        yield Site(server, screens=screens)


def raise_alarm(site: Site, **alarm: str) -> dict:
    """Raise an alarm in the double (which commits a revision, as the poller would)."""
    conn = http.client.HTTPConnection("127.0.0.1", site.server.port, timeout=10)
    try:
        conn.request(
            "POST", "/test-double/alarms", json.dumps(alarm), {"Content-Type": "application/json"}
        )
        response = conn.getresponse()
        assert response.status == 201
        return json.loads(response.read())
    finally:
        conn.close()


def test_an_alarm_reaches_banner_list_and_screen_and_an_operator_acknowledges_it(
    alarm_site, browser
):
    screen = log_in(browser, alarm_site, "operator", f"/screens/{alarm_site.screens['Overview']}/")
    breaker = screen.locator('svg.drawing [tag="E4189I01"]').first
    expect(breaker).to_be_visible(timeout=WAIT_MS)
    banner = screen.locator("#alarm-banner")
    expect(banner).to_contain_text("No unacknowledged alarm", timeout=WAIT_MS)
    summary = log_in(browser, alarm_site, "operator", "/alarms")
    expect(summary.locator("#alarms-empty")).to_be_visible(timeout=WAIT_MS)

    raise_alarm(
        alarm_site, tag="E4189I01_TRIP", point="E4189I01", priority="high",
        message="Feeder 189 tripped", area="Overview",
    )  # fmt: skip
    expect(banner.locator('[data-priority="high"] .alarm-count')).to_have_text("1")
    expect(banner.locator(".alarm-newest")).to_contain_text("E4189I01_TRIP: Feeder 189 tripped")
    expect(breaker).to_have_class(re.compile("alarm-mark"))
    row = summary.locator("#alarms-body tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Active, unacknowledged")
    expect(row.locator("a", has_text="Screen")).to_have_attribute(
        "href", re.compile(r"^/alarms/screen\?tag=E4189I01_TRIP&point=E4189I01")
    )

    row.locator("button", has_text="Acknowledge").click()
    expect(row).to_contain_text("Active, acknowledged")
    expect(breaker).not_to_have_class(re.compile("alarm-mark"))
    expect(banner.locator('[data-priority="high"] .alarm-count')).to_have_text("0")


def test_a_viewer_sees_alarms_but_no_acknowledge_button(alarm_site, browser):
    raise_alarm(alarm_site, tag="LT01_HH", priority="urgent", message="Level high-high")
    page = log_in(browser, alarm_site, "viewer", "/alarms")
    row = page.locator("#alarms-body tr")
    expect(row).to_contain_text("Level high-high", timeout=WAIT_MS)
    expect(row.locator("button")).to_have_count(0)
    expect(page.locator("#acknowledge-visible")).to_have_count(0)


def test_the_event_list_reads_on_revisions_not_on_a_timer(alarm_site, browser):
    page = log_in(browser, alarm_site, "operator", "/events")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=WAIT_MS)
    expect(page.locator("#events-foot")).to_have_text(re.compile(r"events?\."))
    reads: list[str] = []
    page.on("request", lambda request: reads.append(request.url))
    page.wait_for_timeout(QUIET_MS)  # the reads the page's first revision asked for end
    reads.clear()
    page.wait_for_timeout(QUIET_MS)
    # The acquisition banner asks on a timer by design: a stopped poller sends no revision.
    data_reads = [url for url in reads if "/api/" in url and "/api/acquisition" not in url]
    assert data_reads == [], "a read without a revision"

    with page.expect_request(re.compile(r"/api/events/\?"), timeout=WAIT_MS):
        raise_alarm(alarm_site, tag="ANY", priority="low", message="a revision")
