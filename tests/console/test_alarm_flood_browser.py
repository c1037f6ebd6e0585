"""The alarm summary under a flood, in a real browser on the real alarms app: the table
draws only a window of rows yet scrolling reaches every alarm, and the live page empties by
itself once the flood is cleared and acknowledged (it once stayed full: the console read a
flood in pages of 100 while the list changed under it).

The flood is committed as the poller commits a batch (``bench.alarms_browser.Field``).
Every wait is on a page condition (Playwright's ``expect``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from bench.alarms import build
from bench.alarms_browser import Field, acknowledge_all
from tests.console.conftest import CHROMIUM, Site, log_in
from tests.hmi.asgi_server import asgi_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]

WAIT_MS = 30_000

# In the page: scroll the summary's scroller to its end a screenful at a time, collecting
# the ids of the rows drawn on the way and the most rows drawn at once.
_SCROLL_THROUGH = """async () => {
  const box = document.getElementById("alarms-scroller");
  const body = document.getElementById("alarms-body");
  const seen = new Set();
  let most = 0;
  box.scrollTop = 0;
  for (;;) {
    await new Promise(requestAnimationFrame);
    await new Promise(requestAnimationFrame);
    for (const row of body.rows) seen.add(row.dataset.id);
    most = Math.max(most, body.rows.length);
    if (box.scrollTop + box.clientHeight >= box.scrollHeight - 1) break;
    box.scrollTop += box.clientHeight / 2;
  }
  return { seen: seen.size, most };
}"""


@pytest.fixture
def flood_site(transactional_db: None) -> Iterator[Site]:
    from django.core.management import call_command

    call_command("create_demo_users", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with asgi_server(DJANGO_SETTINGS_MODULE="smve.test_settings") as server:
        yield Site(server)


def raise_flood(count: int) -> tuple[Field, list[int]]:
    profile, points = build(count)
    field = Field(profile.pk)
    field.commit(dict.fromkeys(points, 500.0))
    return field, points


def test_a_long_list_draws_a_window_of_rows_yet_scrolling_reaches_every_alarm(flood_site, browser):
    site = flood_site
    page = log_in(browser, site, "operator", "/alarms")
    expect(page.locator("#alarms-empty")).to_be_visible(timeout=WAIT_MS)
    raise_flood(400)
    expect(page.locator("#alarms-table")).to_have_attribute("data-count", "400", timeout=WAIT_MS)
    expect(page.locator("#alarms-foot")).to_have_text("400 alarms.")
    drawn = page.locator("#alarms-body tr").count()
    assert 0 < drawn < 400, f"{drawn} rows drawn of 400"
    walk = page.evaluate(_SCROLL_THROUGH)
    assert walk["seen"] == 400
    assert walk["most"] < 400
    # A drawn row's button still acts on its alarm after the scrolling.
    page.locator("#alarms-body tr").last.locator("button", has_text="Acknowledge").click()
    expect(page.locator("#action-message")).to_have_text("1 acknowledged.")
    # Acknowledged now, it is the newest of its priority: at the top of the list.
    page.evaluate("() => { document.getElementById('alarms-scroller').scrollTop = 0; }")
    expect(page.locator("#alarms-body tr[data-state=ack]")).to_have_count(1, timeout=WAIT_MS)


def test_the_live_summary_empties_after_a_flood_is_cleared_and_acknowledged(flood_site, browser):
    site = flood_site
    page = log_in(browser, site, "operator", "/alarms")
    expect(page.locator("#alarms-empty")).to_be_visible(timeout=WAIT_MS)
    field, points = raise_flood(1000)
    expect(page.locator("#alarms-table")).to_have_attribute("data-count", "1000", timeout=WAIT_MS)
    field.commit(dict.fromkeys(points, 0.0), then=acknowledge_all)
    expect(page.locator("#alarms-empty")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#alarms-body tr")).to_have_count(0)
    expect(page.locator("#alarms-foot")).to_have_text(re.compile(r"^0 alarms\.$"))


def test_the_banner_follows_the_alarms_the_stream_carries_without_reading_them(flood_site, browser):
    profile, points = build(1)
    field = Field(profile.pk)
    field.commit({points[0]: 0.0})  # a revision, for the stream's first message
    page = log_in(browser, flood_site, "operator", "/")
    reads: list[str] = []
    page.on("requestfinished", lambda request: reads.append(request.url))
    page.reload()  # every read of this load is heard
    banner = page.locator("#alarm-banner .alarm-newest")
    expect(banner).to_have_text("No unacknowledged alarm", timeout=WAIT_MS)

    def alarm_reads() -> int:
        return sum("/api/alarms/" in url for url in reads)

    # The page reads the list whole twice: as it starts, and on the stream's first message.
    while alarm_reads() < 2:
        page.wait_for_event("requestfinished", timeout=WAIT_MS)
    field.commit({points[0]: 500.0})
    expect(banner).to_contain_text("BENCH00000:", timeout=WAIT_MS)
    field.commit({points[0]: 0.0}, then=acknowledge_all)
    expect(banner).to_have_text("No unacknowledged alarm", timeout=WAIT_MS)
    assert alarm_reads() == 2
