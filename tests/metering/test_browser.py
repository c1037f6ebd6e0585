"""The metering page in a real browser: the service provider opens /metering, sees the load
profile and the flats' bars drawn by uPlot, the heat map and the meters, and downloads the
month's report as XLSX, which opens with the building's totals."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.console.conftest import (
    CHROMIUM,
    SERVER_SETTINGS,
    Browser,
    Site,
    log_in,
    save_screenshot,
)
from tests.hmi.asgi_server import asgi_server

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]

BUILDING_PROFILE = Path(__file__).resolve().parents[2] / "fixtures" / "building_meters.json"
WAIT_MS = 20_000


@pytest.fixture
def metering_site(transactional_db: None) -> Iterator[Site]:
    from metering.backfill import backfill
    from poll.profiles import load_profile, read_profile_file

    load_profile(read_profile_file(BUILDING_PROFILE), activate=True)
    call_command("create_demo_users", stdout=open("/dev/null", "w"))  # noqa: SIM115
    backfill(40)
    with asgi_server(DJANGO_SETTINGS_MODULE=SERVER_SETTINGS) as server:
        yield Site(server)


def test_the_provider_sees_the_charts_and_downloads_the_month(
    metering_site, browser: Browser, tmp_path
):
    from metering.models import Building
    from metering.quarters import local_day
    from metering.reports import monthly_report

    page = log_in(browser, metering_site, "provider", "/metering")
    expect(page).to_have_url(re.compile("/metering$"))
    expect(page.locator("body[data-metering-ready=true]")).to_have_count(1, timeout=WAIT_MS)
    expect(page.locator("#metering-load canvas")).to_have_count(1)
    expect(page.locator("#metering-flats canvas")).to_have_count(1)
    expect(page.locator("#metering-meters tbody tr")).to_have_count(6)
    assert page.locator("#metering-heat .heat-cell").count() >= 6 * 40
    save_screenshot(page, "metering")

    with page.expect_download() as download_info:
        page.click("#metering-report-xlsx")
    path = tmp_path / "report.xlsx"
    download_info.value.save_as(path)
    rows = list(openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert rows[1][0] == "flat" and rows[-1][0] == "total"
    from django.utils import timezone

    today = local_day(timezone.now())
    report = monthly_report(Building.objects.get(), today.year, today.month)
    assert rows[-1][3] == report.total_wh > 0
    assert [row[0] for row in rows[2:-1]] == [f"Flat {n}" for n in range(1, 7)]


def test_a_viewer_sees_the_dashboard_without_downloads(metering_site, browser: Browser):
    page = log_in(browser, metering_site, "viewer", "/metering")
    expect(page.locator("body[data-metering-ready=true]")).to_have_count(1, timeout=WAIT_MS)
    expect(page.locator("#metering-downloads")).to_be_hidden()
