"""The control panel in a real browser, against the live site (simulator, poller, web
server): the operator opens a breaker on the station screen and sees it turn open; another
user sees the element held meanwhile; a viewer gets no control at all.

Every wait is on a page condition (Playwright's ``expect``), never a fixed sleep.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.console.conftest import CHROMIUM, browser, live_site, log_in  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]

CLOSED = "rgb(211, 47, 47)"  # palette 1
OPEN = "rgb(46, 125, 50)"  # palette 2
WAIT_MS = 20_000
BREAKER = 'svg.drawing [tag="E4189I01"]'


def test_the_operator_opens_a_breaker_and_sees_it_turn_open(live_site, browser):  # noqa: F811
    station = f"/screens/{live_site.screens['E4 Los Aromos']}/"
    page = log_in(browser, live_site, "operator", station)
    breaker = page.locator(BREAKER)
    expect(breaker).to_have_css("fill", CLOSED, timeout=WAIT_MS)
    expect(breaker).to_have_class(re.compile("is-controllable"))

    # Keyboard: the element takes the focus, Enter opens the panel, Escape closes it.
    breaker.focus()
    page.keyboard.press("Enter")
    panel = page.locator("#control-panel")
    expect(panel).to_be_visible()
    expect(page.locator("#control-title")).to_have_text("E4189I01")
    expect(page.locator("#control-state")).to_contain_text("Closed")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(breaker).to_be_focused()

    breaker.click()
    expect(panel).to_be_visible()
    panel.get_by_role("button", name="Select: Open").click()
    expect(page.locator("#control-countdown")).to_contain_text(re.compile(r"within \d+ s"))

    # Another user who may give commands sees the element held by the operator.
    other = log_in(browser, live_site, "engineer", station)
    held = other.locator(BREAKER)
    expect(held).to_have_class(re.compile("is-held-elsewhere"), timeout=WAIT_MS)
    held.click()
    expect(other.locator("#control-commands")).to_contain_text("Selected by operator")
    expect(other.get_by_role("button", name="Select: Open")).to_be_disabled()

    page.locator("#control-operate").click()
    steps = page.locator("#control-steps")
    expect(steps).to_contain_text("Sent to the field", timeout=WAIT_MS)
    expect(steps).to_contain_text("Feedback reached: success", timeout=WAIT_MS)
    expect(breaker).to_have_css("fill", OPEN, timeout=WAIT_MS)
    expect(page.locator("#control-state")).to_contain_text("Open")
    expect(held).not_to_have_class(re.compile("is-held-elsewhere"), timeout=WAIT_MS)
    assert live_site.simulator.state()["E4"]["di"]["E4189I01"] == 0


def test_a_viewer_sees_no_control_panel(live_site, browser):  # noqa: F811
    station = f"/screens/{live_site.screens['E4 Los Aromos']}/"
    page = log_in(browser, live_site, "viewer", station)
    breaker = page.locator(BREAKER)
    expect(breaker).to_have_css("fill", CLOSED, timeout=WAIT_MS)
    expect(page.locator("#control-panel")).to_have_count(0)
    expect(page.locator(".is-controllable")).to_have_count(0)
