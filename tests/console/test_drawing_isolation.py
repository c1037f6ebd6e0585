"""A screen full of attackers' payloads, in a real browser with no Content-Security-Policy:
hovered, clicked and animated, it makes no request anywhere but the site.

The server runs without the policy middleware, so only the sanitiser stands between the
drawing and the network. Every request of the browser is recorded, and requests that leave
the site are aborted (so the test never reaches out, and fails on what it would have
fetched). Waits are on page conditions and on requests, never fixed sleeps.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.console.conftest import CHROMIUM, SERVER_SETTINGS, Browser, Site
from tests.hmi.asgi_server import asgi_server
from tests.hmi.support import inkscape_drawing, load_small_site
from tests.hmi.test_svg_sanitiser import HARDENED, MALICIOUS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)",
    ),
]

SETTINGS_WITHOUT_CSP = "tests.console.no_csp_settings"
#: Something to see, hover and click around the payloads.
VISIBLE = """
    <rect tag="E4DI00" x="10" y="10" width="40" height="20" style="fill:#2e7d32" />
    <a xlink:href="#screen:nowhere"><text x="10" y="60" style="font-size:8px">Link</text></a>
"""


@pytest.fixture
def payload_site(transactional_db: None) -> Iterator[Site]:
    """The small site with one screen holding every payload, served without a policy,
    and a viewer (password: its name)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from hmi.models import Screen
    from hmi.screen_import import import_drawing

    profile = load_small_site()
    payloads = "".join([*MALICIOUS.values(), *HARDENED.values()])
    import_drawing(profile, "payloads", inkscape_drawing(VISIBLE + payloads))
    viewer = get_user_model().objects.create_user("viewer", password="viewer", is_staff=True)
    viewer.groups.add(Group.objects.get_or_create(name="viewer")[0])
    screens = dict(Screen.objects.values_list("name", "pk"))
    with asgi_server(DJANGO_SETTINGS_MODULE=SETTINGS_WITHOUT_CSP) as server:
        yield Site(server, screens=screens)


class RequestLog:
    """Every request of a browser context that leaves ``site``, which is aborted.

    Recorded on the context's ``request`` event, which Playwright emits before the page's:
    a request a test waits for on the page is in the log when the wait ends.
    """

    def __init__(self, context: Any, site: str) -> None:
        self.site = site
        self.outside: list[str] = []
        context.on("request", self._record)
        context.route(self._is_outside, lambda route: route.abort())

    def _is_outside(self, url: str) -> bool:
        return not (url == self.site or url.startswith(f"{self.site}/"))

    def _record(self, request: Any) -> None:
        if self._is_outside(request.url):
            self.outside.append(request.url)


def test_a_screen_of_payloads_fetches_nothing_outside_the_site(
    payload_site: Site, browser: Browser
) -> None:
    page = browser.page()
    log = RequestLog(page.context, payload_site.url)
    page.goto(f"{payload_site.url}/accounts/login/?next=/screens/")
    page.fill("#id_username", "viewer")
    page.fill("#id_password", "viewer")
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile("/accounts/login/"))

    # What the recording is worth: a request to another host is seen (and aborted).
    with page.expect_request("http://attacker.example/canary"):
        page.evaluate("new Image().src = 'http://attacker.example/canary'")
    assert log.outside == ["http://attacker.example/canary"]
    log.outside.clear()

    with page.expect_response(re.compile(r"/screens/\d+/$")) as screen_page:
        page.goto(f"{payload_site.url}/screens/{payload_site.screens['payloads']}/")
    assert "content-security-policy" not in screen_page.value.all_headers()
    drawing = page.locator("#diagram svg.drawing")
    expect(drawing.locator('[tag="E4DI00"]')).to_be_visible()

    # Hover and click everything drawn; run the animations to their end.
    for box in drawing.locator("*").evaluate_all(_BOXES):
        page.mouse.move(box["x"], box["y"])
        page.mouse.click(box["x"], box["y"])
    page.evaluate(_RUN_ANIMATIONS)

    # A request made after all that, and seen, means the page's requests are all in.
    with page.expect_request(f"{payload_site.url}/static/console/icon.svg?after-payloads"):
        page.evaluate("fetch('/static/console/icon.svg?after-payloads')")
    assert not log.outside, sorted(set(log.outside))
    assert page.url.startswith(payload_site.url)


_BOXES = """elements => elements
    .map(e => e.getBoundingClientRect())
    .filter(r => r.width > 0 && r.height > 0)
    .map(r => ({x: r.x + r.width / 2, y: r.y + r.height / 2}))"""

_RUN_ANIMATIONS = """async () => {
    const svg = document.querySelector("#diagram svg.drawing");
    svg.setCurrentTime(60);
    getComputedStyle(document.body).backgroundImage;
    document.body.getBoundingClientRect();
    for (let i = 0; i < 2; i++) await new Promise(requestAnimationFrame);
}"""


#: A drawing's sheet that would restyle the console if it were not confined to the drawing.
RESTYLING = """
    <defs><style>
      body, .topbar, #alarm-banner, rect.mine { visibility: hidden }
      header, nav, main { display: none }
      rect.mine { fill: rgb(1, 2, 3) }
      @media screen { body { background: rgb(9, 9, 9) } rect.mine { stroke: rgb(4, 5, 6) } }
      @keyframes pulse { from { opacity: 1 } to { opacity: 0.5 } }
    </style></defs>
    <rect class="mine" tag="E4DI00" x="10" y="10" width="40" height="20"
          style="visibility:visible; animation: pulse 1s infinite" />
"""


@pytest.fixture
def restyling_site(transactional_db: None) -> Iterator[Site]:
    """The small site with a screen whose sheet targets the console's own page."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from hmi.models import Screen
    from hmi.screen_import import import_drawing

    profile = load_small_site()
    import_drawing(profile, "restyling", inkscape_drawing(RESTYLING))
    viewer = get_user_model().objects.create_user("viewer", password="viewer", is_staff=True)
    viewer.groups.add(Group.objects.get_or_create(name="viewer")[0])
    with asgi_server(DJANGO_SETTINGS_MODULE=SERVER_SETTINGS) as server:
        yield Site(server, screens=dict(Screen.objects.values_list("name", "pk")))


def test_a_drawings_style_sheet_styles_the_drawing_and_nothing_else(
    restyling_site: Site, browser: Browser
) -> None:
    page = browser.page()
    page.goto(f"{restyling_site.url}/accounts/login/?next=/screens/")
    page.fill("#id_username", "viewer")
    page.fill("#id_password", "viewer")
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile("/accounts/login/"))
    page.goto(f"{restyling_site.url}/screens/{restyling_site.screens['restyling']}/")
    mine = page.locator("#diagram svg.drawing rect.mine")
    expect(mine).to_have_css("fill", "rgb(1, 2, 3)")
    expect(mine).to_have_css("stroke", "rgb(4, 5, 6)")
    expect(mine).to_have_css("animation-name", "pulse")

    expect(page.locator("header.topbar")).to_be_visible()
    expect(page.locator("nav.topnav")).to_be_visible()
    expect(page.locator("main#main")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).visibility") == "visible"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(9, 9, 9)"
