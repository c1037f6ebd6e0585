"""The Trends page's chart draws the series' nulls as gaps: its data keeps a pen's null and
widens it over the times only other pens have (so the gap runs from the pen's last value
before the outage to its first after), and its series never span gaps. Runs the page's own
modules in Chromium, served from the static folder (no site, no database)."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.console.conftest import CHROMIUM, CHROMIUM_ARGS

ORIGIN = "http://smve.test"
STATIC = ROOT / "console" / "static"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"browser tests need Chromium at {CHROMIUM}"
)

PROBE = """async () => {
  const { chartData } = await import("/static/console/js/trend-data.js");
  const { TrendChart } = await import("/static/console/js/trend-chart.js");
  const shown = (column) => column.map((v) => (v === undefined ? "spanned" : v));
  // LEVEL: a value at 0 and 10, an outage from the bucket at 10 (its null at 15) until 30.
  // FLOW: values at 0, 10, 20, 30 and its own null at 25.
  const pens = [
    { tag: "LEVEL", unit: "m", t: [0, 10, 15, 30], avg: [1, 1, null, 2],
      min: [1, 1, null, 2], max: [1, 1, null, 2] },
    { tag: "FLOW", unit: "m3/h", t: [0, 10, 20, 25, 30], avg: [5, 5, 5, null, 5],
      min: [5, 5, 5, null, 5], max: [5, 5, 5, null, 5] },
  ];
  const data = chartData(pens);
  const fake = { container: document.body, size: () => ({ width: 400, height: 300 }) };
  const options = TrendChart.prototype.options.call(fake, pens, ["m", "m3/h"]);
  return {
    t: data[0],
    columns: data.slice(1).map(shown),
    spanGaps: options.series.slice(1).map((series) => series.spanGaps),
  };
}"""


def serve(route: Any) -> None:
    path = route.request.url.removeprefix(ORIGIN)
    if path == "/":
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><body></body>")
        return
    file = (STATIC / path.removeprefix("/static/")).resolve()
    if not file.is_relative_to(STATIC) or not file.is_file():
        route.fulfill(status=404, body="")
        return
    kind = "text/javascript" if file.suffix == ".js" else mimetypes.guess_type(file)[0]
    route.fulfill(status=200, content_type=kind or "text/plain", body=file.read_bytes())


@pytest.fixture
def probe() -> Iterator[dict[str, Any]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = chromium.new_page()
            page.route(f"{ORIGIN}/**", serve)
            page.goto(f"{ORIGIN}/")
            yield page.evaluate(PROBE)
        finally:
            chromium.close()


def test_a_pens_null_is_a_gap_to_its_next_value_and_series_never_span_gaps(probe):
    assert probe["t"] == [0, 10, 15, 20, 25, 30]
    level = [1, 1, None, None, None, 2]
    flow = [5, 5, "spanned", 5, None, 5]
    assert probe["columns"] == [level, level, level, flow, flow, flow]
    assert probe["spanGaps"] == [False] * 6
