"""The Trends page in a real browser: add two pens, zoom (the server is asked again and
answers finer data), read the cursor, export CSV, save a view, and open a trend from a
screen element's tooltip. Also reports (never asserts) the time from the click on "1y" to
the drawn chart and the answer's size.

The history comes from ``Sample`` rows and their rollups through the site's
``/api/history/``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.console.conftest import CHROMIUM, Browser, Site, load_demo, log_in, save_screenshot
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
PENS = ("E41I00", "E41BAR00")  # a current (A) and a voltage (kV): two axes


def sample_history(now: datetime) -> None:
    """A year of hourly values and two days of values every minute, with an hour of gap
    (bad quality) an hour ago, for both pens."""
    from django.db import transaction

    from history.rollups import update_rollups
    from poll.models import Point, Sample

    rows = []
    minute_start = now - timedelta(days=2)
    for tag, base in zip(PENS, (120.0, 13.2), strict=True):
        point = Point.objects.get(tag=tag)
        time = (now - timedelta(days=365)).replace(minute=0, second=0, microsecond=0)
        while time < now:
            hours = time.timestamp() / 3600
            value = base * (1 + 0.2 * math.sin(hours * 2 * math.pi / 24))
            bad = now - timedelta(hours=2) <= time < now - timedelta(hours=1)
            rows.append(Sample(point=point, time=time, value=value, q=1 if bad else 0))
            time += timedelta(minutes=1) if time >= minute_start else timedelta(hours=1)
    Sample.objects.bulk_create(rows, batch_size=5000)
    with transaction.atomic():  # as the jobs process runs it
        update_rollups(now)


@pytest.fixture
def trends_site(tmp_path: Path, transactional_db: None) -> Iterator[Site]:
    screens = load_demo(quiet_profile(tmp_path / "profile.json"))
    sample_history(datetime.now(UTC))
    with asgi_server(DJANGO_SETTINGS_MODULE="smve.test_settings") as server:
        yield Site(server, screens=screens)


def add_pen(page, search: str, tag: str) -> None:
    page.fill("#trend-search", search)
    page.locator(f'#trend-results [data-tag="{tag}"]').click()
    expect(page.locator(f'#trend-pens [data-tag="{tag}"]')).to_be_visible()


def drag_across(page, start: float, end: float) -> None:
    box = page.locator("#trend-chart .u-over").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * start, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end, y, steps=8)
    page.mouse.up()


def test_two_pens_zoom_to_finer_data_and_export_what_is_shown(trends_site, browser: Browser):
    page = log_in(browser, trends_site, "viewer", "/trends")
    expect(page).to_have_url(re.compile(r"/trends"))
    status = page.locator("#trend-status")
    expect(status).to_contain_text("Add a pen")  # the page's scripts are running
    add_pen(page, "e41i", "E41I00")
    add_pen(page, "busbar 1 voltage", "E41BAR00")

    # 24 hours of minute values are more than the chart's width: minute buckets.
    page.click('[data-preset="24h"]')
    expect(status).to_have_attribute("data-resolution", "1min", timeout=WAIT_MS)
    expect(page.locator("#trend-chart .u-axis")).to_have_count(3)  # time, A and kV
    coarse = int(page.locator("#trend-chart").get_attribute("data-points"))
    save_screenshot(page, "trends-24h")

    # The cursor reads out both pens at one time.
    box = page.locator("#trend-chart .u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] / 2)
    readout = page.locator("#trend-readout")
    expect(readout.locator('[data-tag="E41I00"]')).to_contain_text(re.compile(r"\d+(\.\d+)? A"))
    expect(readout.locator('[data-tag="E41BAR00"]')).to_contain_text(re.compile(r"\d+(\.\d+)? kV"))

    # Dragging across a fifth of the day asks the server again: the raw minute values.
    drag_across(page, 0.4, 0.6)
    expect(status).to_have_attribute("data-resolution", "raw", timeout=WAIT_MS)
    expect(page).to_have_url(re.compile(r"start=.*end="))
    fine = int(page.locator("#trend-chart").get_attribute("data-points"))
    assert fine / 0.2 > coarse  # more points per hour over the fifth of the day than before
    save_screenshot(page, "trends-zoomed")

    # The CSV is what the chart shows: both pens, the zoomed range, the raw values.
    with page.expect_download() as download_info:
        page.click("#trend-csv")
    text = Path(download_info.value.path()).read_text()
    assert text.startswith("# site time zone: ")  # the header line names zone and units
    rows = list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))
    assert {row["tag"] for row in rows} == set(PENS)
    times = [datetime.fromisoformat(row["time"]) for row in rows]
    assert max(times) - min(times) < timedelta(hours=5)
    assert len(rows) == fine * 2

    # Panning back keeps the span and moves it half a span earlier.
    url = page.url
    page.click("#trend-back")
    expect(page).not_to_have_url(url)

    # A saved view comes back with its pens.
    page.fill("#trend-view-name", "Feeder Norte")
    page.click("#trend-view-save")
    expect(page.locator("#trend-view-message")).to_contain_text("Saved")
    page.goto(f"{trends_site.url}/trends")
    expect(page.locator("#trend-pens li")).to_have_count(0)
    page.locator("#trend-views").select_option(label="Feeder Norte")
    expect(page.locator("#trend-pens li")).to_have_count(2)
    expect(status).to_have_attribute("data-resolution", "raw", timeout=WAIT_MS)


def test_a_year_long_trend_is_measured(trends_site, browser: Browser):
    page = log_in(browser, trends_site, "viewer", f"/trends?tag={PENS[0]}&range=24h")
    expect(page.locator("#trend-status")).to_have_attribute("data-resolution", "1min")
    status = page.locator("#trend-status")
    figures = []
    for _ in range(5):
        page.click('[data-preset="24h"]')
        expect(status).not_to_have_attribute("data-resolution", "1h", timeout=WAIT_MS)
        page.click('[data-preset="1y"]')
        expect(status).to_have_attribute("data-load-ms", re.compile(r"\d"), timeout=WAIT_MS)
        expect(status).to_have_attribute("data-resolution", "1h")
        figures.append(
            (
                float(status.get_attribute("data-load-ms")),
                status.get_attribute("data-bytes"),
                float(status.get_attribute("data-fetch-ms")),
            )
        )
    times = sorted(ms for ms, _, _ in figures)
    fetches = sorted(ms for _, _, ms in figures)
    print(
        f"\nclick on 1y to drawn pen: median {times[2]:.1f} ms, runs {times}; "
        f"of which the request (server) median {fetches[2]:.1f} ms; "
        f"response {figures[-1][1]} bytes (one pen)"
    )


def test_a_screen_elements_tooltip_opens_its_trend(trends_site, browser: Browser):
    station = trends_site.screens["E4 Los Aromos"]
    page = log_in(browser, trends_site, "viewer", f"/screens/{station}/")
    measurement = page.locator('svg.drawing [tag="E41I00"]')
    measurement.hover()
    expect(page.locator("#tooltip")).to_contain_text("for a trend of E41I00")
    measurement.click()
    expect(page).to_have_url(re.compile(r"/trends\?tag=E41I00&range=24h"))
    expect(page.locator('#trend-pens [data-tag="E41I00"]')).to_be_visible()
    expect(page.locator("#trend-status")).to_have_attribute("data-resolution", "1min")
