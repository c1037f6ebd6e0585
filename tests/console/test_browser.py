"""The console in a real browser, against the live site: screens, events, roles.

Every wait is on a page condition (Playwright's ``expect``), never a fixed sleep.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.console.conftest import CHROMIUM, log_in, save_screenshot

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]

CLOSED = "rgb(211, 47, 47)"  # palette 1
OPEN = "rgb(46, 125, 50)"  # palette 2
NOT_CURRENT = "rgb(126, 87, 194)"  # palette 99
INVALID = "rgb(255, 0, 255)"  # palette 98
WAIT_MS = 15_000


def test_operator_follows_screens_and_sees_the_field_live(live_site, browser):
    page = log_in(browser, live_site, "operator")
    overview, station = live_site.screens["Overview"], live_site.screens["E4 Los Aromos"]
    expect(page).to_have_url(f"{live_site.url}/screens/{overview}/")
    expect(page.locator("#breadcrumb")).to_have_text("Overview")
    breaker = page.locator('svg.drawing [tag="E4189I01"]')
    expect(breaker).to_have_css("fill", CLOSED, timeout=WAIT_MS)
    expect(breaker).not_to_have_class(re.compile("is-not-current"), timeout=WAIT_MS)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    expect(page.locator("#staleness")).to_be_hidden()
    save_screenshot(page, "overview")

    # The station's title opens its screen (clicked clear of the title's text).
    page.locator('[tag="E4STATION"]').click(position={"x": 450, "y": 8})
    expect(page).to_have_url(f"{live_site.url}/screens/{station}/")
    expect(page.locator("#breadcrumb")).to_have_text(re.compile(r"Overview\s*E4 Los Aromos"))
    expect(page.locator('svg.drawing [tag="E4189B01"]')).to_have_css("fill", CLOSED)
    measurement = page.locator('svg.drawing [tag="E41I00"]')
    expect(measurement).to_have_text(re.compile(r"^\d+\.\d A$"))
    save_screenshot(page, "station-E4")

    # The tooltip names the element and the point its formula reads, with its value.
    breaker.hover()
    expect(page.locator("#tooltip")).to_contain_text("Feeder Norte breaker")
    expect(page.locator("#tooltip")).to_contain_text("Closed")

    live_site.simulator.control("set_di", comaster="E4", tag="E4189I01", value=0)
    expect(breaker).to_have_css("fill", OPEN, timeout=WAIT_MS)

    live_site.simulator.control("stop", comaster="E4")
    banner = page.locator("#staleness")
    expect(banner).to_contain_text("not current", timeout=WAIT_MS)
    expect(banner).to_contain_text("E4 offline since", timeout=WAIT_MS)
    expect(breaker).to_have_class(re.compile("is-not-current"))
    expect(breaker).to_have_css("fill", NOT_CURRENT)
    expect(measurement).to_have_css("fill", NOT_CURRENT)  # the text keeps its last value
    expect(measurement).to_have_text(re.compile(r"^\d+\.\d A$"))

    live_site.simulator.control("resume", comaster="E4")
    expect(banner).to_be_hidden(timeout=WAIT_MS)
    expect(breaker).to_have_css("fill", OPEN)
    expect(breaker).not_to_have_class(re.compile("is-not-current"))

    page.go_back()
    expect(page).to_have_url(f"{live_site.url}/screens/{overview}/")
    expect(page.locator("#breadcrumb")).to_have_text("Overview")
    expect(page.locator('svg.drawing [tag="E4STATION"]')).to_be_visible()
    expect(breaker).to_have_css("fill", OPEN)
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")

    # With the web server gone, the whole screen says it is not current.
    live_site.server.process.kill()
    expect(page.locator("#diagram")).to_have_class(re.compile("is-stale"), timeout=WAIT_MS)
    expect(banner).to_contain_text("Live data interrupted")
    expect(page.locator("#connection")).not_to_have_attribute("data-state", "live")


def test_new_events_appear_live_and_operators_acknowledge_them(live_site, browser):
    page = log_in(browser, live_site, "operator", "/events")
    badge = page.locator("#unacknowledged-count")
    rows = page.locator("#events-body tr")
    expect(page.locator("#events-empty")).to_be_visible()
    expect(badge).to_be_hidden()

    live_site.simulator.control("set_di", comaster="E4", tag="E4150P01", value=1)
    trip = rows.filter(has_text="E4150P01")
    expect(trip).to_have_count(1, timeout=WAIT_MS)
    expect(trip).to_contain_text("Feeder Norte overcurrent trip (50/51)")
    expect(trip).to_contain_text("Trip")
    with_milliseconds = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$")
    expect(trip.locator(".time")).to_have_text(with_milliseconds)
    expect(badge).to_have_text("1")

    live_site.simulator.control("set_di", comaster="E5", tag="E5151N01", value=1)
    expect(rows).to_have_count(2, timeout=WAIT_MS)
    expect(badge).to_have_text("2")

    trip.locator("input[type=checkbox]").check()
    page.click("#acknowledge-selected")
    expect(page.locator("#action-message")).to_have_text("1 acknowledged.")
    expect(trip).to_contain_text("operator ·")
    expect(badge).to_have_text("1")

    page.select_option("select[name=acknowledged]", "false")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("E5151N01")
    page.select_option("select[name=comaster]", label="E4")
    expect(page.locator("#events-empty")).to_be_visible()
    page.click("button[type=reset]")
    expect(rows).to_have_count(2)

    page.click("#acknowledge-shown")
    expect(badge).to_be_hidden()
    expect(page.locator("#events-body tr.is-unacknowledged")).to_have_count(0)


@pytest.fixture
def broken_formula(web_site) -> None:
    """The breaker's element as the poller leaves it when its fill formula fails."""
    from django.utils import timezone

    from hmi.models import GraphicElement
    from hmi.palette import INVALID as INVALID_CODE
    from poll.models import Revision

    GraphicElement.objects.filter(tag="E4189I01").update(
        fill=INVALID_CODE, error="fill: #DIV/0! (division by zero)", current=True,
        revision=Revision.objects.create(source="test").pk, updated_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def one_event(web_site) -> int:
    """An unacknowledged event, made before the browser starts (the database is only used
    outside Playwright's event loop)."""
    from django.utils import timezone

    from poll.models import COMaster, Event

    comaster = COMaster.objects.get(name="E4")
    now = timezone.now()
    return Event.objects.create(
        profile=comaster.profile, comaster=comaster, ied_address=1, port=1, bit=0,
        time=now, value=1, raw="00", dedup_key="browser-test", received_at=now,
    ).pk  # fmt: skip


def test_viewers_cannot_acknowledge_and_anonymous_users_log_in_first(
    web_site, one_event, broken_formula, browser
):
    anonymous = browser.page()
    anonymous.goto(f"{web_site.url}/events")
    expect(anonymous).to_have_url(re.compile(r"/accounts/login/\?next=/events$"))
    anonymous.goto(f"{web_site.url}/screens/{web_site.screens['Overview']}/")
    expect(anonymous).to_have_url(re.compile(r"/accounts/login/\?next=/screens/"))

    page = log_in(browser, web_site, "viewer", "/events")
    rows = page.locator("#events-body tr")
    expect(rows).to_have_count(1)
    expect(page.locator("#unacknowledged-count")).to_have_text("1")
    expect(page.locator("#event-actions")).to_be_hidden()
    expect(page.locator("#events-body input[type=checkbox]")).to_have_count(0)
    refused = page.evaluate(
        """async (id) => {
            const token = document.querySelector('meta[name="csrf-token"]').content;
            const response = await fetch("/api/events/acknowledge", {
                method: "POST",
                headers: {"Content-Type": "application/json", "X-CSRFToken": token},
                body: JSON.stringify({ids: [id]}),
            });
            return [response.status, (await response.json()).detail];
        }""",
        one_event,
    )
    assert refused == [403, "Acknowledging events needs the operator role."]
    page.reload()
    expect(rows.locator(".ack")).to_have_text("Unacknowledged")

    # Viewers see the screens; an element whose formula fails shows the invalid colour.
    page.goto(f"{web_site.url}/screens/{web_site.screens['E4 Los Aromos']}/")
    breaker = page.locator('svg.drawing [tag="E4189I01"]')
    expect(breaker).to_have_css("fill", INVALID)
    expect(breaker).to_have_class(re.compile("is-invalid"))
    breaker.hover()
    expect(page.locator("#tooltip")).to_contain_text("#DIV/0!")

    page.click(".logout button")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
