"""The tooltip of a controllable element, in a real browser against the live site: it says
that a click opens the control panel and that Shift+click opens the trend (the click is the
panel's there), and a viewer, who has no panel, is still told that a click opens the trend.

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

WAIT_MS = 20_000
BREAKER = 'svg.drawing [tag="E4189I01"]'


def test_the_tooltip_says_what_a_click_does(live_site, browser):  # noqa: F811
    station = f"/screens/{live_site.screens['E4 Los Aromos']}/"
    page = log_in(browser, live_site, "operator", station)
    breaker = page.locator(BREAKER)
    expect(breaker).to_have_class(re.compile("is-controllable"), timeout=WAIT_MS)
    breaker.hover()
    tooltip = page.locator("#tooltip")
    expect(tooltip).to_contain_text("Click for the control panel", timeout=WAIT_MS)
    expect(tooltip).to_contain_text(re.compile(r"Shift\+click for a trend of .*E4189I01"))

    viewer = log_in(browser, live_site, "viewer", station)
    viewer.locator(BREAKER).hover()
    seen = viewer.locator("#tooltip")
    only_trend = re.compile(r"^(?!.*Shift).*Click for a trend of .*E4189I01")
    expect(seen).to_contain_text(only_trend, timeout=WAIT_MS)
    expect(seen).not_to_contain_text("control panel")
    assert not browser.problems, browser.problems
