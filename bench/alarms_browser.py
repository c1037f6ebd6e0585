"""The alarms in a real browser: a flood listed by the summary page, and one alarm's way
to the banner.

A live site (uvicorn on the bench's own PostgreSQL database, ``smve_bench_alarms`` unless
``--database-url`` names another) and
Debian's Chromium driven by Playwright. The bench commits batches as the poller does: one
transaction that creates a revision, runs the alarm processor and queues ``NOTIFY
smve_revision``; the browser learns of it through the site stream, whose message carries
the alarms the batch changed (a flood beyond what a message carries is read from
``/api/alarms/``), and renders.

- Flood: ``--flood`` alarms (default 5,000) raised by one batch on the summary page
  (``/alarms``). Timed from the batch's commit to the moment the page's table lists every
  alarm and the browser has painted it (a MutationObserver on the table until its
  ``data-count`` is the flood's size, then the next animation frame; the table is
  windowed, so only the rows in view are drawn), in the page's own wall clock (same
  machine). Then the page scrolls to the end of the list, one step of 600 px per frame:
  the frames longer than 50 ms, out of how many, and the longest. Median of ``--floods``
  floods (cleared and acknowledged between, the live page emptying by itself). Goal: all
  listed within 3 s, scrolling smoothly.
- Banner: ``--singles`` alarms (default 50) raised one batch each on a page showing the
  banner; each timed from its batch's commit to the banner naming it: p50/p95/p99. No
  poll is involved (the batch is committed directly), so this is the latency beyond the
  poll itself; goal p99 < 250 ms.

Run: ``python -m bench.alarms_browser`` (``--quick`` for a smoke run). The figures are
printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, datetime
from typing import Any

from bench.alarms import build
from bench.formulas_save import setup_django

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/smve_bench_alarms"
GOAL_LISTED_SECONDS = 3.0
GOAL_BANNER_P99_MS = 250.0
LONG_FRAME_MS = 50.0
SCROLL_STEP_PX = 600
WAIT_MS = 60_000

# In the page: the promise window.__bench of the time (ms since the epoch) when ``ready()``
# holds after a change of ``target``'s subtree, taken at the next paint (animation frame).
_WATCH = """([selector, kind, expected]) => {
  const target = document.querySelector(selector);
  const ready = kind === "count"
    ? () => target.dataset.count === String(expected)
    : () => target.textContent.includes(expected);
  window.__bench = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (!ready()) return;
      observer.disconnect();
      requestAnimationFrame(() => resolve(performance.timeOrigin + performance.now()));
    });
    const watch = { attributes: true, childList: true, subtree: true, characterData: true };
    observer.observe(target, watch);
  });
}"""

# In the page: scroll the list's scrolling box to its end, one step per frame; the frames'
# durations in ms.
_SCROLL = """async (step) => {
  let box = document.getElementById("alarms-body");
  while (box && box !== document.body && !(box.scrollHeight > box.clientHeight + 1
         && /(auto|scroll)/.test(getComputedStyle(box).overflowY))) box = box.parentElement;
  if (!box || box === document.body) box = document.scrollingElement;
  box.scrollTop = 0;
  const frames = [];
  let last = await new Promise(requestAnimationFrame);
  while (box.scrollTop + box.clientHeight < box.scrollHeight - 1) {
    box.scrollTop += step;
    const now = await new Promise(requestAnimationFrame);
    frames.push(now - last);
    last = now;
  }
  return frames;
}"""


class Field:
    """Batches committed as the poller commits them: revision, alarm processor, NOTIFY."""

    def __init__(self, profile_id: int) -> None:
        from alarms.processor import AlarmProcessor

        self.processor = AlarmProcessor()
        self.processor.configure(profile_id)

    def commit(self, values: dict[int, float], then: Any = None) -> float:
        """Commit one batch setting ``values`` (by point id), calling ``then(revision)`` in
        its transaction; the wall time of the commit."""
        from django.db import connection, transaction

        from poll.acquisition.batch import PointChange, to_micros
        from poll.acquisition.store import NOTIFY_CHANNEL, REVISION_LOCK_KEY
        from poll.models import Revision

        at = to_micros(datetime.now(UTC))
        changes = {p: PointChange(p, value, 0, True, at) for p, value in values.items()}
        postgresql = connection.vendor == "postgresql"  # SQLite: the stream polls instead
        with transaction.atomic(), connection.cursor() as cursor:
            if postgresql:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [REVISION_LOCK_KEY])
            revision = Revision.objects.create(source="bench").pk
            self.processor.process(changes, revision)
            if then is not None:
                then(revision)
            if postgresql:
                cursor.execute("SELECT pg_notify(%s, %s)", [NOTIFY_CHANNEL, str(revision)])
        return time.time() * 1000


def acknowledge_all(revision: int) -> None:
    """Acknowledge every cleared alarm, so that the summary is empty again (with the
    batch's revision: the site stream announces only revisions that changed something)."""
    from alarms.models import Alarm

    Alarm.objects.filter(state="rtn_unack").update(state="normal", revision=revision)


def watched(page: Any, selector: str, kind: str, expected: Any, commit: Any) -> float:
    """Milliseconds from ``commit()``'s commit to the page showing ``expected``."""
    page.evaluate(_WATCH, [selector, kind, expected])
    committed = commit()
    return float(page.evaluate("() => window.__bench")) - committed


def log_in(chromium: Any, url: str, path: str) -> Any:
    from playwright.sync_api import expect

    page = chromium.new_context(viewport={"width": 1600, "height": 900}).new_page()
    page.goto(f"{url}/accounts/login/?next={path}")
    page.fill("#id_username", "operator")
    page.fill("#id_password", "operator")
    page.click("button[type=submit]")
    expect(page.locator("#alarm-banner")).to_be_visible(timeout=WAIT_MS)
    return page


def flood(page: Any, field: Field, points: list[int], count: int, floods: int) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#alarms-empty")).to_be_visible(timeout=WAIT_MS)
    listed: list[float] = []
    long_frames: list[int] = []
    frame_counts: list[int] = []
    longest: list[float] = []
    for _ in range(floods):
        listed.append(
            watched(
                page,
                "#alarms-table",
                "count",
                count,
                lambda: field.commit(dict.fromkeys(points, 500.0)),
            )
            / 1000
        )
        frames = page.evaluate(_SCROLL, SCROLL_STEP_PX)
        long_frames.append(sum(1 for f in frames if f > LONG_FRAME_MS))
        frame_counts.append(len(frames))
        longest.append(max(frames, default=0.0))
        field.commit(dict.fromkeys(points, 0.0), then=acknowledge_all)
        expect(page.locator("#alarms-empty")).to_be_visible(timeout=WAIT_MS)
    print(
        f"browser flood: {count:,} alarms in one batch listed by the summary page in median "
        f"{statistics.median(listed):.2f} s after the commit (runs "
        f"{', '.join(f'{t:.2f}' for t in listed)}); goal < {GOAL_LISTED_SECONDS} s"
    )
    print(
        f"  scrolling to the end ({SCROLL_STEP_PX} px a frame): frames over "
        f"{LONG_FRAME_MS:.0f} ms per run {', '.join(map(str, long_frames))} of "
        f"{', '.join(map(str, frame_counts))}; longest frame median "
        f"{statistics.median(longest):.0f} ms"
    )


def singles(page: Any, field: Field, point: int, count: int) -> None:
    """``count`` alarms on one point with rising setpoints: each batch raises the next."""
    delays = [
        watched(
            page,
            "#alarm-banner .alarm-newest",
            "text",
            f"SINGLE{i:03d}:",
            lambda i=i: field.commit({point: 1000.5 + i}),
        )
        for i in range(count)
    ]
    quantiles = statistics.quantiles(delays, n=100, method="inclusive")
    print(
        f"banner: {count} single alarms, commit to banner: p50 {statistics.median(delays):.0f} ms, "
        f"p95 {quantiles[94]:.0f} ms, p99 {quantiles[98]:.0f} ms, max {max(delays):.0f} ms; "
        f"goal p99 < {GOAL_BANNER_P99_MS:.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flood", type=int, default=5_000)
    parser.add_argument("--floods", type=int, default=3)
    parser.add_argument("--singles", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="500 alarms, 1 flood, 10 singles")
    parser.add_argument("--database-url", default=DATABASE_URL)
    args = parser.parse_args()
    if args.quick:
        args.flood, args.floods, args.singles = 500, 1, 10
    setup_django(args.database_url)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop in this thread
    from django.core.management import call_command
    from playwright.sync_api import sync_playwright

    from alarms.models import AlarmDefinition
    from tests.console.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.hmi.asgi_server import asgi_server

    profile, points = build(args.flood)
    AlarmDefinition.objects.bulk_create(
        AlarmDefinition(
            profile=profile,
            point_id=points[0],
            tag=f"SINGLE{i:03d}",
            kind="h",
            setpoint=1000.0 + i,
            message="{value} {unit}",
        )
        for i in range(args.singles)
    )
    call_command("create_demo_users", stdout=open(os.devnull, "w"))  # noqa: SIM115
    field = Field(profile.pk)
    with asgi_server(DJANGO_SETTINGS_MODULE="smve.settings") as server, sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            url = f"http://127.0.0.1:{server.port}"
            flood(log_in(chromium, url, "/alarms"), field, points, args.flood, args.floods)
            AlarmDefinition.objects.filter(tag__startswith="BENCH").delete()
            field = Field(profile.pk)  # watching the singles only
            singles(log_in(chromium, url, "/"), field, points[0], args.singles)
        finally:
            chromium.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
